import { isWindowOpen } from '@somnus/policy';
import type { Calendar, CalendarSpec } from '@somnus/contracts';
import { localDateTime, nextStartOfAny, nextWindowStart, openOccurrence, parseLabel, toPolicyWindow, zonedTimeToEpoch } from './calendar-window';

function calendar(spec: Partial<CalendarSpec>): Calendar {
  return {
    id: '00000000-0000-4000-8000-000000000001',
    version: 1,
    createdAt: '2025-01-01T00:00:00Z',
    updatedAt: '2025-01-01T00:00:00Z',
    spec: {
      name: 'office-hours',
      timeZone: 'Europe/Paris',
      days: ['mon', 'tue', 'wed', 'thu', 'fri'],
      start: '08:00',
      end: '18:00',
      wakeAtStart: true,
      selector: {},
      enabled: true,
      ...spec,
    },
  };
}

describe('zonedTimeToEpoch', () => {
  it('places a Paris wall-clock time in winter (UTC+1) and summer (UTC+2)', () => {
    expect(new Date(zonedTimeToEpoch(2025, 1, 13, 8 * 60, 'Europe/Paris')).toISOString()).toBe('2025-01-13T07:00:00.000Z');
    expect(new Date(zonedTimeToEpoch(2025, 7, 14, 8 * 60, 'Europe/Paris')).toISOString()).toBe('2025-07-14T06:00:00.000Z');
  });

  it('places a time west of UTC and one east across the date line', () => {
    expect(new Date(zonedTimeToEpoch(2025, 1, 13, 23 * 60, 'America/New_York')).toISOString()).toBe('2025-01-14T04:00:00.000Z');
    expect(new Date(zonedTimeToEpoch(2025, 1, 13, 6 * 60, 'Pacific/Auckland')).toISOString()).toBe('2025-01-12T17:00:00.000Z');
  });

  it('shifts a start that falls in the spring-forward gap by the jump', () => {
    // 2025-03-30 02:30 does not exist in Paris (02:00 -> 03:00 at 01:00 UTC): it opens at 03:30 summer time.
    expect(new Date(zonedTimeToEpoch(2025, 3, 30, 2 * 60 + 30, 'Europe/Paris')).toISOString()).toBe('2025-03-30T01:30:00.000Z');
  });

  it('round-trips through localDateTime for every hour of a DST-change day', () => {
    for (let minute = 0; minute < 24 * 60; minute += 60) {
      if (minute === 2 * 60) continue; // the gap
      const at = zonedTimeToEpoch(2025, 3, 30, minute, 'Europe/Paris');
      const local = localDateTime(at, 'Europe/Paris');
      expect(local.hour * 60 + local.minute).toBe(minute);
    }
  });
});

describe('calendar windows', () => {
  const office = toPolicyWindow(calendar({}))!;

  it('converts a calendar to the policy window: Sunday is 0, selector label split', () => {
    const window = toPolicyWindow(calendar({ days: ['sun', 'sat'], selector: { tiers: ['dev'], label: 'team=ml' } }))!;
    expect(window.days).toEqual([0, 6]);
    expect(window.selector).toEqual({ tiers: ['dev'], labels: { team: 'ml' } });
    expect(window.wakeAtStart).toBe(true);
    expect(parseLabel('gpu')).toEqual({ gpu: '' });
  });

  it('ignores disabled calendars (they hold nothing awake)', () => {
    expect(toPolicyWindow(calendar({ enabled: false }))).toBeUndefined();
  });

  it('finds the next start on the next weekday in the window time zone', () => {
    // Friday 2025-01-17 19:00 Paris -> next start Monday 2025-01-20 08:00 Paris = 07:00 UTC.
    const fridayEvening = Date.parse('2025-01-17T18:00:00Z');
    expect(new Date(nextWindowStart(office, fridayEvening)!).toISOString()).toBe('2025-01-20T07:00:00.000Z');
    // Monday 07:59:59 Paris: one second before the start.
    const justBefore = Date.parse('2025-01-20T06:59:59Z');
    expect(nextWindowStart(office, justBefore)! - justBefore).toBe(1000);
    expect(openOccurrence(office, justBefore)).toBeUndefined();
    expect(openOccurrence(office, justBefore + 1000)).toEqual({ start: justBefore + 1000, end: Date.parse('2025-01-20T17:00:00Z') });
  });

  it('handles a window over midnight: it belongs to the day it starts and ends the next morning', () => {
    const night = toPolicyWindow(calendar({ name: 'night', days: ['fri'], start: '22:00', end: '06:00', timeZone: 'UTC' }))!;
    const saturday3am = Date.parse('2025-01-18T03:00:00Z');
    expect(openOccurrence(night, saturday3am)).toEqual({ start: Date.parse('2025-01-17T22:00:00Z'), end: Date.parse('2025-01-18T06:00:00Z') });
    expect(isWindowOpen(night, saturday3am)).toBe(true);
    // Saturday 22:00 is not a Friday: closed; the next start is next Friday.
    const saturday23 = Date.parse('2025-01-18T23:00:00Z');
    expect(openOccurrence(night, saturday23)).toBeUndefined();
    expect(new Date(nextWindowStart(night, saturday23)!).toISOString()).toBe('2025-01-24T22:00:00.000Z');
  });

  it('agrees with the policy on whether a window is open, hour by hour over a week with a DST change', () => {
    const from = Date.parse('2025-03-27T00:00:00Z');
    for (let t = from; t < from + 7 * 86_400_000; t += 30 * 60_000) {
      expect(openOccurrence(office, t) !== undefined).toBe(isWindowOpen(office, t));
    }
  });

  it('picks the earliest start among several windows', () => {
    const early = toPolicyWindow(calendar({ name: 'early', start: '06:00', end: '07:00', timeZone: 'UTC', days: ['mon'] }))!;
    const sundayNoon = Date.parse('2025-01-19T12:00:00Z');
    expect(new Date(nextStartOfAny([office, early], sundayNoon)!).toISOString()).toBe('2025-01-20T06:00:00.000Z');
    expect(nextStartOfAny([], sundayNoon)).toBeUndefined();
  });
});
