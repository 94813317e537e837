import { capacityProjection } from './capacity/capacity.projection';
import type { Projection } from './projection';
import { requestsProjection } from './requests/requests.projection';

/** Every read model the projector keeps, in the order it applies them. */
export const ALL_PROJECTIONS: readonly Projection[] = [capacityProjection, requestsProjection];
