/**
 * The store contract: every behaviour the core relies on, run against SQLite and PostgreSQL
 * (test/store/store.test.ts). A new backend passes this suite or it is not a store.
 */
import { randomBytes } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { ConcurrencyError } from '../../src/core/errors.js';
import type { Store } from '../../src/core/ports.js';
import type { OutboundMessage } from '../../src/core/types.js';
import { type Cipher, createCipher } from '../../src/privacy/cipher.js';
import { openStore } from '../../src/store/index.js';
import type { Backend } from '../helpers/backends.js';

export const msg = (text: string): OutboundMessage => ({
  type: 'message',
  text,
  choices: [],
  globalChoices: [],
  lang: 'en',
});

export async function conversation(store: Store, id: string, now = 1) {
  await store.upsertContact({ id, channel: 'webchat', address: `addr-${id}`, now });
  return store.createConversation(
    {
      contactId: id,
      channel: 'webchat',
      lang: 'en',
      status: 'bot',
      flow: 'menu',
      flowVersion: 1,
      snapshot: { value: 'main' },
      riskLevel: null,
      who: null,
    },
    now,
  );
}

export function storeContract(backend: Backend, dbPath: () => string) {
  const opened: Store[] = [];
  afterEach(async () => {
    for (const s of opened.splice(0)) await s.close().catch(() => {});
  });
  const open = async (target?: { databaseUrl?: string; path?: string }, cipher?: Cipher) => {
    const where = target ?? { ...(await backend.fresh()), path: dbPath() };
    const c = cipher ?? createCipher(randomBytes(32));
    const { store, notifier } = await openStore(
      { DATABASE_PATH: where.path ?? dbPath(), DATABASE_URL: where.databaseUrl },
      c,
      () => {},
    );
    await notifier.close();
    opened.push(store);
    return { store, cipher: c, where };
  };
  const enqueue = (
    store: Store,
    contactId: string,
    text: string,
    now = 1,
    conversationId: number | null = null,
  ) =>
    store.transaction(
      (tx) =>
        tx.enqueueOutbox({
          conversationId,
          contactId,
          channel: 'webchat',
          address: `addr-${contactId}`,
          message: msg(text),
          now,
        }),
      { lock: contactId },
    );
  const texts = (items: Array<{ message: OutboundMessage }>) =>
    items.map((i) => (i.message.type === 'message' ? i.message.text : i.message.type));

  describe(`store contract on ${backend.name}`, () => {
    it('should migrate once and reopen an existing database without redoing migrations', async () => {
      const { store, cipher, where } = await open();
      await conversation(store, 'c1');
      await store.close();
      const again = (await open(where, cipher)).store;
      expect((await again.getConversation('c1'))?.snapshot).toEqual({ value: 'main' });
      // the directory is seeded once, not once per start
      expect((await again.listDirectory(null)).map((e) => e.phone)).toEqual([
        '112',
        '102',
        '103',
        '111',
        '150',
      ]);
    });

    it('should run afterCommit callbacks only once the transaction committed, and never on rollback', async () => {
      const { store } = await open();
      await conversation(store, 'p1');
      const seen: Array<number | null> = [];
      const readBack = async () =>
        seen.push((await store.getConversation('p1'))?.riskLevel === 'high' ? 1 : 0);
      let pending: Promise<number> | undefined;
      await store.transaction(async (tx) => {
        const c = await tx.getConversation('p1');
        if (!c) throw new Error('no conversation');
        await tx.saveConversation({ ...c, riskLevel: 'high' }, 2);
        tx.afterCommit(() => {
          pending = readBack();
        });
        expect(pending).toBeUndefined(); // not yet: the write is not committed
      });
      await pending;
      expect(seen).toEqual([1]); // a listener told after the commit reads the new state
      let ran = false;
      await expect(
        store.transaction(async (tx) => {
          tx.afterCommit(() => {
            ran = true;
          });
          throw new Error('rolled back');
        }),
      ).rejects.toThrow('rolled back');
      expect(ran).toBe(false);
    });

    it('should record an inbound key once', async () => {
      const { store } = await open();
      expect(await store.markInboundSeen('k', 1)).toBe(true);
      expect(await store.markInboundSeen('k', 2)).toBe(false);
    });

    it('should claim outbox items in order per person, one at a time', async () => {
      const { store } = await open();
      await enqueue(store, 'a', 'a1');
      await enqueue(store, 'a', 'a2');
      await enqueue(store, 'b', 'b1');
      const first = await store.claimOutbox(10, 10, ['webchat']);
      expect(texts(first.items).sort()).toEqual(['a1', 'b1']);
      expect((await store.claimOutbox(10, 10, ['webchat'])).items).toEqual([]); // a2 waits behind a1
      const a1 = first.items.find((i) => i.contactId === 'a');
      await store.markOutboxSent(a1?.id ?? 0, [], 11);
      const second = await store.claimOutbox(12, 10, ['webchat']);
      expect(texts(second.items)).toEqual(['a2']);
    });

    it('should let a person’s rows through in the order they were written, one after the other', async () => {
      const { store } = await open();
      for (const text of ['a1', 'a2', 'a3', 'a4']) await enqueue(store, 'a', text);
      const sent: string[] = [];
      for (let now = 10; sent.length < 4 && now < 20; now++) {
        const { items } = await store.claimOutbox(now, 10, ['webchat']);
        expect(items.length).toBeLessThanOrEqual(1);
        for (const item of items) {
          sent.push(...texts([item]));
          await store.markOutboxSent(item.id, [], now);
        }
      }
      expect(sent).toEqual(['a1', 'a2', 'a3', 'a4']);
    });

    it('should record several deliveries with the next claim, which lets each person’s next row through', async () => {
      const { store } = await open();
      for (const who of ['a', 'b', 'c']) {
        await enqueue(store, who, `${who}1`);
        await enqueue(store, who, `${who}2`);
      }
      const first = await store.claimOutbox(10, 10, ['webchat']);
      expect(texts(first.items).sort()).toEqual(['a1', 'b1', 'c1']);
      // three sends end at once; the claim that follows records them and claims what they let through
      const recorded = first.items.map((i) => store.markOutboxSent(i.id, [], 11));
      const second = await store.claimOutbox(12, 10, ['webchat']);
      await Promise.all(recorded);
      expect(texts(second.items).sort()).toEqual(['a2', 'b2', 'c2']);
      expect(await store.pendingOutboxCount(['webchat'])).toBe(3);
      // and on their own, without a claim after them
      await Promise.all(second.items.map((i) => store.markOutboxSent(i.id, [], 13)));
      expect(await store.pendingOutboxCount(['webchat'])).toBe(0);
    });

    it('should keep order when an earlier item fails for good', async () => {
      const { store } = await open();
      await enqueue(store, 'a', 'a1');
      await enqueue(store, 'a', 'a2');
      const [a1] = (await store.claimOutbox(1, 10, ['webchat'])).items;
      await store.markOutboxFailed(a1?.id ?? 0, 'chat not found', 2);
      expect(texts((await store.claimOutbox(3, 10, ['webchat'])).items)).toEqual(['a2']);
    });

    it('should only claim channels asked for and retry an item when its time comes, in the bulk lane', async () => {
      const { store } = await open();
      const id = await enqueue(store, 'c', 'hello', 5);
      expect((await store.claimOutbox(5, 10, ['telegram'])).items).toEqual([]);
      await store.claimOutbox(5, 10, ['webchat']);
      await store.markOutboxRetry(id, 'boom', 100);
      expect((await store.claimOutbox(50, 10, ['webchat'])).items).toEqual([]);
      const again = await store.claimOutbox(100, 10, ['webchat']);
      expect(again.items[0]?.attempts).toBe(2);
      expect(await store.outboxBacklog(100)).toEqual([
        { lane: 'live', count: 0, oldestAgeMs: 0 },
        { lane: 'bulk', count: 1, oldestAgeMs: 95 },
      ]);
    });

    it('should give the live lane first, whatever waits in the bulk lane', async () => {
      const { store } = await open();
      for (let i = 0; i < 30; i++) {
        const id = await enqueue(store, `old${i}`, `old${i}`, 1);
        await store.claimOutbox(1, 1, ['webchat']);
        await store.markOutboxRetry(id, 'outage', 2);
      }
      await enqueue(store, 'fresh', 'fresh reply', 10);
      const claimed = await store.claimOutbox(10, 1, ['webchat']);
      expect(texts(claimed.items)).toEqual(['fresh reply']);
    });

    it('should claim each item once when two workers claim at the same moment', async () => {
      const { store, cipher, where } = await open();
      if (backend.name === 'sqlite') {
        // one process owns a SQLite file; two claims in parallel still never share an item
        for (let i = 0; i < 40; i++) await enqueue(store, `p${i}`, `m${i}`);
        const [x, y] = await Promise.all([
          store.claimOutbox(1, 40, ['webchat']),
          store.claimOutbox(1, 40, ['webchat']),
        ]);
        expect(x.items.length + y.items.length).toBe(40);
        return;
      }
      const other = (await open(where, cipher)).store;
      for (let i = 0; i < 40; i++) await enqueue(store, `p${i}`, `m${i}`);
      const [x, y] = await Promise.all([
        store.claimOutbox(1, 25, ['webchat']),
        other.claimOutbox(1, 25, ['webchat']),
      ]);
      const ids = [...x.items, ...y.items].map((i) => i.id);
      expect(new Set(ids).size).toBe(ids.length);
      expect(ids.length).toBe(40);
    });

    it('should release claims past their lease only', async () => {
      const { store } = await open();
      await enqueue(store, 'a', 'a1');
      await enqueue(store, 'b', 'b1');
      await store.claimOutbox(100, 1, ['webchat']);
      await store.claimOutbox(200, 1, ['webchat']);
      expect(await store.releaseStaleClaims(150)).toBe(1);
      expect((await store.claimOutbox(300, 10, ['webchat'])).items).toHaveLength(1);
    });

    it('should fail an unreadable row with a reason and still hand out the others', async () => {
      const { store, where } = await open();
      await enqueue(store, 'a', 'written with the old key');
      await store.close();
      // the same database opened with another key: the old row cannot be decrypted
      const other = (await open(where)).store;
      await enqueue(other, 'b', 'readable');
      const claimed = await other.claimOutbox(2, 10, ['webchat']);
      expect(texts(claimed.items)).toEqual(['readable']);
      expect(claimed.unreadable).toHaveLength(1);
      expect(claimed.unreadable[0]?.reason).toMatch(/^unreadable/);
      expect(await other.pendingOutboxCount()).toBe(1); // the readable one, in flight
    });

    it('should keep claiming fast with a large backlog', async () => {
      const { store } = await open();
      // 2 000 people × 1 row each waiting in the bulk lane, plus a long queue of one person
      await store.transaction(async (tx) => {
        for (let i = 0; i < 2000; i++)
          await tx.enqueueOutbox({
            conversationId: null,
            contactId: `p${i}`,
            channel: 'telegram',
            address: 'x',
            message: msg('m'),
            lane: 'bulk',
            now: 1,
          });
        for (let i = 0; i < 2000; i++)
          await tx.enqueueOutbox({
            conversationId: null,
            contactId: 'one',
            channel: 'webchat',
            address: 'x',
            message: msg('m'),
            now: 1,
          });
      });
      const claimed = await store.claimOutbox(2, 8, ['webchat', 'telegram']);
      // one of "one"'s rows (its head), then bulk rows of others
      expect(claimed.items.filter((i) => i.contactId === 'one')).toHaveLength(1);
      expect(claimed.items).toHaveLength(8);
    });

    it("should keep a person's order across lanes: a live row waits behind their own bulk row", async () => {
      const { store } = await open();
      const a1 = await enqueue(store, 'a', 'a1', 1);
      await store.claimOutbox(1, 10, ['webchat']);
      await store.markOutboxRetry(a1, 'outage', 5); // a1 now waits in the bulk lane
      await enqueue(store, 'a', 'a2', 6); // a fresh (live) reply of the same person
      await enqueue(store, 'b', 'b1', 6);
      // b's live reply goes first; a2 never overtakes a1
      expect(texts((await store.claimOutbox(6, 1, ['webchat'])).items)).toEqual(['b1']);
      const next = await store.claimOutbox(6, 10, ['webchat']);
      expect(texts(next.items)).toEqual(['a1']);
      await store.markOutboxSent(next.items[0]?.id ?? 0, [], 7);
      expect(texts((await store.claimOutbox(7, 10, ['webchat'])).items)).toEqual(['a2']);
    });

    it("should deliver a row without its own address to the contact's address", async () => {
      const { store } = await open();
      await store.upsertContact({ id: 'p', channel: 'webchat', address: 'chat-of-p', now: 1 });
      await store.transaction((tx) =>
        tx.enqueueOutbox({
          conversationId: null,
          contactId: 'p',
          channel: 'webchat',
          message: msg('hi'),
          now: 1,
        }),
      );
      const [item] = (await store.claimOutbox(2, 10, ['webchat'])).items;
      expect(item).toMatchObject({ address: 'chat-of-p', contactId: 'p' });
    });

    it("should claim a person's head in the transaction that writes it, and only their head", async () => {
      const { store } = await open();
      await store.upsertContact({ id: 'p', channel: 'webchat', address: 'chat-of-p', now: 1 });
      const row = (text: string, now: number) => ({
        conversationId: null,
        contactId: 'p',
        channel: 'webchat' as const,
        message: msg(text),
        now,
      });
      const first = await store.transaction((tx) => tx.enqueueClaimed(row('p1', 1), 'chat-of-p'));
      expect(first).toMatchObject({ address: 'chat-of-p', contactId: 'p', attempts: 1, partsSent: 0 });
      expect(texts(first ? [first] : [])).toEqual(['p1']);
      // p1 is unsent: p2 is written behind it, not claimed
      expect(await store.transaction((tx) => tx.enqueueClaimed(row('p2', 2), 'chat-of-p'))).toBeUndefined();
      // a rolled-back transaction claims nothing and leaves no row
      await expect(
        store.transaction(async (tx) => {
          await tx.enqueueClaimed(row('never', 3), 'chat-of-p');
          throw new Error('roll back');
        }),
      ).rejects.toThrow('roll back');
      expect((await store.claimOutbox(10, 10, ['webchat'])).items).toEqual([]); // p1 is taken, p2 waits
      expect(await store.pendingOutboxCount(['webchat'])).toBe(2);
      await store.markOutboxSent(first?.id ?? 0, [], 11);
      expect(texts((await store.claimOutbox(12, 10, ['webchat'])).items)).toEqual(['p2']);
    });

    it('should keep every platform ref of a message sent in parts (quick exit deletes them all)', async () => {
      const { store } = await open();
      const c = await conversation(store, 'r');
      const id = await store.transaction(async (tx) => {
        const messageId = await tx.appendMessage({
          conversationId: c.id,
          direction: 'out',
          text: 'long',
          now: 2,
        });
        return tx.enqueueOutbox({
          conversationId: c.id,
          contactId: 'r',
          channel: 'webchat',
          message: msg('long'),
          messageId,
          now: 2,
        });
      });
      await store.claimOutbox(3, 10, ['webchat']);
      await store.markOutboxProgress(id, 1, ['part1']); // then the connection broke
      await store.markOutboxSent(id, ['part2'], 4); // the retry sent the rest
      expect(await store.transaction((tx) => tx.platformRefsSince('r', 0))).toEqual(['part1', 'part2']);
    });

    it('should send a head claimed in its transaction again after a crash before the send', async () => {
      const { store } = await open();
      await store.upsertContact({ id: 'q', channel: 'webchat', address: 'chat-of-q', now: 1 });
      const claimed = await store.transaction((tx) =>
        tx.enqueueClaimed(
          { conversationId: null, contactId: 'q', channel: 'webchat', message: msg('q1'), now: 1 },
          'chat-of-q',
        ),
      );
      expect(claimed).toBeDefined();
      expect((await store.claimOutbox(5, 10, ['webchat'])).items).toEqual([]);
      // the instance died with the row in hand: its lease runs out and the row goes out again
      expect(await store.releaseStaleClaims(1)).toBe(0);
      expect(await store.releaseStaleClaims(2)).toBe(1);
      const [again] = (await store.claimOutbox(6, 10, ['webchat'])).items;
      expect(again).toMatchObject({ id: claimed?.id, address: 'chat-of-q', attempts: 2 });
    });

    it('should claim the live head first in well under 50 ms with a large bulk backlog waiting', async () => {
      const { store } = await open();
      // 20,000 rows on SQLite; 5,000 on PostgreSQL, where each row written is a round trip
      const backlog = backend.name === 'sqlite' ? 20_000 : 5_000;
      await store.transaction(async (tx) => {
        for (let i = 0; i < backlog; i++)
          await tx.enqueueOutbox({
            conversationId: null,
            contactId: `bulk${i}`,
            channel: 'webchat',
            address: 'x',
            message: msg('bulk'),
            lane: 'bulk',
            now: 1,
          });
      });
      await enqueue(store, 'person', 'fresh reply', 2);
      const took: number[] = [];
      for (let i = 0; i < 5; i++) {
        const t0 = performance.now();
        const claimed = await store.claimOutbox(3, 1, ['webchat']);
        took.push(performance.now() - t0);
        if (i === 0) expect(texts(claimed.items)).toEqual(['fresh reply']);
      }
      // the claim walks the small ready index: its cost does not depend on the backlog
      expect(Math.min(...took)).toBeLessThan(50);
    }, 60_000);

    it('should order the hand-off queue by risk, then by waiting time within a level', async () => {
      const { store } = await open();
      const s = await conversation(store, 's');
      const h1 = await conversation(store, 'h1');
      const h2 = await conversation(store, 'h2');
      const i = await conversation(store, 'i');
      await store.enqueueHandoff(s.id, 'standard', 1);
      await store.enqueueHandoff(h2.id, 'high', 3);
      await store.enqueueHandoff(h1.id, 'high', 2);
      await store.enqueueHandoff(i.id, 'immediate', 4);
      expect(await Promise.all([i, h1, h2, s].map((c) => store.queuePosition(c.id)))).toEqual([1, 2, 3, 4]);
      await store.cancelHandoff(i.id);
      expect(await store.queuePosition(i.id)).toBeNull();
      expect(await store.queuePosition(s.id)).toBe(3);
      // asking again at a higher level moves the person up, never down
      await store.enqueueHandoff(s.id, 'immediate', 9);
      expect(await store.queuePosition(s.id)).toBe(1);
      await store.enqueueHandoff(s.id, 'standard', 10);
      expect(await store.queuePosition(s.id)).toBe(1);
    });

    it('should refuse a save from a stale read (two writers)', async () => {
      const { store } = await open();
      const c = await conversation(store, 'w');
      const saved = await store.saveConversation({ ...c, flow: 'legal' }, 2);
      expect(saved.version).toBe(1);
      await expect(store.saveConversation({ ...c, flow: 'screening' }, 3)).rejects.toBeInstanceOf(
        ConcurrencyError,
      );
      expect((await store.getConversation('w'))?.flow).toBe('legal');
    });

    it('should keep a closed case and open a new one for the same person', async () => {
      const { store } = await open();
      const first = await conversation(store, 'p');
      await store.saveConversation({ ...first, status: 'closed' }, 2);
      expect(await store.getConversation('p')).toBeUndefined();
      const second = await store.createConversation({ ...first, status: 'bot' }, 3);
      expect(second.id).not.toBe(first.id);
      expect((await store.getConversation('p'))?.id).toBe(second.id);
      expect((await store.getConversationById(first.id))?.status).toBe('closed');
    });

    it('should roll back every write of a failed transaction', async () => {
      const { store } = await open();
      await expect(
        store.transaction(async (tx) => {
          await tx.upsertContact({ id: 'gone', channel: 'webchat', address: 'x', now: 1 });
          throw new Error('boom');
        }),
      ).rejects.toThrow('boom');
      expect(await store.getContact('gone')).toBeUndefined();
    });

    it('should serialise transactions holding the same lock', async () => {
      const { store } = await open();
      const order: string[] = [];
      let release: () => void = () => {};
      const gate = new Promise<void>((r) => (release = r));
      const first = store.transaction(
        async (tx) => {
          order.push('first:start');
          await tx.markInboundSeen('x1', 1);
          await gate;
          order.push('first:end');
        },
        { lock: 'person' },
      );
      await new Promise((r) => setTimeout(r, 50));
      const second = store.transaction(
        async () => {
          order.push('second');
        },
        { lock: 'person' },
      );
      await new Promise((r) => setTimeout(r, 50));
      release();
      await Promise.all([first, second]);
      expect(order).toEqual(['first:start', 'first:end', 'second']);
    });

    it('should erase every row about a person and leave others', async () => {
      const { store } = await open();
      const c = await conversation(store, 'gone');
      await conversation(store, 'stays');
      await store.appendMessage({ conversationId: c.id, direction: 'in', text: 'words', now: 1 });
      await enqueue(store, 'gone', 'reply', 1, c.id);
      await store.enqueueHandoff(c.id, 'high', 1);
      await store.eraseContact('gone');
      expect(await store.getContact('gone')).toBeUndefined();
      expect(await store.getConversationById(c.id)).toBeUndefined();
      expect(await store.queuePosition(c.id)).toBeNull();
      expect(await store.pendingOutboxCount()).toBe(0);
      expect(await store.getContact('stays')).toBeDefined();
    });

    it('should purge old messages and closed conversations, and forget idle people', async () => {
      const { store } = await open();
      const old = await conversation(store, 'old');
      await store.appendMessage({ conversationId: old.id, direction: 'in', text: 'old words', now: 1 });
      await store.saveConversation({ ...old, status: 'closed' }, 1);
      // seen lately (last seen is kept to the minute: LAST_SEEN_GRANULARITY_MS)
      await store.upsertContact({ id: 'old', channel: 'webchat', address: 'addr-old', now: 120_000 });
      const open2 = await conversation(store, 'open', 120_000);
      await store.appendMessage({
        conversationId: open2.id,
        direction: 'in',
        text: 'new words',
        now: 120_000,
      });
      const idle = await conversation(store, 'idle');
      await store.enqueueHandoff(idle.id, 'high', 1);
      await enqueue(store, 'idle', 'never delivered', 1, idle.id); // still pending: not old "sent" rows
      const sub = await conversation(store, 'sub');
      await store.setContactSubscribed('sub', true);
      await store.saveConversation({ ...sub, riskLevel: 'high', who: 'me' }, 1);
      const removed = await store.purgeExpired(100_000);
      expect(removed).toMatchObject({ messages: 1, conversations: 1, contacts: 1 });
      expect(await store.getConversationById(old.id)).toBeUndefined();
      expect(await store.getConversation('open')).toBeDefined();
      expect(await store.getContact('idle')).toBeUndefined();
      expect(await store.queuePosition(idle.id)).toBeNull();
      expect(await store.pendingOutboxCount()).toBe(0); // the idle person's unsent reply went with them
      expect((await store.getContact('sub'))?.subscribed).toBe(true);
      expect(await store.getConversation('sub')).toMatchObject({
        snapshot: null,
        riskLevel: null,
        who: null,
      });
    });

    it('should purge a large backlog in batches and let other work in between', async () => {
      const { store } = await open();
      const c = await conversation(store, 'writer', 1);
      await store.upsertContact({ id: 'writer', channel: 'webchat', address: 'a', now: 200_000 }); // not idle
      await store.transaction(async (tx) => {
        for (let i = 0; i < 1_200; i++)
          await tx.appendMessage({ conversationId: c.id, direction: 'in', text: `old ${i}`, now: 1 });
      });
      const order: string[] = [];
      const purge = store.purgeExpired(100_000).then((r) => {
        order.push('purge');
        return r;
      });
      // a turn that arrives while the purge runs is served before the purge ends
      await new Promise((r) => setImmediate(r));
      const turn = store.transaction((tx) => tx.getConversation('writer')).then(() => order.push('turn'));
      const removed = await purge;
      await turn;
      expect(removed.messages).toBe(1_200); // more than two batches of PURGE_BATCH
      expect(order).toEqual(['turn', 'purge']);
    }, 60_000);

    it('should let one holder take a named lock at a time', async () => {
      const { store } = await open();
      const lock = await store.tryLock('channel:telegram');
      expect(lock).not.toBeNull();
      expect(await store.tryLock('channel:telegram')).toBeNull();
      await lock?.release();
      const again = await store.tryLock('channel:telegram');
      expect(again).not.toBeNull();
      await again?.release();
    });
  });
}
