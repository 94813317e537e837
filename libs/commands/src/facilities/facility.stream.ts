import { facilityStream, type FacilityEvent } from '@bistand/placement/facility/facility.events';
import { evolveFacility, initialFacilityState, type FacilityState } from '@bistand/placement/facility/facility.decider';
import type { StreamModel } from '../pipeline/stream-loader';

export const facilityModel: StreamModel<FacilityState, FacilityEvent> = {
  initialState: initialFacilityState,
  evolve: evolveFacility,
  streamOf: (state) => (state.exists ? facilityStream(state.facilityId) : undefined),
};

export { facilityStream };
