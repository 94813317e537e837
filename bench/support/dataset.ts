import { randomUUID } from 'node:crypto';
import type { EventStore, EventToAppend } from '@bistand/event-store/event-store.port';
import { DEFAULT_BREACH_POLICY } from '@bistand/placement/breach-policy';
import { distanceKm } from '@bistand/placement/distance';
import { offerDeadline } from '@bistand/placement/offer-deadline';
import { facilityStream } from '@bistand/placement/facility/facility.events';
import { placementRequestStream } from '@bistand/placement/placement-request/placement-request.events';
import { FACILITY_KINDS, TARGET_GROUPS } from '@bistand/placement/shared';
import { MUNICIPALITIES, type Municipality } from '@bistand/reference-data/municipalities';

/** A deterministic pseudo-random sequence, so every run generates the same national mix. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state * 1_664_525 + 1_013_904_223) >>> 0;
    return state / 2 ** 32;
  };
}

interface Facility {
  id: string;
  kind: (typeof FACILITY_KINDS)[number];
  region: string;
  location: { lat: number; lon: number };
  targetGroups: (typeof TARGET_GROUPS)[number][];
}

function metadata(occurredAt: Date, role: string) {
  const eventId = randomUUID();
  return {
    eventId,
    event: (type: string, data: unknown): EventToAppend => ({
      eventId,
      type,
      data,
      metadata: { eventId, occurredAt: occurredAt.toISOString(), recordedAt: occurredAt.toISOString(), actor: { sub: `bench-${role}`, role }, correlationId: eventId, causationId: eventId, schemaVersion: 1 },
    }),
  };
}

const ev = (type: string, data: unknown, at: Date, role: string) => metadata(at, role).event(type, data);

/**
 * Writes a year of a realistic national mix into the store: ~300 facilities in every region, and
 * requests from all municipalities with offers, refusals, placements, endings and declarations,
 * until `targetEvents` events exist. Returns how many it wrote.
 */
export async function generateNationalYear(store: EventStore, targetEvents: number, writers = 8, log: (line: string) => void = () => undefined): Promise<number> {
  const next = random(2024);
  const pick = <T>(items: readonly T[]) => items[Math.floor(next() * items.length)];
  const yearStart = Date.parse('2025-01-01T00:00:00Z');
  const facilities: Facility[] = [];
  let written = 0;

  for (let i = 0; i < 300; i++) {
    const home = pick(MUNICIPALITIES);
    const facility: Facility = {
      id: randomUUID(),
      kind: pick(FACILITY_KINDS),
      region: home.region,
      location: { lat: home.centre.lat + (next() - 0.5) * 0.1, lon: home.centre.lon + (next() - 0.5) * 0.1 },
      targetGroups: [...new Set([pick(TARGET_GROUPS), pick(TARGET_GROUPS)])],
    };
    facilities.push(facility);
    const at = new Date(yearStart - 86_400_000);
    await store.appendToStream(
      facilityStream(facility.id),
      [ev('FacilityRegistered', { facilityId: facility.id, name: `Facility ${i}`, kind: facility.kind, region: facility.region, municipality: home.number, location: facility.location, places: 2 + Math.floor(next() * 10), targetGroups: facility.targetGroups }, at, 'coordinator')],
      { expectedRevision: 'no_stream' },
    );
    written++;
  }

  // Coordinators mostly offer a place of the kind and target group asked for in the home region,
  // sometimes a fitting place elsewhere, and now and then whatever is free (a mismatch).
  const fits = (facility: Facility, kind: string, group: string) => facility.kind === kind && facility.targetGroups.includes(group as Facility['targetGroups'][number]);
  const chooseFacility = (home: Municipality, kind: string, group: string): Facility => {
    const roll = next();
    const candidates =
      roll < 0.8 ? facilities.filter((f) => f.region === home.region && fits(f, kind, group)) : roll < 0.92 ? facilities.filter((f) => fits(f, kind, group)) : facilities;
    return pick(candidates.length > 0 ? candidates : facilities);
  };

  const requestEvents = (home: Municipality): EventToAppend[] => {
    const requestId = randomUUID();
    const urgency = next() < 0.4 ? 'acute' : 'planned';
    const placementKind = pick(FACILITY_KINDS);
    const targetGroup = pick(TARGET_GROUPS);
    let t = yearStart + Math.floor(next() * 360 * 86_400_000);
    const step = (hours: number) => new Date((t += Math.floor(hours * 3_600_000 * (0.2 + next()))));
    const requestedAt = t;
    const neededBy = new Date(t + 3 * 86_400_000).toISOString().slice(0, 10);
    const events: EventToAppend[] = [
      ev('PlacementRequested', { requestId, municipality: home.number, region: home.region, childRef: `bench-${requestId.slice(0, 8)}`, birthYear: 2008 + Math.floor(next() * 12), urgency, placementKind, targetGroup, neededBy, legalBasis: 'bvl. § 4-2', childHeard: true }, new Date(t), 'municipality'),
    ];
    // The deadline watcher's judgement, as it would have been recorded: no offer before the deadline.
    const deadline = offerDeadline({ urgency, requestedAt: new Date(requestedAt), neededBy }, DEFAULT_BREACH_POLICY);
    let judged = false;
    const judgeBefore = (at: number) => {
      if (judged || at < deadline.getTime()) return;
      judged = true;
      events.push(ev('OfferDeadlineMissed', { requestId, deadline: deadline.toISOString(), policyVersion: DEFAULT_BREACH_POLICY.version }, deadline, 'system'));
    };
    if (next() < 0.08) {
      events.push(ev('NoOfferDeclared', { requestId, reason: 'no place' }, step(urgency === 'acute' ? 1 : 48), 'coordinator'));
      if (next() < 0.5) {
        judgeBefore(Number.MAX_SAFE_INTEGER);
        return events;
      }
    }
    const offer = () => {
      const facility = chooseFacility(home, placementKind, targetGroup);
      const offerId = randomUUID();
      const at = step(urgency === 'acute' ? 1.5 : 100);
      judgeBefore(at.getTime());
      events.push(
        ev('OfferMade', { requestId, offerId, facilityId: facility.id, facilityKind: facility.kind, facilityTargetGroups: facility.targetGroups, facilityRegion: facility.region, distanceKm: distanceKm(home.centre, facility.location), startDate: new Date(t).toISOString().slice(0, 10), overbooked: false }, at, 'coordinator'),
      );
      return { offerId, facility };
    };
    let current = offer();
    if (next() < 0.3) {
      events.push(ev('OfferRefused', { requestId, offerId: current.offerId, reason: pick(['not_matching_needs', 'too_far', 'other'] as const) }, step(4), 'municipality'));
      current = offer();
    }
    if (next() < 0.05) {
      events.push(ev('RequestWithdrawn', { requestId, reason: 'situation changed' }, step(10), 'municipality'));
      return events;
    }
    events.push(ev('OfferAccepted', { requestId, offerId: current.offerId }, step(4), 'municipality'));
    const placedAt = step(20);
    events.push(
      ev('ChildPlaced', { requestId, offerId: current.offerId, facilityId: current.facility.id, placedAt: placedAt.toISOString(), distanceKm: distanceKm(home.centre, current.facility.location), outsideHomeRegion: current.facility.region !== home.region }, placedAt, 'coordinator'),
    );
    if (next() < 0.6) {
      const endedAt = step(24 * 60);
      events.push(ev('PlacementEnded', { requestId, endedAt: endedAt.toISOString(), reason: 'planned' }, endedAt, 'coordinator'));
    }
    return events;
  };

  let lastLog = 0;
  await Promise.all(
    Array.from({ length: writers }, async () => {
      while (written < targetEvents) {
        const events = requestEvents(pick(MUNICIPALITIES));
        written += events.length;
        const requestId = (events[0].data as { requestId: string }).requestId;
        await store.appendToStream(placementRequestStream(requestId), events, { expectedRevision: 'no_stream' });
        if (written - lastLog >= 20_000) {
          lastLog = written;
          log(`  generated ${written.toLocaleString('en-US')} events`);
        }
      }
    }),
  );
  return written;
}
