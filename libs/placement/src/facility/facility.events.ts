import type { FacilityKind, GeoPoint, TargetGroup } from '../shared';

/** The facility stream's event catalogue. Stream name: `facility-<uuid>`. */
export const FacilityEventType = {
  FacilityRegistered: 'FacilityRegistered',
  FacilityCapacityChanged: 'FacilityCapacityChanged',
  FacilitySuspended: 'FacilitySuspended',
  FacilityResumed: 'FacilityResumed',
  FacilityClosed: 'FacilityClosed',
} as const;

export interface FacilityRegistered {
  type: typeof FacilityEventType.FacilityRegistered;
  data: {
    facilityId: string;
    name: string;
    kind: FacilityKind;
    region: string;
    municipality: string;
    location: GeoPoint;
    places: number;
    targetGroups: TargetGroup[];
  };
}

export interface FacilityCapacityChanged {
  type: typeof FacilityEventType.FacilityCapacityChanged;
  data: { facilityId: string; places: number; reason: string };
}

export interface FacilitySuspended {
  type: typeof FacilityEventType.FacilitySuspended;
  data: { facilityId: string; reason?: string };
}

export interface FacilityResumed {
  type: typeof FacilityEventType.FacilityResumed;
  data: { facilityId: string; reason?: string };
}

export interface FacilityClosed {
  type: typeof FacilityEventType.FacilityClosed;
  data: { facilityId: string; reason?: string };
}

export type FacilityEvent = FacilityRegistered | FacilityCapacityChanged | FacilitySuspended | FacilityResumed | FacilityClosed;

export const FACILITY_STREAM_PREFIX = 'facility-';

export function facilityStream(facilityId: string): string {
  return `${FACILITY_STREAM_PREFIX}${facilityId}`;
}
