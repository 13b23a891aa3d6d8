import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createMachine } from 'xstate';
import { flows } from '../../flows/index.js';
import { MAX_INBOUND_CHARS } from '../../src/core/engine.js';
import { DeliveryError } from '../../src/core/errors.js';
import { BACKENDS, type Backend } from '../helpers/backends.js';
import { EngineHarness, type EngineHarnessOptions } from '../helpers/engine-harness.js';
import { messageLog } from '../helpers/message-log.js';
import { storedBytes } from '../helpers/stored-text.js';

const harnesses: EngineHarness[] = [];
let backend: Backend;
/** A harness on the current backend (a fresh database), or the one given (e.g. a reopened one). */
const open = async (h?: Promise<EngineHarness>, options: EngineHarnessOptions = {}) => {
  const harness = await (h ?? EngineHarness.open({ ...(await backend.fresh()), ...options }));
  harnesses.push(harness);
  return harness;
};
afterEach(async () => {
  for (const h of harnesses.splice(0)) await h.close().catch(() => {});
});

/** Takes a new person through intake in English to the menu. */
async function toMenu(h: EngineHarness, user: string) {
  await h.command(user, 'start');
  await h.choose(user, 'en');
  await h.choose(user, 'yes');
  await h.choose(user, 'me');
}

/** From the menu, into the screening up to the first scored question (a1). */
async function toFirstQuestion(h: EngineHarness, user: string) {
  await h.choose(user, 'screening');
  await h.choose(user, 'start');
  await h.choose(user, 'no'); // g1
  await h.choose(user, 'no'); // g2
  await h.choose(user, 'partner'); // who hurts you?
}

describe.each(BACKENDS)('engine on $name', (b) => {
  beforeEach(() => {
    backend = b;
  });

  it('should walk a newcomer through intake to the menu, in the chosen language', async () => {
    const h = await open();
    await toMenu(h, 'u1');
    const texts = await h.delivered('u1');
    // the first question comes in the default language (Russian) until one is chosen
    expect(texts[0]).toBe(h.t('ru', 'intake:language.text'));
    expect(texts).toContain(h.t('en', 'intake:safety.text'));
    expect(texts).toContain(h.t('en', 'intake:privacy.text', { retentionDays: 30 }));
    expect(texts.at(-1)).toBe(h.t('en', 'menu:main.text'));
    const last = h.lastSent('u1');
    expect(last?.type === 'message' && last.globalChoices.map((c) => c.id)).toEqual(['sos']);
  });

  it('should drop a duplicate of an inbound message (same external id)', async () => {
    const h = await open();
    const msg = h.message('u1', { kind: 'command', command: 'start' });
    expect((await h.engine.receive(msg)).status).toBe('handled');
    expect((await h.engine.receive({ ...msg })).status).toBe('duplicate');
    expect(await h.delivered('u1')).toEqual([h.t('ru', 'intake:language.text')]);
  });

  it('should handle one person in order while another person is handled in parallel', async () => {
    const h = await open();
    await toMenu(h, 'a');
    await toMenu(h, 'b');
    await h.delivered('a');
    h.adapter.sent.length = 0;
    const burst = ['sos', 'gibberish one', 'sos', 'gibberish two'];
    await Promise.all([...burst.map((t) => h.text('a', t)), ...burst.map((t) => h.text('b', t))]);
    const sos = h.t('en', 'common:sos.text');
    const unknown = h.t('en', 'common:unknown');
    const menu = h.t('en', 'menu:main.text');
    const expected = [sos, menu, unknown, menu, sos, menu, unknown, menu];
    expect(await h.delivered('a')).toEqual(expected);
    expect(h.adapter.textsTo('b')).toEqual(expected);
  });

  it('should deliver replies committed before a crash exactly once after restart', async () => {
    const h = await open();
    await toMenu(h, 'u1'); // committed, dispatcher never started: the process "dies" here
    expect(h.adapter.sent).toHaveLength(0);
    await h.close();
    const again = await open(h.reopen());
    const texts = await again.delivered('u1');
    expect(texts.filter((t) => t === again.t('en', 'menu:main.text'))).toHaveLength(1);
    expect(texts[0]).toBe(again.t('ru', 'intake:language.text'));
    // a second restart sends nothing more
    await again.close();
    const third = await open(h.reopen());
    expect(await third.delivered('u1')).toEqual([]);
  });

  it('should resend an item that was being sent when the process died', async () => {
    const h = await open();
    await h.command('u1', 'start');
    const claimed = await h.store.claimOutbox(Date.now(), 10, ['webchat']);
    expect(claimed.items).toHaveLength(1); // claimed, then the process dies before markOutboxSent
    await h.close();
    // SQLite: the restarted process owns every claim; PostgreSQL: the claim's lease runs out
    // (a lease long enough that the new process never takes back its own claim mid-send under load)
    await new Promise((r) => setTimeout(r, 1_100));
    const again = await open(h.reopen({ claimLeaseMs: 1_000 }));
    expect(await again.delivered('u1')).toEqual([again.t('ru', 'intake:language.text')]);
  });

  it('should resume mid-screening after a restart at the same question', async () => {
    const h = await open();
    await toMenu(h, 'u1');
    await toFirstQuestion(h, 'u1');
    await h.choose('u1', 'no'); // a1
    await h.choose('u1', 'no'); // a2
    await h.delivered('u1');
    expect(h.adapter.textsTo('u1').at(-1)).toBe(h.t('en', 'screening:questions.a3'));
    await h.close();
    const again = await open(h.reopen());
    await again.choose('u1', 'yes'); // a3
    expect(await again.delivered('u1')).toEqual([again.t('en', 'screening:questions.a4')]);
  });

  it('should answer SOS first and then repeat the current question, from any screening question', async () => {
    const h = await open();
    await toMenu(h, 'u1');
    await toFirstQuestion(h, 'u1');
    const sos = h.t('en', 'common:sos.text');
    for (const item of ['a1', 'a2', 'a3', 'a4', 'b5', 'b6', 'b7', 'b8', 'b9', 'b10', 'b11', 'c12', 'd13']) {
      await h.delivered('u1');
      h.adapter.sent.length = 0;
      await h.text('u1', 'SOS');
      expect(await h.delivered('u1')).toEqual([sos, h.t('en', `screening:questions.${item}`)]);
      h.adapter.sent.length = 0;
      await h.choose('u1', 'sos');
      expect(await h.delivered('u1')).toEqual([sos, h.t('en', `screening:questions.${item}`)]);
      await h.choose('u1', 'no');
    }
  });

  it('should treat an SOS word in Kazakh or Russian as SOS even in an English conversation', async () => {
    const h = await open();
    await toMenu(h, 'u1');
    await h.delivered('u1');
    for (const word of ['көмек', 'помогите', 'СОС']) {
      h.adapter.sent.length = 0;
      await h.text('u1', word);
      expect((await h.delivered('u1'))[0]).toBe(h.t('en', 'common:sos.text'));
    }
  });

  it('should map a typed number, a label in another language, or a synonym to the choice', async () => {
    const h = await open();
    await toMenu(h, 'u1');
    await toFirstQuestion(h, 'u1');
    await h.text('u1', 'Нет'); // a1, Russian label
    await h.text('u1', 'жоқ'); // a2, Kazakh
    await h.text('u1', '2'); // a3, number of "No"
    await h.delivered('u1');
    expect(h.adapter.textsTo('u1').at(-1)).toBe(h.t('en', 'screening:questions.a4'));
  });

  it('should answer a stale or forged button with a note and the current question', async () => {
    const h = await open();
    await toMenu(h, 'u1');
    await h.delivered('u1');
    h.adapter.sent.length = 0;
    await h.choose('u1', 'kk'); // language button from an old keyboard
    await h.choose('u1', 'zz_forged');
    const menu = h.t('en', 'menu:main.text');
    expect(await h.delivered('u1')).toEqual([
      h.t('en', 'common:stale_button'),
      menu,
      h.t('en', 'common:stale_button'),
      menu,
    ]);
  });

  it('should restart safely at the menu when a flow changed version under a stored conversation', async () => {
    const h = await open();
    await toMenu(h, 'u1');
    await toFirstQuestion(h, 'u1');
    await h.delivered('u1');
    await h.close();
    const bumped = { ...flows, screening: { ...flows.screening, version: flows.screening.version + 1 } };
    const again = await open(h.reopen({ flows: bumped }));
    await again.choose('u1', 'no');
    expect(await again.delivered('u1')).toEqual([
      again.t('en', 'common:restarted'),
      again.t('en', 'menu:main.text'),
    ]);
  });

  it('should restart safely when a stored snapshot names a state that no longer exists', async () => {
    const h = await open();
    await toMenu(h, 'u1');
    await h.delivered('u1');
    h.adapter.sent.length = 0;
    const contactId = h.cipher.pseudonym('webchat', 'u1');
    const conv = await h.store.getConversation(contactId);
    if (!conv) throw new Error('no conversation');
    await h.store.saveConversation(
      { ...conv, snapshot: { ...(conv.snapshot as object), value: 'vanished' } },
      Date.now(),
    );
    await h.choose('u1', 'legal');
    // the press is not applied to the menu it was not meant for
    expect(await h.delivered('u1')).toEqual([h.t('en', 'common:restarted'), h.t('en', 'menu:main.text')]);
  });

  it('should reply kindly to unreadable input and keep the question', async () => {
    const h = await open();
    await toMenu(h, 'u1');
    await h.delivered('u1');
    h.adapter.sent.length = 0;
    await h.engine.receive(h.message('u1', { kind: 'unsupported', what: 'sticker' }));
    expect(await h.delivered('u1')).toEqual([h.t('en', 'common:unsupported'), h.t('en', 'menu:main.text')]);
  });

  it('should keep only the beginning of a 10 000-character text and say so', async () => {
    const h = await open();
    await toMenu(h, 'u1');
    await h.delivered('u1');
    h.adapter.sent.length = 0;
    await h.text('u1', 'a'.repeat(10_000));
    const texts = await h.delivered('u1');
    expect(texts[0]).toBe(h.t('en', 'common:too_long'));
    expect(texts.at(-1)).toBe(h.t('en', 'menu:main.text'));
    // the message log keeps the first MAX_INBOUND_CHARS characters only
    const conv = await h.store.getConversation(h.cipher.pseudonym('webchat', 'u1'));
    const logged = (await messageLog(h, conv?.id ?? -1)).filter((m) => m.direction === 'in').at(-1);
    expect(logged?.text).toBe('a'.repeat(MAX_INBOUND_CHARS));
  });

  it('should queue a counsellor request with its risk level and tell the place in the queue', async () => {
    const h = await open();
    await toMenu(h, 'first');
    await h.choose('first', 'counsellor');
    await toMenu(h, 'u1');
    await toFirstQuestion(h, 'u1');
    await h.choose('u1', 'no');
    await h.choose('u1', 'yes'); // a2: threatened to kill -> high
    for (let i = 0; i < 11; i++) await h.choose('u1', 'no'); // a3 … d13
    await h.choose('u1', 'no'); // something else worries?
    await h.choose('u1', 'counsellor');
    const texts = await h.delivered('u1');
    // high risk goes ahead of the standard request that came first
    expect(texts).toContain(h.t('en', 'handoff:queued.text', { queuePosition: 1 }));
    const conv = await h.store.getConversation(h.cipher.pseudonym('webchat', 'u1'));
    expect(conv?.riskLevel).toBe('high');
    expect(conv?.status).toBe('queued');
    expect(await h.store.queuePosition(conv?.id ?? -1)).toBe(1);
  });

  it('should erase every row about a person once they confirm, and say so', async () => {
    const h = await open();
    await toMenu(h, 'u1');
    await toMenu(h, 'u2');
    await h.delivered('u1');
    await h.command('u1', 'erase');
    expect((await h.delivered('u1')).at(-1)).toBe(h.t('en', 'erase:confirm'));
    await h.choose('u1', 'erase_yes');
    const texts = await h.delivered('u1');
    expect(texts.at(-1)).toBe(h.t('en', 'erase:done_webchat'));
    expect(await h.store.getContact(h.cipher.pseudonym('webchat', 'u1'))).toBeUndefined();
    expect(await h.store.getConversation(h.cipher.pseudonym('webchat', 'u1'))).toBeUndefined();
    expect(await h.store.getConversation(h.cipher.pseudonym('webchat', 'u2'))).toBeDefined();
  });

  it('should on quick exit delete recent messages, clear the page and send one neutral line', async () => {
    const h = await open();
    await toMenu(h, 'u1');
    await h.delivered('u1');
    h.adapter.sent.length = 0;
    await h.command('u1', 'exit');
    await h.delivered('u1');
    const types = h.adapter.sent.map((s) => s.message.type);
    expect(types).toEqual(['delete', 'clear', 'message']);
    const del = h.adapter.sent[0]?.message;
    expect(del?.type === 'delete' && del.refs.length).toBeGreaterThanOrEqual(5);
    expect(h.adapter.textsTo('u1')).toEqual([h.t('en', 'common:exit')]);
  });

  it('should retry a failed delivery and deliver it once', async () => {
    const h = await open();
    h.adapter.failNext();
    h.adapter.failNext(new DeliveryError('webchat', '429', { retryable: true, retryAfterMs: 30 }));
    await h.command('u1', 'start');
    expect(await h.delivered('u1')).toEqual([h.t('ru', 'intake:language.text')]);
  });

  it('should stop sending to a person who blocked the bot', async () => {
    const h = await open();
    await h.command('u1', 'start');
    h.adapter.failNext(new DeliveryError('webchat', 'blocked', { blocked: true }));
    await h.delivered('u1');
    await h.choose('u1', 'en');
    // the contact wrote again, so it is reachable again and gets the answer
    expect(await h.delivered('u1')).toEqual([h.t('en', 'intake:safety.text')]);
    expect((await h.store.getContact(h.cipher.pseudonym('webchat', 'u1')))?.unreachable).toBe(false);
  });

  it('should keep words and ids out of the database file in clear text', async () => {
    const h = await open();
    const userId = '77015550123';
    const secret = 'my husband hit me near the Kostanay market';
    await toMenu(h, userId);
    await toFirstQuestion(h, userId);
    await h.text(userId, secret);
    await h.delivered(userId);
    await h.close();
    const stored = await storedBytes({ dbPath: h.dbPath, databaseUrl: h.options.databaseUrl });
    expect(stored.length).toBeGreaterThan(0);
    for (const bytes of stored) {
      expect(bytes.includes(Buffer.from(secret))).toBe(false);
      expect(bytes.includes(Buffer.from('Kostanay'))).toBe(false);
      expect(bytes.includes(Buffer.from(userId))).toBe(false);
      expect(bytes.includes(Buffer.from('"answers"'))).toBe(false);
    }
    // and it is really stored: readable through the store with the key
    const again = await open(h.reopen());
    expect((await again.store.getContact(again.cipher.pseudonym('webchat', userId)))?.address).toBe(userId);
  });

  it('should answer kindly, keep the words and keep the state when a flow fails', async () => {
    const broken = createMachine({
      id: 'legal',
      entry: () => {
        throw new Error('boom');
      },
    });
    const h = await open(undefined, {
      flows: { ...flows, legal: { id: 'legal', version: 1, machine: broken } },
    });
    await toMenu(h, 'u1');
    await h.delivered('u1');
    h.adapter.sent.length = 0;
    await h.choose('u1', 'legal');
    // one message, its first line neutral (it may show on a lock screen), the numbers in it
    expect(await h.delivered('u1')).toEqual([h.t('en', 'safety:error')]);
    expect(h.t('en', 'safety:error')).toContain(h.t('en', 'common:sos.text'));
    h.adapter.sent.length = 0;
    await h.choose('u1', 'screening'); // still in the menu
    expect(await h.delivered('u1')).toEqual([h.t('en', 'screening:intro.text')]);
  });

  it('should run a command that the menu lists as a numbered choice when it is typed as its number', async () => {
    const h = await open();
    await toMenu(h, 'u1');
    await h.delivered('u1');
    const menu = h.lastSent('u1');
    if (menu?.type !== 'message') throw new Error('no menu');
    const sosNumber = menu.choices.findIndex((c) => c.id === 'sos') + 1;
    expect(sosNumber).toBeGreaterThan(0);
    h.adapter.sent.length = 0;
    await h.text('u1', String(sosNumber));
    expect(await h.delivered('u1')).toEqual([h.t('en', 'common:sos.text'), h.t('en', 'menu:main.text')]);
  });

  it('should greet a newcomer who says hello with the first question, not with "did not understand"', async () => {
    const h = await open();
    await h.text('u1', 'Hello');
    expect(await h.delivered('u1')).toEqual([h.t('ru', 'intake:language.text')]);
    await h.text('u1', 'English'); // a newcomer may also answer the language question right away
    expect(await h.delivered('u1')).toContain(h.t('en', 'intake:safety.text'));
  });
});
