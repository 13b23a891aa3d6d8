/**
 * The person's side of the hand-off, through the engine on SQLite and PostgreSQL: place in the
 * queue and cancel, SOS while waiting and with a counsellor (flagged in the log), non-text and
 * sentences that mention help kept for the counsellor, the long-wait notice (once, across
 * instances), the web-chat "keep this page open" line, and duty (schedule or someone on duty).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { createDutySchedule } from '../../src/core/duty.js';
import { notifyLongWaits } from '../../src/core/long-wait.js';
import type { ConversationRecord } from '../../src/core/ports.js';
import { createLogger } from '../../src/logger.js';
import { openStore } from '../../src/store/index.js';
import { BACKENDS } from '../helpers/backends.js';
import { EngineHarness } from '../helpers/engine-harness.js';
import { messageLog } from '../helpers/message-log.js';

const harnesses: EngineHarness[] = [];
afterEach(async () => {
  for (const h of harnesses.splice(0)) await h.close().catch(() => {});
});

const logger = createLogger('silent');
const ALICE = 1;
const MINUTE = 60_000;

/** Duty hours of a real NGO: Monday to Friday, 09:00–18:00 in Almaty (UTC+5). */
const officeHours = createDutySchedule({
  hours: { from: '09:00', to: '18:00' },
  days: { from: 1, to: 5 },
  timeZone: 'Asia/Almaty',
});
/** Saturday 28 November 2026, 11:00 in Almaty: off duty (in the past: the dispatcher runs on real time). */
const SATURDAY = Date.UTC(2026, 10, 28, 6, 0);
/** Thursday 26 November 2026, 11:00 in Almaty: on duty. */
const THURSDAY = Date.UTC(2026, 10, 26, 6, 0);

async function toMenu(h: EngineHarness, user: string) {
  await h.command(user, 'start');
  await h.choose(user, 'en');
  await h.choose(user, 'yes');
  await h.choose(user, 'me');
}

async function conversationOf(h: EngineHarness, user: string): Promise<ConversationRecord> {
  const conv = await h.store.getConversation(h.cipher.pseudonym('webchat', user));
  if (!conv) throw new Error('no conversation');
  return conv;
}

async function queued(h: EngineHarness, user: string) {
  await toMenu(h, user);
  await h.choose(user, 'counsellor');
  await h.delivered(user);
  h.adapter.sent.length = 0;
  return conversationOf(h, user);
}

describe.each(BACKENDS)('the person’s side of the hand-off on $name', (backend) => {
  const open = async (options: Parameters<typeof EngineHarness.open>[0] = {}) => {
    const h = await EngineHarness.open({ ...(await backend.fresh()), ...options });
    harnesses.push(h);
    return h;
  };

  it('should tell the place in the queue, say the web chat must stay open, and let the person cancel', async () => {
    const h = await open();
    await queued(h, 'first');
    await toMenu(h, 'u1');
    await h.delivered('u1');
    h.adapter.sent.length = 0;
    await h.choose('u1', 'counsellor');
    expect(await h.delivered('u1')).toEqual([
      h.t('en', 'handoff:webchat_open'),
      h.t('en', 'handoff:queued.text', { queuePosition: 2 }),
    ]);
    const conv = await conversationOf(h, 'u1');
    expect(conv.status).toBe('queued');
    h.adapter.sent.length = 0;
    await h.choose('u1', 'cancel');
    expect(await h.delivered('u1')).toEqual([h.t('en', 'handoff:cancelled'), h.t('en', 'menu:main.text')]);
    expect(await h.store.queuePosition(conv.id)).toBeNull();
    expect((await h.store.getConversationById(conv.id))?.status).toBe('bot');
    // the first person moves up
    expect(await h.store.queuePosition((await conversationOf(h, 'first')).id)).toBe(1);
  });

  it('should answer SOS at once while waiting, keep the place, and flag it for the counsellor', async () => {
    const h = await open();
    const conv = await queued(h, 'u1');
    await h.text('u1', 'SOS');
    expect(await h.delivered('u1')).toEqual([
      h.t('en', 'common:sos.text'),
      h.t('en', 'handoff:queued.text', { queuePosition: 1 }),
    ]);
    expect(await h.store.queuePosition(conv.id)).toBe(1);
    const log = await messageLog(h, conv.id);
    expect(log.filter((m) => m.sos).map((m) => m.text)).toEqual(['SOS']);
  });

  it('should answer SOS (word or button) at once while a counsellor has the chat, and flag it', async () => {
    const h = await open();
    const conv = await queued(h, 'u1');
    await h.engine.counsellor(conv.id, ALICE, { type: 'take' });
    await h.text('u1', 'I am fine now');
    await h.delivered('u1');
    h.adapter.sent.length = 0;
    await h.choose('u1', 'sos');
    await h.text('u1', 'помогите');
    expect(await h.delivered('u1')).toEqual([h.t('en', 'common:sos.text'), h.t('en', 'common:sos.text')]);
    const fromPerson = (await messageLog(h, conv.id)).filter((m) => m.author === 'person').slice(-3);
    expect(fromPerson.map((m) => [m.text, m.sos])).toEqual([
      ['I am fine now', false],
      [expect.stringContaining('['), true],
      ['помогите', true],
    ]);
  });

  it('should keep a photo or voice message for the counsellor: "saved" while waiting, silent with a counsellor', async () => {
    const h = await open();
    const conv = await queued(h, 'u1');
    await h.engine.receive(h.message('u1', { kind: 'unsupported', what: 'photo' }));
    expect(await h.delivered('u1')).toEqual([h.t('en', 'handoff:queued.saved')]);
    await h.engine.counsellor(conv.id, ALICE, { type: 'take' });
    await h.delivered('u1');
    h.adapter.sent.length = 0;
    const r = await h.engine.receive(h.message('u1', { kind: 'unsupported', what: 'voice' }));
    expect(r.status).toBe('stored');
    expect(await h.delivered('u1')).toEqual([]);
    const fromPerson = (await messageLog(h, conv.id)).filter((m) => m.author === 'person');
    expect(fromPerson.slice(-2).map((m) => m.text)).toEqual(['[photo]', '[voice]']);
  });

  it('should save a sentence that mentions help for the counsellor, flag it, and answer with one compact line', async () => {
    const h = await open();
    const conv = await queued(h, 'u1');
    const sentence = 'can you help me with the divorce papers please';
    await h.text('u1', sentence);
    expect(await h.delivered('u1')).toEqual([
      h.t('en', 'common:sos.compact'),
      h.t('en', 'handoff:queued.saved'),
    ]);
    await h.engine.counsellor(conv.id, ALICE, { type: 'take' });
    await h.delivered('u1');
    h.adapter.sent.length = 0;
    const ru = 'мне нужна помощь с документами для развода';
    await h.text('u1', ru);
    expect(await h.delivered('u1')).toEqual([
      h.t('en', 'common:sos.compact'),
      h.t('en', 'handoff:queued.saved'),
    ]);
    const flagged = (await messageLog(h, conv.id)).filter((m) => m.sos).map((m) => m.text);
    expect(flagged).toEqual([sentence, ru]);
  });

  it('should tell a person who waited too long once, kindly, with 111 and 150 — and nobody else', async () => {
    let now = THURSDAY;
    const h = await open({ clock: () => now });
    const conv = await queued(h, 'u1');
    const taken = await queued(h, 'u2');
    await h.engine.counsellor(taken.id, ALICE, { type: 'take' });
    await h.delivered('u2');
    h.adapter.sent.length = 0;
    const check = () =>
      notifyLongWaits({ store: h.store, engine: h.engine, maxWaitMinutes: 20, logger, clock: () => now });

    now += 19 * MINUTE;
    expect(await check()).toBe(0);
    now += 2 * MINUTE;
    expect(await check()).toBe(1);
    expect(await check()).toBe(0);
    const texts = await h.delivered('u1');
    expect(texts).toEqual([h.t('en', 'handoff:long_wait')]);
    expect(texts[0]).toContain(h.t('en', 'facts:n111'));
    expect(texts[0]).toContain(h.t('en', 'facts:n150'));
    expect(await h.delivered('u2')).toEqual([]);
    // still in the queue, at the same place
    expect(await h.store.queuePosition(conv.id)).toBe(1);
  });

  it('should send the long-wait notice once when two instances check at the same moment', async () => {
    let now = THURSDAY;
    const h = await open({ clock: () => now });
    await queued(h, 'u1');
    await queued(h, 'u2');
    // SQLite is one file for one process: two checks of one instance race there
    const other = backend.name === 'postgres' ? await h.reopen({ clock: () => now }) : h;
    if (other !== h) harnesses.push(other);
    now += 30 * MINUTE;
    const told = await Promise.all(
      [h, other, h, other].map((x) =>
        notifyLongWaits({ store: x.store, engine: x.engine, maxWaitMinutes: 20, logger, clock: () => now }),
      ),
    );
    expect(told.reduce((a, b) => a + b, 0)).toBe(2);
    expect(await h.delivered('u1')).toEqual([h.t('en', 'handoff:long_wait')]);
    expect(await h.delivered('u2')).toEqual([h.t('en', 'handoff:long_wait')]);
  });

  it('should not tell a person who left a request off duty that nobody took it, until counsellors were on for the whole wait', async () => {
    let now = SATURDAY;
    const h = await open({ duty: officeHours, clock: () => now });
    await toMenu(h, 'u1');
    await h.choose('u1', 'counsellor');
    await h.choose('u1', 'request');
    await h.delivered('u1');
    h.adapter.sent.length = 0;
    const check = () =>
      notifyLongWaits({ store: h.store, engine: h.engine, maxWaitMinutes: 20, logger, clock: () => now });
    now += 3 * 60 * MINUTE; // Saturday afternoon: still off duty
    expect(await check()).toBe(0);
    now = Date.UTC(2026, 10, 30, 4, 5); // Monday 09:05 in Almaty: on duty, but only for 5 minutes
    expect(await check()).toBe(0);
    now = Date.UTC(2026, 10, 30, 4, 25); // 09:25: counsellors were on for the whole 20 minutes
    expect(await check()).toBe(1);
    expect(await h.delivered('u1')).toEqual([h.t('en', 'handoff:long_wait')]);
  });

  it('should, off duty (injected clock), say when counsellors are back and give 111 / 150 now', async () => {
    const h = await open({ duty: officeHours, clock: () => SATURDAY });
    await toMenu(h, 'u1');
    await h.delivered('u1');
    h.adapter.sent.length = 0;
    await h.choose('u1', 'counsellor');
    const [text] = await h.delivered('u1');
    expect(text).toBe(h.t('en', 'handoff:off_duty.text', officeHours.describe('en', SATURDAY)));
    expect(officeHours.describe('en', SATURDAY).nextDuty).toMatch(/Monday.*09:00/);
    expect(text).toContain(h.t('en', 'facts:n111'));
    expect(text).toContain(h.t('en', 'facts:n150'));
    expect((await conversationOf(h, 'u1')).status).toBe('bot');
    // leaving a request anyway joins the queue
    await h.choose('u1', 'request');
    expect((await conversationOf(h, 'u1')).status).toBe('queued');
  });

  it('should queue off the duty hours while a counsellor is marked on duty, and not once they go off', async () => {
    const h = await open({ duty: officeHours, clock: () => SATURDAY });
    const { store, notifier, consoleStore } = await openStore(
      { DATABASE_PATH: h.dbPath, DATABASE_URL: h.options.databaseUrl },
      h.cipher,
      () => {},
    );
    try {
      const user = await consoleStore.createUser({
        username: 'night',
        displayName: 'Night shift',
        role: 'counsellor',
        passwordHash: 'not-used-here',
        now: SATURDAY,
      });
      await consoleStore.setOnDuty(user.id, true);
      await toMenu(h, 'u1');
      await h.choose('u1', 'counsellor');
      expect((await conversationOf(h, 'u1')).status).toBe('queued');
      await consoleStore.setOnDuty(user.id, false);
      await toMenu(h, 'u2');
      await h.delivered('u2');
      h.adapter.sent.length = 0;
      await h.choose('u2', 'counsellor');
      expect((await conversationOf(h, 'u2')).status).toBe('bot');
      expect((await h.delivered('u2'))[0]).toBe(
        h.t('en', 'handoff:off_duty.text', officeHours.describe('en', SATURDAY)),
      );
      // a disabled account on duty does not count
      await consoleStore.setOnDuty(user.id, true);
      await consoleStore.setUserDisabled(user.id, true);
      await toMenu(h, 'u3');
      await h.choose('u3', 'counsellor');
      expect((await conversationOf(h, 'u3')).status).toBe('bot');
    } finally {
      await notifier.close();
      await store.close();
    }
  });

  it('should queue at once on duty (injected clock)', async () => {
    const h = await open({ duty: officeHours, clock: () => THURSDAY });
    await toMenu(h, 'u1');
    await h.choose('u1', 'counsellor');
    expect((await conversationOf(h, 'u1')).status).toBe('queued');
  });
});
