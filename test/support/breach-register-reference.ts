/**
 * A small, independent reference implementation of PRODUCT.md §4 (the breach rules), written from
 * the text of the specification only, for the model test of the breach register
 * (test/breach-register.model.e2e-spec.ts). It shares no code with the product's rules on purpose:
 * working days, Oslo wall-clock time and distances are computed here from scratch.
 */

const HOUR = 3_600_000;
const FAR_FROM_HOME_KM = 150;

/**
 * Norwegian public holidays (helligdager) of the years the model generates, written out by hand
 * (the product takes them from a holiday library; these are the law's list, so a disagreement is a
 * finding). 24 and 31 December are not public holidays.
 */
export const NORWEGIAN_PUBLIC_HOLIDAYS = new Set([
  // 2024
  '2024-01-01', '2024-03-28', '2024-03-29', '2024-03-31', '2024-04-01', '2024-05-01', '2024-05-09', '2024-05-17', '2024-05-19', '2024-05-20', '2024-12-25', '2024-12-26',
  // 2025
  '2025-01-01', '2025-04-17', '2025-04-18', '2025-04-20', '2025-04-21', '2025-05-01', '2025-05-17', '2025-05-29', '2025-06-08', '2025-06-09', '2025-12-25', '2025-12-26',
  // 2026
  '2026-01-01', '2026-04-02', '2026-04-03', '2026-04-05', '2026-04-06', '2026-05-01', '2026-05-14', '2026-05-17', '2026-05-24', '2026-05-25', '2026-12-25', '2026-12-26',
]);

const osloFormat = new Intl.DateTimeFormat('en-GB', {
  timeZone: 'Europe/Oslo',
  hourCycle: 'h23',
  year: 'numeric',
  month: '2-digit',
  day: '2-digit',
  hour: '2-digit',
  minute: '2-digit',
  second: '2-digit',
});

export interface WallClock {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
  millisecond: number;
}

/** The Oslo wall-clock reading of an instant. */
export function osloWallClock(instant: number): WallClock {
  const parts = Object.fromEntries(osloFormat.formatToParts(new Date(instant)).map((part) => [part.type, part.value]));
  return {
    year: Number(parts.year),
    month: Number(parts.month),
    day: Number(parts.day),
    hour: Number(parts.hour),
    minute: Number(parts.minute),
    second: Number(parts.second),
    millisecond: ((instant % 1000) + 1000) % 1000,
  };
}

/** Oslo's offset from UTC at an instant, in ms (+1 h in winter, +2 h in summer). */
export function osloOffset(instant: number): number {
  const w = osloWallClock(instant);
  return Date.UTC(w.year, w.month - 1, w.day, w.hour, w.minute, w.second, w.millisecond) - instant;
}

/** The instant an Oslo wall clock shows this reading (on a day with no DST change: unambiguous). */
export function osloInstant(w: WallClock): number {
  const asUtc = Date.UTC(w.year, w.month - 1, w.day, w.hour, w.minute, w.second, w.millisecond);
  let instant = asUtc - osloOffset(asUtc);
  instant = asUtc - osloOffset(instant);
  return instant;
}

/** An instant written as Oslo local time with its offset, e.g. `2025-03-03T10:00:00+01:00`. */
export function osloIso(instant: number): string {
  const w = osloWallClock(instant);
  const offsetMinutes = osloOffset(instant) / 60_000;
  const pad = (n: number, width = 2) => String(n).padStart(width, '0');
  const sign = offsetMinutes >= 0 ? '+' : '-';
  const ms = w.millisecond ? `.${pad(w.millisecond, 3)}` : '';
  return `${w.year}-${pad(w.month)}-${pad(w.day)}T${pad(w.hour)}:${pad(w.minute)}:${pad(w.second)}${ms}${sign}${pad(Math.floor(Math.abs(offsetMinutes) / 60))}:${pad(Math.abs(offsetMinutes) % 60)}`;
}

export function isWorkingDay(year: number, month: number, day: number): boolean {
  const date = new Date(Date.UTC(year, month - 1, day));
  const weekday = date.getUTCDay();
  return weekday !== 0 && weekday !== 6 && !NORWEGIAN_PUBLIC_HOLIDAYS.has(date.toISOString().slice(0, 10));
}

/** §4: the same Oslo time of day on the 10th working day after the request's Oslo date. */
export function tenthWorkingDayAfter(requestedAt: number): number {
  const start = osloWallClock(requestedAt);
  const cursor = new Date(Date.UTC(start.year, start.month - 1, start.day));
  let workingDays = 0;
  while (workingDays < 10) {
    cursor.setUTCDate(cursor.getUTCDate() + 1);
    if (isWorkingDay(cursor.getUTCFullYear(), cursor.getUTCMonth() + 1, cursor.getUTCDate())) workingDays++;
  }
  return osloInstant({ ...start, year: cursor.getUTCFullYear(), month: cursor.getUTCMonth() + 1, day: cursor.getUTCDate() });
}

export type Urgency = 'acute' | 'planned';

/** §4: acute 2 hours after the request; planned the later of neededBy and the 10th working day. */
export function offerDeadline(urgency: Urgency, requestedAt: number, neededBy: number): number {
  return urgency === 'acute' ? requestedAt + 2 * HOUR : Math.max(neededBy, tenthWorkingDayAfter(requestedAt));
}

export interface GeoPoint {
  lat: number;
  lon: number;
}

/** Great-circle distance in km (haversine, mean Earth radius). */
export function greatCircleKm(a: GeoPoint, b: GeoPoint): number {
  const rad = Math.PI / 180;
  const h = Math.sin(((b.lat - a.lat) * rad) / 2) ** 2 + Math.cos(a.lat * rad) * Math.cos(b.lat * rad) * Math.sin(((b.lon - a.lon) * rad) / 2) ** 2;
  return 2 * 6371 * Math.asin(Math.sqrt(h));
}

export interface ReferenceFacility {
  kind: string;
  targetGroups: string[];
  location: GeoPoint;
}

/** A fact of one request's history, with its business time (ms). */
export type Fact =
  | { op: 'offer'; at: number; offerId: string; facility: ReferenceFacility }
  | { op: 'accept'; at: number; offerId: string }
  | { op: 'refuse'; at: number; offerId: string; reason: string }
  | { op: 'withdrawOffer'; at: number; offerId: string }
  | { op: 'noOffer'; at: number }
  | { op: 'place'; at: number; offerId: string }
  | { op: 'withdraw'; at: number }
  | { op: 'end'; at: number };

export interface ReferenceRequest {
  requestId: string;
  urgency: Urgency;
  placementKind: string;
  targetGroup: string;
  home: GeoPoint;
  requestedAt: number;
  neededBy: number;
  /** The facts in the order they were registered (business time never decreases). */
  facts: Fact[];
}

export interface ExpectedBreach {
  requestId: string;
  type: string;
  offerId: string | null;
  occurredAt: number;
  retracted: boolean;
}

/** An offer, or a withdrawal of the request, dated before the deadline: the duty was met (or ended). */
export function answersDeadline(fact: Fact, deadline: number): boolean {
  return (fact.op === 'offer' || fact.op === 'withdraw') && fact.at < deadline;
}

/**
 * The breaches §4 records for one request, when the deadline watcher judged it after the first
 * `judgedAfter` facts had been registered (the rest were registered late).
 */
export function referenceBreaches(request: ReferenceRequest, judgedAfter: number): ExpectedBreach[] {
  const breaches: ExpectedBreach[] = [];
  const add = (type: string, occurredAt: number, offerId: string | null = null, retracted = false) =>
    breaches.push({ requestId: request.requestId, type, offerId, occurredAt, retracted });
  const deadline = offerDeadline(request.urgency, request.requestedAt, request.neededBy);

  const judgedMissed = !request.facts.slice(0, judgedAfter).some((fact) => answersDeadline(fact, deadline));
  if (judgedMissed) {
    const lateAnswer = request.facts.slice(judgedAfter).some((fact) => answersDeadline(fact, deadline));
    add('NO_OFFER_BEFORE_DEADLINE', deadline, null, lateAnswer);
  }

  const offers = new Map<string, { facility: ReferenceFacility; notMatching: boolean }>();
  for (const fact of request.facts) {
    switch (fact.op) {
      case 'noOffer':
        add('NO_OFFER_DECLARED', fact.at);
        break;
      case 'offer': {
        const notMatching = fact.facility.kind !== request.placementKind || !fact.facility.targetGroups.includes(request.targetGroup);
        offers.set(fact.offerId, { facility: fact.facility, notMatching });
        if (notMatching) add('OFFER_NOT_MATCHING_NEEDS', fact.at, fact.offerId);
        break;
      }
      case 'refuse': {
        const offer = offers.get(fact.offerId);
        if (fact.reason === 'not_matching_needs' && offer && !offer.notMatching) {
          offer.notMatching = true; // one breach per offer: the first reason found
          add('OFFER_NOT_MATCHING_NEEDS', fact.at, fact.offerId);
        }
        break;
      }
      case 'place': {
        const offer = offers.get(fact.offerId);
        if (!offer) throw new Error(`placed on an unknown offer ${fact.offerId}`);
        if (greatCircleKm(request.home, offer.facility.location) > FAR_FROM_HOME_KM) add('PLACED_FAR_FROM_HOME', fact.at, fact.offerId);
        const grace = request.urgency === 'planned' ? 24 * HOUR : 0;
        if (fact.at > request.neededBy + grace) add('PLACED_AFTER_NEEDED_BY', fact.at, fact.offerId);
        break;
      }
      default:
        break;
    }
  }
  return breaches;
}
