import type { BreachPolicy } from './breach-policy';
import { addCalendarDays, fromOsloLocal, osloDayStart, toOsloLocal } from './oslo-time';
import type { Urgency } from './shared';
import { addWorkingDays } from './working-days';

/**
 * When Bufetat's offer is due (PRODUCT.md §4): acute, a fixed number of hours after the request;
 * planned, the later of `neededBy` and the same Oslo time of day on the Nth working day after it.
 */
export function offerDeadline(request: { urgency: Urgency; requestedAt: Date; neededBy: string }, policy: BreachPolicy): Date {
  if (request.urgency === 'acute') return new Date(request.requestedAt.getTime() + policy.acuteOfferDeadlineHours * 3_600_000);
  const local = toOsloLocal(request.requestedAt);
  const dueDay = addWorkingDays(local, policy.plannedOfferWorkingDays);
  const workingDayDeadline = fromOsloLocal({ ...local, ...dueDay });
  const neededBy = neededByInstant(request.neededBy);
  return neededBy.getTime() > workingDayDeadline.getTime() ? neededBy : workingDayDeadline;
}

/**
 * `neededBy` as an instant: a date-time as written; a bare date means the whole of that day in
 * Oslo, i.e. the start of the next day.
 */
export function neededByInstant(neededBy: string): Date {
  let epochMs = neededByCache.get(neededBy);
  if (epochMs === undefined) {
    if (/^\d{4}-\d{2}-\d{2}$/.test(neededBy)) {
      const [year, month, day] = neededBy.split('-').map(Number);
      epochMs = osloDayStart(addCalendarDays({ year, month, day }, 1)).getTime();
    } else {
      epochMs = new Date(neededBy).getTime();
    }
    if (neededByCache.size > 50_000) neededByCache.clear();
    neededByCache.set(neededBy, epochMs);
  }
  return new Date(epochMs);
}

/** The breach rules ask for the same few hundred dates over and over (a rebuild judges every event). */
const neededByCache = new Map<string, number>();
