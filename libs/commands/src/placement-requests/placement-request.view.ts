import type { RecordedEvent } from '@bistand/event-store/event-store.port';
import { formatPosition } from '@bistand/event-store/positions';
import type { OpenPlacementRequest } from '@bistand/placement/placement-request/placement-request.state';
import { requestView, type FacilityMunicipalities } from '@bistand/projections/requests/request-view';

/** The answer of GET /v1/placement-requests/:id, built from the request's own stream. */
export function placementRequestView(state: OpenPlacementRequest, events: RecordedEvent[], facilityMunicipalities?: FacilityMunicipalities) {
  const first = events[0];
  const recordedAt = typeof first?.metadata.recordedAt === 'string' ? first.metadata.recordedAt : first?.recordedAt.toISOString();
  return { ...requestView(state, recordedAt, facilityMunicipalities), revision: events.length - 1 };
}

/** One event as the audit trail shows it. */
export function eventView(event: RecordedEvent) {
  return { type: event.type, data: event.data, metadata: event.metadata, revision: event.revision, position: formatPosition(event.position) };
}
