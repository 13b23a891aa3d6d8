/**
 * A person's reply claimed in the turn's own transaction (the dispatcher's direct path): it is
 * sent without a claim of its own, a turn that fails gives its slot back, and rows already
 * waiting for a slot still go first.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { OutboxItem, Store, StoreTx } from '../../src/core/ports.js';
import { BACKENDS } from '../helpers/backends.js';
import { EngineHarness } from '../helpers/engine-harness.js';

const harnesses: EngineHarness[] = [];
afterEach(async () => {
  vi.restoreAllMocks();
  for (const h of harnesses.splice(0)) await h.close().catch(() => {});
});

/** Items handed out by claimOutbox from now on (the dispatcher's own claims). */
function countClaims(store: Store): OutboxItem[] {
  const claimed: OutboxItem[] = [];
  const claim = store.claimOutbox.bind(store);
  vi.spyOn(store, 'claimOutbox').mockImplementation(async (...args) => {
    const got = await claim(...args);
    claimed.push(...got.items);
    return got;
  });
  return claimed;
}

async function until(what: () => boolean, ms = 5000): Promise<void> {
  const t0 = Date.now();
  while (!what()) {
    if (Date.now() - t0 > ms) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 5));
  }
}

describe.each(BACKENDS)('direct delivery on $name', (backend) => {
  const open = async () => {
    const h = await EngineHarness.open(await backend.fresh());
    harnesses.push(h);
    return h;
  };

  /** A person at the legal topics, the dispatcher running and idle. */
  async function atLegalTopics(h: EngineHarness, user: string) {
    await h.command(user, 'start');
    await h.choose(user, 'en');
    await h.choose(user, 'yes');
    await h.choose(user, 'me');
    await h.choose(user, 'legal');
    await h.delivered(user);
  }

  it('should send a reply claimed in its turn without a claim transaction of its own', async () => {
    const h = await open();
    await atLegalTopics(h, 'p');
    const claims = countClaims(h.store);
    const before = h.adapter.textsTo('p').length;
    // each of these answers with one message: a topic, then back to the list
    for (const [i, choice] of ['dv', 'back', 'dv', 'back'].entries()) {
      await h.choose('p', choice);
      // the person reads the answer before writing again: its delivery is recorded by then
      await h.dispatcher.drain();
      expect(h.adapter.textsTo('p')).toHaveLength(before + i + 1);
    }
    expect(h.adapter.textsTo('p').slice(before)).toEqual([
      h.t('en', 'legal:dv.text'),
      h.t('en', 'legal:topics.text'),
      h.t('en', 'legal:dv.text'),
      h.t('en', 'legal:topics.text'),
    ]);
    expect(claims).toEqual([]);
    await h.dispatcher.drain();
    expect(await h.store.pendingOutboxCount()).toBe(0);
  });

  it('should give the slot back when the turn does not commit', async () => {
    const h = await open();
    await atLegalTopics(h, 'p');
    // the turn's reply cannot be written: the turn rolls back after it took a slot
    const transaction = h.store.transaction.bind(h.store);
    let failing = true;
    vi.spyOn(h.store, 'transaction').mockImplementation((fn, options) =>
      transaction(
        (tx) =>
          fn({
            ...tx,
            enqueueClaimed: async (...args: Parameters<StoreTx['enqueueClaimed']>) => {
              if (failing) throw new Error('disk trouble');
              return tx.enqueueClaimed(...args);
            },
          }),
        options,
      ),
    );
    const before = h.adapter.textsTo('p').length;
    // more failed turns than the dispatcher has slots (8): each answers with the fallback line
    for (let i = 0; i < 12; i++) await h.choose('p', i % 2 === 0 ? 'dv' : 'back');
    await h.dispatcher.drain();
    const fallback = h.t('en', 'safety:error');
    expect(h.adapter.textsTo('p').slice(before)).toEqual(Array(12).fill(fallback));
    failing = false;
    await h.choose('p', 'dv');
    await until(() => h.adapter.textsTo('p').length === before + 13);
    expect(h.adapter.textsTo('p').at(-1)).toBe(h.t('en', 'legal:dv.text'));
  });

  it('should take no slot while rows wait for one (they go first)', async () => {
    const h = await open();
    await h.store.transaction(async (tx) => {
      for (let i = 0; i < 20; i++)
        await tx.enqueueOutbox({
          conversationId: null,
          contactId: `other${i}`,
          channel: 'webchat',
          address: `other${i}`,
          message: { type: 'message', text: `waiting ${i}`, choices: [], globalChoices: [], lang: 'en' },
          now: Date.now() - 1000,
        });
    });
    // the first look claims 8 of the 20 (every slot); the next one is held back
    const claim = h.store.claimOutbox.bind(h.store);
    let open_: () => void = () => {};
    const gate = new Promise<void>((r) => {
      open_ = r;
    });
    let calls = 0;
    vi.spyOn(h.store, 'claimOutbox').mockImplementation(async (...args) => {
      if (++calls > 1) await gate;
      return claim(...args);
    });
    await h.dispatcher.start();
    await until(() => h.adapter.sent.length === 8 && calls > 1);
    await new Promise((r) => setTimeout(r, 20)); // the 8 deliveries are recorded: every slot is free
    // free slots, but 12 rows are due and waiting for the look that is held back
    expect(h.dispatcher.reserve('webchat')).toBeUndefined();
    open_();
    await h.dispatcher.drain();
    expect(h.adapter.sent).toHaveLength(20);
    const slot = h.dispatcher.reserve('webchat');
    expect(slot).toBeDefined();
    slot?.release();
    // a channel this dispatcher does not deliver gets no slot
    expect(h.dispatcher.reserve('telegram')).toBeUndefined();
  });
});
