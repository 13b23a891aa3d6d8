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
  });
});
