import Holidays from 'date-holidays';
import { addCalendarDays, isoDate } from './oslo-time';

/** Norwegian public holidays from the maintained `date-holidays` library, cached per year. */
const norway = new Holidays('NO');
const holidaysByYear = new Map<number, Set<string>>();

function publicHolidays(year: number): Set<string> {
  let holidays = holidaysByYear.get(year);
  if (!holidays) {
    holidays = new Set(norway.getHolidays(year).filter((holiday) => holiday.type === 'public').map((holiday) => holiday.date.slice(0, 10)));
    holidaysByYear.set(year, holidays);
  }
  return holidays;
}

export function isNorwegianWorkingDay(date: { year: number; month: number; day: number }): boolean {
  const weekday = new Date(Date.UTC(date.year, date.month - 1, date.day)).getUTCDay();
  if (weekday === 0 || weekday === 6) return false;
  return !publicHolidays(date.year).has(isoDate(date));
}

/** The `count`th working day after `date` (the date itself not counted). */
export function addWorkingDays(date: { year: number; month: number; day: number }, count: number): { year: number; month: number; day: number } {
  const key = `${isoDate(date)}+${count}`;
  let result = workingDaysCache.get(key);
  if (!result) {
    let current = date;
    for (let found = 0; found < count; ) {
      current = addCalendarDays(current, 1);
      if (isNorwegianWorkingDay(current)) found++;
    }
    result = { year: current.year, month: current.month, day: current.day };
    if (workingDaysCache.size > 50_000) workingDaysCache.clear();
    workingDaysCache.set(key, result);
  }
  return { ...result };
}

/** Every planned request of a day asks the same question. */
const workingDaysCache = new Map<string, { year: number; month: number; day: number }>();
