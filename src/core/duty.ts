/** Counsellors' duty hours in the NGO's time zone: "are they on now?" and "when are they back?". */
import type { Lang } from './types.js';

export interface DutyConfig {
  /** HH:MM; `to` may be 24:00, so 00:00-24:00 is on duty all day (no minute off at midnight). */
  hours: { from: string; to: string };
  /** ISO weekdays, 1 = Monday … 7 = Sunday, inclusive; may wrap (6-2 = Sat to Tue). */
  days: { from: number; to: number };
  timeZone: string;
}

export interface DutySchedule {
  isOnDuty(now: number): boolean;
  describe(lang: Lang, now: number): { dutyHours: string; nextDuty: string };
}

const toMinutes = (hhmm: string) => Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3, 5));
const WEEKDAYS = ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'];

export function createDutySchedule(config: DutyConfig): DutySchedule {
  const from = toMinutes(config.hours.from);
  const to = toMinutes(config.hours.to);
  const parts = new Intl.DateTimeFormat('en-GB', {
    timeZone: config.timeZone,
    weekday: 'short',
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
  });
  const localOf = (t: number) => {
    const p = Object.fromEntries(parts.formatToParts(t).map((x) => [x.type, x.value]));
    return {
      day: WEEKDAYS.indexOf(p.weekday as string) + 1,
      minutes: Number(p.hour) * 60 + Number(p.minute),
    };
  };
  // Every message asks "on duty now?": formatting the time costs more than the rest of the check,
  // and the answer only changes with the minute (time zones are whole minutes off UTC).
  let cachedMinute = Number.NaN;
  let cached = { day: 0, minutes: 0 };
  const local = (t: number) => {
    const minute = Math.floor(t / 60_000);
    if (minute !== cachedMinute) {
      cached = localOf(t);
      cachedMinute = minute;
    }
    return cached;
  };
  const dayOn = (day: number) =>
    config.days.from <= config.days.to
      ? day >= config.days.from && day <= config.days.to
      : day >= config.days.from || day <= config.days.to;
  const inHours = (m: number) => (from <= to ? m >= from && m < to : m >= from || m < to);

  const isOnDuty = (now: number) => {
    const { day, minutes } = local(now);
    return dayOn(day) && inHours(minutes);
  };

  return {
    isOnDuty,
    describe(lang, now) {
      const dutyHours = `${config.hours.from}–${config.hours.to}`;
      // walk forward in 15-minute steps (at most 8 days) to the next start of duty
      let t = now - (now % (15 * 60_000)) + 15 * 60_000;
      const limit = now + 8 * 24 * 3_600_000;
      while (t < limit && !isOnDuty(t)) t += 15 * 60_000;
      const nextDuty = new Intl.DateTimeFormat(lang, {
        timeZone: config.timeZone,
        weekday: 'long',
        hour: '2-digit',
        minute: '2-digit',
        hourCycle: 'h23',
      }).format(t);
      return { dutyHours, nextDuty };
    },
  };
}
