import type { CalendarWindow, NodeSnapshot } from './policy.port';

/** Calendar windows in the operator's time zone. Pure: the time is a parameter. */

const WEEKDAYS: Record<string, number> = { Sun: 0, Mon: 1, Tue: 2, Wed: 3, Thu: 4, Fri: 5, Sat: 6 };
const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterFor(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', { timeZone, weekday: 'short', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' });
    formatters.set(timeZone, f);
  }
  return f;
}

/** Day of the week (0 = Sunday) and minute of the day at `epochMs` in `timeZone`. */
export function localTime(epochMs: number, timeZone = 'UTC'): { day: number; minute: number } {
  let day = 0;
  let hour = 0;
  let minute = 0;
  for (const part of formatterFor(timeZone).formatToParts(new Date(epochMs))) {
    if (part.type === 'weekday') day = WEEKDAYS[part.value] ?? 0;
    else if (part.type === 'hour') hour = Number(part.value);
    else if (part.type === 'minute') minute = Number(part.value);
  }
  return { day, minute: hour * 60 + minute };
}

function minutesOf(hhmm: string): number {
  const match = /^(\d{1,2}):(\d{2})$/.exec(hhmm);
  if (!match) throw new Error(`calendar time "${hhmm}" must look like HH:MM, e.g. 08:00`);
  return Number(match[1]) * 60 + Number(match[2]);
}

/** Whether the window is open at `epochMs`. A window over midnight belongs to the day it starts. */
export function isWindowOpen(window: CalendarWindow, epochMs: number): boolean {
  const { day, minute } = localTime(epochMs, window.timeZone);
  const start = minutesOf(window.start);
  const end = minutesOf(window.end);
  if (start <= end) return window.days.includes(day) && minute >= start && minute < end;
  const yesterday = (day + 6) % 7;
  return (window.days.includes(day) && minute >= start) || (window.days.includes(yesterday) && minute < end);
}

export function windowHolds(window: CalendarWindow, node: NodeSnapshot): boolean {
  const selector = window.selector;
  if (!selector) return true;
  if (selector.tiers && !selector.tiers.includes(node.tier)) return false;
  if (selector.labels) for (const [k, v] of Object.entries(selector.labels)) if (node.labels[k] !== v) return false;
  return true;
}

/** The open windows that hold `node` awake at `epochMs`. */
export function windowsHolding(
  windows: readonly CalendarWindow[] | undefined,
  node: NodeSnapshot,
  epochMs: number,
  open: ReadonlyMap<CalendarWindow, boolean> = new Map(),
): CalendarWindow[] {
  if (!windows) return [];
  return windows.filter((w) => (open.get(w) ?? isWindowOpen(w, epochMs)) && windowHolds(w, node));
}
