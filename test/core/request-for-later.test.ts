/**
 * A request left for later (counsellors off duty): the person is told a message will arrive, and
 * how to keep it off the lock screen, in the words of their messenger; the same text's
 * per-channel variant is what the renderer picks (`<key>_<channel>`, else `<key>`).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { createDutySchedule } from '../../src/core/duty.js';
import { createRenderer } from '../../src/core/renderer.js';
import { CHANNELS, LANGS } from '../../src/core/types.js';
import { EngineHarness, translator } from '../helpers/engine-harness.js';

/** ISO weekday (1 = Monday) in Almaty, `offset` days from now. */
function almatyWeekday(offset = 0): number {
  const day = new Intl.DateTimeFormat('en-US', { timeZone: 'Asia/Almaty', weekday: 'short' }).format(
    Date.now() + offset * 86_400_000,
  );
  return ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'].indexOf(day) + 1;
}

const harnesses: EngineHarness[] = [];
afterEach(async () => {
  for (const h of harnesses.splice(0)) await h.close();
});

describe('a request left for later', () => {
  it('should say a message will arrive, then show the queue', async () => {
    const day = almatyWeekday(3); // counsellors on duty only on a day that is not today
    const h = await EngineHarness.open({
      duty: createDutySchedule({
        hours: { from: '09:00', to: '18:00' },
        days: { from: day, to: day },
        timeZone: 'Asia/Almaty',
      }),
    });
    harnesses.push(h);
    await h.command('u1', 'start');
    await h.choose('u1', 'en');
    await h.choose('u1', 'yes');
    await h.choose('u1', 'me');
    await h.choose('u1', 'counsellor');
    await h.delivered('u1');
    h.adapter.sent.length = 0;
    await h.choose('u1', 'request');
    const texts = await h.delivered('u1');
    expect(texts).toEqual([
      h.t('en', 'safety:later_webchat'),
      h.t('en', 'handoff:queued.text', { queuePosition: 1 }),
    ]);
  });

  it('should render the variant of a text for the channel, and the plain text where there is none', () => {
    const render = createRenderer({
      translator: translator(),
      duty: createDutySchedule({
        hours: { from: '00:00', to: '23:59' },
        days: { from: 1, to: 7 },
        timeZone: 'Asia/Almaty',
      }),
    });
    for (const lang of LANGS) {
      for (const channel of CHANNELS) {
        const ctx = {
          lang,
          flow: 'handoff' as const,
          channel,
          conversationId: 1,
          flowContext: {},
          now: Date.now(),
        };
        const later = render(ctx, { key: 'safety:later' });
        expect(later.type === 'message' && later.text).toBe(translator().t(lang, `safety:later_${channel}`));
        const done = render(ctx, { key: 'erase:done' });
        expect(done.type === 'message' && done.text).toBe(translator().t(lang, `erase:done_${channel}`));
        const plain = render(ctx, { key: 'handoff:joined' });
        expect(plain.type === 'message' && plain.text).toBe(translator().t(lang, 'handoff:joined'));
      }
      // Telegram and WhatsApp say where their own setting is
      expect(translator().t(lang, 'safety:later_telegram')).toContain('Telegram');
      expect(translator().t(lang, 'safety:later_whatsapp')).toContain('WhatsApp');
    }
  });
});
