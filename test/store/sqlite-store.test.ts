import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Store } from '../../src/core/ports.js';
import type { OutboundMessage } from '../../src/core/types.js';
import { createCipher } from '../../src/privacy/cipher.js';
import { migrations } from '../../src/store/migrations.js';
import { createSqliteStore, openDatabase } from '../../src/store/sqlite-store.js';

const fresh = () => {
  const path = join(mkdtempSync(join(tmpdir(), 'tirek-store-')), 'tirek.db');
  const cipher = createCipher(randomBytes(32));
  return { path, cipher, store: createSqliteStore(openDatabase(path), cipher) };
};
const msg = (text: string): OutboundMessage => ({
  type: 'message',
  text,
  choices: [],
  globalChoices: [],
  lang: 'en',
});

function conversation(store: Store, id: string, now = 1) {
  store.upsertContact({ id, channel: 'webchat', address: `addr-${id}`, now });
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

describe('sqlite store', () => {
  it('should migrate once and reopen an existing file without redoing migrations', () => {
    const { path, cipher, store } = fresh();
    conversation(store, 'c1');
    store.close();
    const db = openDatabase(path);
    expect(db.pragma('user_version', { simple: true })).toBe(migrations.length);
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    const again = createSqliteStore(db, cipher);
    expect(again.getConversation('c1')?.snapshot).toEqual({ value: 'main' });
    expect(again.listDirectory(null).map((e) => e.phone)).toEqual(['112', '102', '103', '111', '150']);
    again.close();
  });

  it('should claim outbox items in order, one per conversation at a time', () => {
    const { store } = fresh();
    const a = conversation(store, 'a');
    const b = conversation(store, 'b');
    for (const [conv, text] of [
      [a, 'a1'],
      [a, 'a2'],
      [b, 'b1'],
    ] as const) {
      store.enqueueOutbox({
        conversationId: conv.id,
        contactId: conv.contactId,
        channel: 'webchat',
        address: 'x',
        message: msg(text),
        now: 1,
      });
    }
    const first = store.claimOutbox(10, 10, ['webchat']);
    expect(first.map((i) => (i.message.type === 'message' ? i.message.text : ''))).toEqual(['a1', 'b1']);
    expect(store.claimOutbox(10, 10, ['webchat'])).toEqual([]); // a2 waits behind a1
    store.markOutboxSent(first[0]?.id ?? 0, [], 11);
    const second = store.claimOutbox(12, 10, ['webchat']);
    expect(second.map((i) => (i.message.type === 'message' ? i.message.text : ''))).toEqual(['a2']);
  });

  it('should not claim an item before its retry time, nor one for a channel that is not running', () => {
    const { store } = fresh();
    const a = conversation(store, 'a');
    const id = store.enqueueOutbox({
      conversationId: a.id,
      contactId: 'a',
      channel: 'webchat',
      address: 'x',
      message: msg('m'),
      now: 1,
    });
    expect(store.claimOutbox(5, 10, ['telegram'])).toEqual([]);
    store.claimOutbox(5, 10, ['webchat']);
    store.markOutboxRetry(id, 'boom', 100);
    expect(store.claimOutbox(50, 10, ['webchat'])).toEqual([]);
    expect(store.claimOutbox(100, 10, ['webchat'])[0]?.attempts).toBe(2);
  });

  it('should order the counsellor queue by risk, then by waiting time', () => {
    const { store } = fresh();
    const s = conversation(store, 's');
    const h = conversation(store, 'h');
    const i = conversation(store, 'i');
    store.enqueueHandoff(s.id, 'standard', 1);
    store.enqueueHandoff(h.id, 'high', 2);
    store.enqueueHandoff(i.id, 'immediate', 3);
    expect([i, h, s].map((c) => store.queuePosition(c.id))).toEqual([1, 2, 3]);
    store.cancelHandoff(i.id);
    expect(store.queuePosition(i.id)).toBeNull();
    expect(store.queuePosition(s.id)).toBe(2);
  });

  it('should purge messages and closed conversations older than the retention time', () => {
    const { store } = fresh();
    const old = conversation(store, 'old', 1);
    store.appendMessage({ conversationId: old.id, direction: 'in', text: 'old words', now: 1 });
    store.saveConversation({ ...old, status: 'closed' }, 1);
    store.upsertContact({ id: 'old', channel: 'webchat', address: 'addr-old', now: 1000 }); // seen lately
    const open = conversation(store, 'open', 1000);
    store.appendMessage({ conversationId: open.id, direction: 'in', text: 'older words', now: 1 });
    store.appendMessage({ conversationId: open.id, direction: 'in', text: 'new words', now: 1000 });
    const removed = store.purgeExpired(500);
    expect(removed).toMatchObject({ contacts: 0, messages: 2, conversations: 1 });
    expect(store.getConversation('old')).toBeUndefined();
    expect(store.getConversation('open')).toBeDefined();
  });

  it('should forget people idle for the whole retention time, keeping only subscribers without their answers', () => {
    const { store } = fresh();
    const idle = conversation(store, 'idle', 1);
    store.enqueueHandoff(idle.id, 'high', 1);
    const sub = conversation(store, 'sub', 1);
    store.setContactSubscribed('sub', true);
    store.saveConversation({ ...sub, riskLevel: 'high', who: 'me' }, 1);
    conversation(store, 'recent', 1000);
    const removed = store.purgeExpired(500);
    expect(removed.contacts).toBe(1);
    expect(store.getContact('idle')).toBeUndefined();
    expect(store.getConversation('idle')).toBeUndefined();
    expect(store.queuePosition(idle.id)).toBeNull();
    expect(store.getContact('sub')?.subscribed).toBe(true);
    expect(store.getConversation('sub')).toMatchObject({
      snapshot: null,
      riskLevel: null,
      who: null,
      flow: 'menu',
    });
    expect(store.getConversation('recent')?.snapshot).toEqual({ value: 'main' });
  });
});
