import { describe, expect, it } from 'vitest';
import { createDutySchedule } from '../../src/core/duty.js';

// Asia/Almaty is UTC+5 all year.
const at = (iso: string) => Date.parse(iso);
const schedule = createDutySchedule({
  hours: { from: '09:00', to: '18:00' },
  days: { from: 1, to: 5 },
  timeZone: 'Asia/Almaty',
});

describe('duty schedule', () => {
  it('should be on duty on a weekday inside the hours, in the NGO time zone', () => {
    expect(schedule.isOnDuty(at('2026-11-24T04:00:00Z'))).toBe(true); // Tue 09:00 Almaty
    expect(schedule.isOnDuty(at('2026-11-24T03:59:00Z'))).toBe(false); // Tue 08:59
    expect(schedule.isOnDuty(at('2026-11-24T13:00:00Z'))).toBe(false); // Tue 18:00
    expect(schedule.isOnDuty(at('2026-11-28T06:00:00Z'))).toBe(false); // Sat 11:00
  });

  it('should say when counsellors are back, in the person’s language', () => {
    const friday = at('2026-11-27T14:00:00Z'); // Fri 19:00 Almaty
    expect(schedule.describe('en', friday)).toEqual({ dutyHours: '09:00–18:00', nextDuty: 'Monday 09:00' });
    expect(schedule.describe('ru', friday).nextDuty).toMatch(/понедельник.*09:00/);
    expect(schedule.describe('kk', friday).nextDuty).toMatch(/дүйсенбі.*09:00/);
  });

  it('should handle night shifts that cross midnight', () => {
    const night = createDutySchedule({
      hours: { from: '20:00', to: '08:00' },
      days: { from: 1, to: 7 },
      timeZone: 'Asia/Almaty',
    });
    expect(night.isOnDuty(at('2026-11-24T20:00:00Z'))).toBe(true); // 01:00
    expect(night.isOnDuty(at('2026-11-24T08:00:00Z'))).toBe(false); // 13:00
    // the boundaries: on from 20:00 sharp, off from 08:00 sharp
    expect(night.isOnDuty(at('2026-11-24T14:59:00Z'))).toBe(false); // 19:59
    expect(night.isOnDuty(at('2026-11-24T15:00:00Z'))).toBe(true); // 20:00
    expect(night.isOnDuty(at('2026-11-25T02:59:00Z'))).toBe(true); // 07:59
    expect(night.isOnDuty(at('2026-11-25T03:00:00Z'))).toBe(false); // 08:00
  });

  it('should include the last day of the range and handle days that wrap past Sunday', () => {
    expect(schedule.isOnDuty(at('2026-11-27T12:59:00Z'))).toBe(true); // Fri 17:59: the last day
    expect(schedule.isOnDuty(at('2026-11-23T04:00:00Z'))).toBe(true); // Mon 09:00: the first day
    expect(schedule.isOnDuty(at('2026-11-29T06:00:00Z'))).toBe(false); // Sun 11:00
    const weekend = createDutySchedule({
      hours: { from: '10:00', to: '16:00' },
      days: { from: 6, to: 2 }, // Sat to Tue
      timeZone: 'Asia/Almaty',
    });
    for (const [iso, on] of [
      ['2026-11-28T06:00:00Z', true], // Sat
      ['2026-11-29T06:00:00Z', true], // Sun
      ['2026-11-23T06:00:00Z', true], // Mon
      ['2026-11-24T06:00:00Z', true], // Tue
      ['2026-11-25T06:00:00Z', false], // Wed
      ['2026-11-27T06:00:00Z', false], // Fri
    ] as const)
      expect(weekend.isOnDuty(at(iso)), iso).toBe(on);
  });

  it('should see the minute change from one call to the next (09:00 is on, though 08:59 was asked just before)', () => {
    const fresh = createDutySchedule({
      hours: { from: '09:00', to: '18:00' },
      days: { from: 1, to: 7 },
      timeZone: 'Asia/Almaty',
    });
    expect(fresh.isOnDuty(at('2026-11-24T03:59:30Z'))).toBe(false); // Tue 08:59:30
    expect(fresh.isOnDuty(at('2026-11-24T04:00:00Z'))).toBe(true); // Tue 09:00:00
    expect(fresh.isOnDuty(at('2026-11-24T12:59:59Z'))).toBe(true); // 17:59:59
    expect(fresh.isOnDuty(at('2026-11-24T13:00:00Z'))).toBe(false); // 18:00
  });

  it('should name the exact time duty starts when it is not on the hour', () => {
    const halfPast = createDutySchedule({
      hours: { from: '09:30', to: '18:00' },
      days: { from: 1, to: 5 },
      timeZone: 'Asia/Almaty',
    });
    expect(halfPast.describe('en', at('2026-11-27T14:00:00Z')).nextDuty).toBe('Monday 09:30'); // Fri 19:00
    expect(halfPast.describe('en', at('2026-11-24T04:05:00Z')).nextDuty).toBe('Tuesday 09:30'); // Tue 09:05
  });
});
