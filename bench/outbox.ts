/**
 * One outbox claim (what the dispatcher asks for: up to 8 due rows, live lane first) with 0, 10,000
 * and 100,000 rows pending, on SQLite and PostgreSQL. The claim walks the `outbox_ready` index of
 * head rows, so its cost must not grow with the backlog. Backlog rows are written with plain SQL
 * (a bulk lane of one row per person, as after an outage); each timed claim also finds one
 * fresh live reply, which must come first.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import pg from 'pg';
import type { Store } from '../src/core/ports.js';
import { createCipher } from '../src/privacy/cipher.js';
import { openStore } from '../src/store/index.js';
import { type BenchContext, type BenchModule, fmt, median, percentile, type Table } from './lib.js';

const message = {
  type: 'message',
  text: 'A reply waiting since the outage',
  choices: [],
  globalChoices: [],
  lang: 'en',
};

async function addBacklog(
  kind: 'sqlite' | 'postgres',
  where: { path: string; url?: string },
  from: number,
  to: number,
  payload: Buffer,
  address: Buffer,
): Promise<void> {
  const now = Date.now() - 60_000;
  if (kind === 'sqlite') {
    const db = new Database(where.path);
    const insert = db.prepare(
      `INSERT INTO outbox (contact_id, channel, address_enc, payload_enc, status, next_attempt_at, created_at, lane, head)
       VALUES (?, 'telegram', ?, ?, 'pending', ?, ?, 'bulk', 1)`,
    );
    db.transaction(() => {
      for (let i = from; i < to; i++) insert.run(`bulk${i}`, address, payload, now, now);
    })();
    db.close();
    return;
  }
  const client = new pg.Client({ connectionString: where.url });
  await client.connect();
  await client.query(
    `INSERT INTO outbox (contact_id, channel, address_enc, payload_enc, status, next_attempt_at, created_at, lane, head)
     SELECT 'bulk' || i, 'telegram', $1, $2, 'pending', $3, $3, 'bulk', 1 FROM generate_series($4::int, $5::int) i`,
    [address, payload, now, from, to - 1],
  );
  await client.query('ANALYZE outbox');
  await client.end();
}

async function timeClaims(store: Store, samples: number): Promise<number[]> {
  const took: number[] = [];
  for (let i = 0; i < samples; i++) {
    await store.transaction(
      (tx) =>
        tx.enqueueOutbox({
          conversationId: null,
          contactId: `fresh${i}`,
          channel: 'telegram',
          address: 'chat',
          message: { type: 'message', text: 'fresh', choices: [], globalChoices: [], lang: 'en' },
          now: Date.now(),
        }),
      { lock: `fresh${i}` },
    );
    const t0 = performance.now();
    const { items } = await store.claimOutbox(Date.now(), 8, ['telegram']);
    took.push(performance.now() - t0);
    if (items[0]?.contactId !== `fresh${i}`) throw new Error('bench: the live reply was not claimed first');
    for (const item of items) await store.markOutboxSent(item.id, [], Date.now());
  }
  return took;
}

export const outboxBench: BenchModule = {
  name: 'outbox',
  async run(ctx: BenchContext): Promise<Table[]> {
    const rows: Table['rows'] = [];
    const cipher = createCipher(randomBytes(32));
    const payload = cipher.encrypt(JSON.stringify(message));
    const address = cipher.encrypt('12345');
    const samples = ctx.quick ? 30 : 100;
    for (const kind of ['sqlite', 'postgres'] as const) {
      const url = kind === 'postgres' ? await ctx.postgres() : undefined;
      if (kind === 'postgres' && !url) {
        rows.push(['postgres', '—', '—', '—', 'PostgreSQL not installed']);
        continue;
      }
      const path = join(mkdtempSync(join(tmpdir(), 'tirek-bench-outbox-')), 'tirek.db');
      const { store, notifier } = await openStore(
        { DATABASE_PATH: path, DATABASE_URL: url ?? undefined },
        cipher,
        () => {},
      );
      let pending = 0;
      const cells: string[] = [];
      for (const size of [0, 10_000, 100_000]) {
        if (size > pending)
          await addBacklog(kind, { path, url: url ?? undefined }, pending, size, payload, address);
        pending = size;
        await timeClaims(store, 5); // warm-up
        // each claim also takes up to 7 backlog rows: a few hundred of 10,000 or 100,000
        const took = await timeClaims(store, samples);
        cells.push(`${fmt(median(took), 2)} / ${fmt(percentile(took, 99), 2)}`);
      }
      const left = await store.pendingOutboxCount(['telegram']);
      rows.push([kind, ...cells, fmt(left, 0)]);
      await notifier.close();
      await store.close();
    }
    return [
      {
        title: 'One outbox claim (up to 8 rows, live lane first): median / p99 ms by rows pending',
        columns: ['store', '0 pending', '10,000 pending', '100,000 pending', 'rows left after'],
        rows,
        note: `${samples} claims at each size; each finds one fresh live reply first, then bulk rows of the backlog (one per person). PostgreSQL: ${'fsync=off, synchronous_commit=off'} (throwaway cluster).`,
      },
    ];
  },
};
