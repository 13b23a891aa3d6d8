/**
 * Off duty through the engine, with an injected clock and the real schedule: a person asking for
 * a counsellor at night is told when counsellors are back and given 111 / 150 at once, in kk / ru
 * / en; the same request during duty hours is queued. No test here depends on the time it runs.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { createDutySchedule } from '../../src/core/duty.js';
import type { Lang } from '../../src/core/types.js';
import { EngineHarness } from '../helpers/engine-harness.js';

const harnesses: EngineHarness[] = [];
afterEach(async () => {
  for (const h of harnesses.splice(0)) await h.close().catch(() => {});
});

// Asia/Almaty is UTC+5 all year.
const weekdays = createDutySchedule({
  hours: { from: '09:00', to: '18:00' },
  days: { from: 1, to: 5 },
  timeZone: 'Asia/Almaty',
});
const FRIDAY_NIGHT = Date.parse('2026-11-27T17:00:00Z'); // Fri 22:00 in Almaty
const TUESDAY_NOON = Date.parse('2026-11-24T07:00:00Z'); // Tue 12:00 in Almaty

async function askForCounsellor(now: number, lang: Lang) {
  const h = await EngineHarness.open({ duty: weekdays, clock: () => now });
  harnesses.push(h);
  await h.command('u1', 'start');
  await h.choose('u1', lang);
  await h.choose('u1', 'yes');
  await h.choose('u1', 'me');
  h.adapter.sent.length = 0;
  await h.choose('u1', 'counsellor');
  return { h, texts: await h.delivered('u1') };
}

describe('counsellors off duty (injected clock)', () => {
  it.each(['en', 'ru', 'kk'] as const)(
    'should say when counsellors are back and give 111 and 150 at night, in %s',
    async (lang) => {
      const { h, texts } = await askForCounsellor(FRIDAY_NIGHT, lang);
      const expected = h.t(lang, 'handoff:off_duty.text', weekdays.describe(lang, FRIDAY_NIGHT));
      expect(texts).toContain(expected);
      const text = texts.find((t) => t === expected) as string;
      expect(text).toContain('111');
      expect(text).toContain('150');
      expect(weekdays.describe(lang, FRIDAY_NIGHT).dutyHours).toBe('09:00–18:00');
      if (lang === 'en') expect(text).toContain('Monday 09:00');
      // nothing queued until the person asks to leave a request
      const conv = await h.store.getConversation(h.cipher.pseudonym('webchat', 'u1'));
      expect(conv?.status).toBe('bot');
    },
  );

  it('should queue the same request during duty hours', async () => {
    const { h, texts } = await askForCounsellor(TUESDAY_NOON, 'en');
    expect(texts.some((t) => t.includes(h.t('en', 'handoff:off_duty.request')))).toBe(false);
    const conv = await h.store.getConversation(h.cipher.pseudonym('webchat', 'u1'));
    expect(conv?.status).toBe('queued');
  });
});

describe('a schedule on duty all day', () => {
  it('should be on duty in the last minute before midnight and at midnight (00:00-24:00)', () => {
    const always = createDutySchedule({
      hours: { from: '00:00', to: '24:00' },
      days: { from: 1, to: 7 },
      timeZone: 'Asia/Almaty',
    });
    for (const iso of ['2026-11-24T18:59:30Z', '2026-11-24T19:00:00Z', '2026-11-24T18:30:00Z'])
      expect(always.isOnDuty(Date.parse(iso)), iso).toBe(true); // 23:59:30, 00:00, 23:30 Almaty
  });
});
