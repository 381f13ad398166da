import type { Calendar, CalendarSpec } from '@somnus/contracts';
import type { CalendarWindow } from '@somnus/policy';

/**
 * Calendar windows in the operator's time zone, computed with Intl only. Pure: "now" is a parameter.
 * A window over midnight (end before start) belongs to the day it starts, as in the policy.
 */

const DAY_NUMBER: Record<CalendarSpec['days'][number], number> = { sun: 0, mon: 1, tue: 2, wed: 3, thu: 4, fri: 5, sat: 6 };
const WEEKDAY_OF: Record<string, number> = { Sun: 0, Mon: 1, Tue: 2, Wed: 3, Thu: 4, Fri: 5, Sat: 6 };
const DAY_MS = 86_400_000;

/** The policy's view of a calendar: only enabled windows that hold nodes awake. */
export function toPolicyWindow(calendar: Calendar): CalendarWindow | undefined {
  const { spec } = calendar;
  if (!spec.enabled) return undefined;
  const labels = parseLabel(spec.selector.label);
  return {
    name: spec.name,
    days: spec.days.map((d) => DAY_NUMBER[d]),
    start: spec.start,
    end: spec.end,
    timeZone: spec.timeZone,
    selector: spec.selector.tiers || labels ? { tiers: spec.selector.tiers, labels } : undefined,
    wakeAtStart: spec.wakeAtStart,
  };
}

/** `key=value` -> { key: value }; a bare key selects nodes whose label is empty. */
export function parseLabel(label: string | undefined): Record<string, string> | undefined {
  if (!label) return undefined;
  const at = label.indexOf('=');
  return at < 0 ? { [label]: '' } : { [label.slice(0, at)]: label.slice(at + 1) };
}

const formatters = new Map<string, Intl.DateTimeFormat>();
function formatterFor(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      weekday: 'short',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    });
    formatters.set(timeZone, f);
  }
  return f;
}

interface LocalDateTime {
  year: number;
  month: number;
  day: number;
  weekday: number;
  hour: number;
  minute: number;
  second: number;
}

export function localDateTime(epochMs: number, timeZone: string): LocalDateTime {
  const out: LocalDateTime = { year: 0, month: 0, day: 0, weekday: 0, hour: 0, minute: 0, second: 0 };
  for (const part of formatterFor(timeZone).formatToParts(new Date(epochMs))) {
    if (part.type === 'weekday') out.weekday = WEEKDAY_OF[part.value] ?? 0;
    else if (part.type === 'year') out.year = Number(part.value);
    else if (part.type === 'month') out.month = Number(part.value);
    else if (part.type === 'day') out.day = Number(part.value);
    else if (part.type === 'hour') out.hour = Number(part.value);
    else if (part.type === 'minute') out.minute = Number(part.value);
    else if (part.type === 'second') out.second = Number(part.value);
  }
  return out;
}

/** Offset of `timeZone` from UTC at `epochMs`, in ms (Paris in winter: +3,600,000). */
function offsetAt(epochMs: number, timeZone: string): number {
  const l = localDateTime(epochMs, timeZone);
  const asUtc = Date.UTC(l.year, l.month - 1, l.day, l.hour, l.minute, l.second);
  return asUtc - Math.floor(epochMs / 1000) * 1000;
}

/**
 * The instant a local wall-clock time happens in `timeZone`. In the spring-forward gap (02:30 that does not
 * exist) it answers the same distance past the jump (03:30 summer time); in the autumn overlap, the first of
 * the two.
 */
export function zonedTimeToEpoch(year: number, month: number, day: number, minuteOfDay: number, timeZone: string): number {
  const wall = Date.UTC(year, month - 1, day, 0, minuteOfDay);
  const first = wall - offsetAt(wall, timeZone);
  const second = wall - offsetAt(first, timeZone);
  const candidates = [first, second].filter((t) => {
    const l = localDateTime(t, timeZone);
    return Date.UTC(l.year, l.month - 1, l.day, l.hour, l.minute) === wall;
  });
  if (candidates.length > 0) return Math.min(...candidates);
  // The time does not exist that day (DST gap): shift it by the jump, as cron and most calendars do.
  return Math.max(first, second);
}

function minutesOf(hhmm: string): number {
  const [h, m] = hhmm.split(':').map(Number);
  return h * 60 + m;
}

/** Start and end of one occurrence of a window. */
export interface WindowOccurrence {
  start: number;
  end: number;
}

/**
 * The occurrences of `window` whose start lies in the week around `now` (from 8 days before to 8 days
 * after), in order. An over-midnight occurrence ends on the next local day.
 */
function occurrences(window: CalendarWindow, now: number): WindowOccurrence[] {
  const zone = window.timeZone ?? 'UTC';
  const today = localDateTime(now, zone);
  const start = minutesOf(window.start);
  const end = minutesOf(window.end);
  const out: WindowOccurrence[] = [];
  for (let offset = -8; offset <= 8; offset++) {
    const date = new Date(Date.UTC(today.year, today.month - 1, today.day + offset));
    const weekday = (((today.weekday + offset) % 7) + 7) % 7;
    if (!window.days.includes(weekday)) continue;
    const [y, m, d] = [date.getUTCFullYear(), date.getUTCMonth() + 1, date.getUTCDate()];
    const startsAt = zonedTimeToEpoch(y, m, d, start, zone);
    const endDate = end > start ? date : new Date(date.getTime() + DAY_MS);
    const endsAt = zonedTimeToEpoch(endDate.getUTCFullYear(), endDate.getUTCMonth() + 1, endDate.getUTCDate(), end, zone);
    out.push({ start: startsAt, end: endsAt });
  }
  return out;
}

/** The next time `window` opens strictly after `now`, or undefined if it never does (no days). */
export function nextWindowStart(window: CalendarWindow, now: number): number | undefined {
  return occurrences(window, now).find((o) => o.start > now)?.start;
}

/** The occurrence open at `now`, if any. */
export function openOccurrence(window: CalendarWindow, now: number): WindowOccurrence | undefined {
  return occurrences(window, now).find((o) => o.start <= now && now < o.end);
}

/** The earliest start of any window after `now`: when the scheduler should ask the policy next. */
export function nextStartOfAny(windows: readonly CalendarWindow[], now: number): number | undefined {
  let next: number | undefined;
  for (const w of windows) {
    const at = nextWindowStart(w, now);
    if (at !== undefined && (next === undefined || at < next)) next = at;
  }
  return next;
}
