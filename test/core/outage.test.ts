/**
 * Runs unattended: an outage of hours loses nothing (retries by time, not by count; order per
 * person kept; nothing twice), a row that waited longer than the limit fails and keeps its
 * payload, and a database error inside the background loops is logged, never fatal.
 * With a test clock, on SQLite and PostgreSQL.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { OutboxDispatcher } from '../../src/core/dispatcher.js';
import { DeliveryError } from '../../src/core/errors.js';
import type { Store } from '../../src/core/ports.js';
import { createCipher } from '../../src/privacy/cipher.js';
import { startRetention } from '../../src/privacy/retention.js';
import { openStore } from '../../src/store/index.js';
import { BACKENDS } from '../helpers/backends.js';
import { countRows } from '../helpers/count-rows.js';
import { RecordingAdapter } from '../helpers/recording-adapter.js';

const HOUR = 3_600_000;
const stores: Store[] = [];
afterEach(async () => {
  for (const s of stores.splice(0)) await s.close().catch(() => {});
});

const logs: Array<{ level: string; obj: object; msg?: string }> = [];
const logger = {
  info: (obj: object, msg?: string) => void logs.push({ level: 'info', obj, msg }),
  warn: (obj: object, msg?: string) => void logs.push({ level: 'warn', obj, msg }),
  error: (obj: object, msg?: string) => void logs.push({ level: 'error', obj, msg }),
};

describe.each(BACKENDS)('an outage on $name', (backend) => {
  let target: { dbPath: string; env: Record<string, string> };
  const open = async () => {
    const path = join(mkdtempSync(join(tmpdir(), 'tirek-outage-')), 'tirek.db');
    const { databaseUrl } = await backend.fresh();
    target = { dbPath: path, env: databaseUrl ? { DATABASE_URL: databaseUrl } : {} };
    const { store, notifier } = await openStore(
      { DATABASE_PATH: path, DATABASE_URL: databaseUrl },
      createCipher(randomBytes(32)),
      () => {},
    );
    await notifier.close();
    stores.push(store);
    return store;
  };
  const message = (text: string) => ({
    type: 'message' as const,
    text,
    choices: [],
    globalChoices: [],
    lang: 'en' as const,
  });

  async function setUp(now: () => number) {
    const store = await open();
    const adapter = new RecordingAdapter('telegram');
    let down = true;
    adapter.beforeSend = () => {
      if (down) throw new DeliveryError('telegram', 'Bad Gateway', { retryable: true });
    };
    const dispatcher = new OutboxDispatcher({
      store,
      adapters: new Map([['telegram', adapter]]),
      logger,
      clock: now,
      pollMs: 3_600_000, // the test drives it
    });
    const people = ['p1', 'p2', 'p3'];
    for (const p of people)
      for (const n of [1, 2, 3])
        await store.transaction(
          (tx) =>
            tx.enqueueOutbox({
              conversationId: null,
              contactId: p,
              channel: 'telegram',
              address: p,
              message: message(`${p}-${n}`),
              now: now(),
            }),
          { lock: p },
        );
    return { store, adapter, dispatcher, people, recover: () => (down = false) };
  }

  it('should deliver every reply after 3 hours of 502s, in order, none twice', async () => {
    let t = Date.parse('2026-11-25T10:00:00Z');
    const { adapter, dispatcher, people, recover, store } = await setUp(() => t);
    await dispatcher.start();
    const until = t + 3 * HOUR;
    while (t < until) {
      t += 61_000; // backoff is capped at one minute: every row is due again
      dispatcher.wake();
      await dispatcher.settle();
    }
    expect(adapter.sent).toHaveLength(0);
    recover();
    for (let i = 0; i < 20 && (await store.pendingOutboxCount()) > 0; i++) {
      t += 61_000;
      dispatcher.wake();
      await dispatcher.settle();
    }
    for (const p of people) expect(adapter.textsTo(p)).toEqual([`${p}-1`, `${p}-2`, `${p}-3`]);
    expect(adapter.sent).toHaveLength(9);
    await dispatcher.stop();
  });

  it('should fail a row only after the maximum age, keeping its encrypted payload for re-sending', async () => {
    let t = Date.parse('2026-11-25T10:00:00Z');
    const { dispatcher, store } = await setUp(() => t);
    await dispatcher.start();
    for (let i = 0; i < 30; i++) {
      t += HOUR;
      dispatcher.wake();
      await dispatcher.settle();
    }
    expect(await store.pendingOutboxCount()).toBe(0);
    // all nine failed after 24 hours, each still holding its (encrypted) text
    expect(await countRows(target, 'outbox', `status = 'failed' AND length(payload_enc) > 0`)).toBe(9);
    await dispatcher.stop();
  });

  it('should log a database error inside the dispatcher and the retention timer, and carry on', async () => {
    const store = await open();
    const failing: Store = {
      ...store,
      claimOutbox: async () => {
        throw new Error('SQLITE_BUSY: database is locked');
      },
      purgeExpired: async () => {
        throw new Error('SQLITE_FULL: database or disk is full');
      },
    };
    logs.length = 0;
    const dispatcher = new OutboxDispatcher({
      store: failing,
      adapters: new Map([['telegram', new RecordingAdapter('telegram')]]),
      logger,
      pollMs: 3_600_000,
    });
    await dispatcher.start();
    dispatcher.wake();
    await dispatcher.settle();
    const stopRetention = startRetention(failing, 30, logger);
    await new Promise((r) => setTimeout(r, 1200)); // the first purge runs a second after start
    stopRetention();
    await dispatcher.stop();
    expect(logs.filter((l) => l.level === 'error').map((l) => l.msg)).toEqual(
      expect.arrayContaining([
        'outbox pump failed; retrying on the next tick',
        'retention purge failed; will retry',
      ]),
    );
  });
});
