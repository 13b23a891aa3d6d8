/**
 * kill -9 in the middle of a campaign: the real entry point (`src/main.ts`) in a child process,
 * killed while it sends, then started again on the same database. The campaign finishes with zero
 * duplicates, and the only people without their message are rows counted 'unknown' (in flight at
 * the kill), at most the sender's concurrency. On SQLite and on PostgreSQL.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { createCipher } from '../../src/privacy/cipher.js';
import { createBroadcastStore } from '../../src/store/broadcast-store.js';
import { openStore } from '../../src/store/index.js';
import { BACKENDS } from '../helpers/backends.js';
import { FAKE_BOT_TOKEN, FakeTelegramApi } from '../helpers/fake-telegram-api.js';
import { removeDir, testEnv } from '../helpers/test-app.js';
import { seedPeople } from './seed.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const PEOPLE = 600;
const CONCURRENCY = 4;
const children: ChildProcess[] = [];
afterAll(() => {
  for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
});

async function query<T>(env: Record<string, string>, sql: string): Promise<T[]> {
  if (env.DATABASE_URL) {
    const client = new pg.Client({ connectionString: env.DATABASE_URL });
    await client.connect();
    try {
      return (await client.query(sql)).rows as T[];
    } finally {
      await client.end();
    }
  }
  const db = new Database(env.DATABASE_PATH as string, { readonly: true });
  try {
    return db.prepare(sql).all() as T[];
  } finally {
    db.close();
  }
}

for (const backend of BACKENDS) {
  describe(`kill -9 during a campaign (${backend.name})`, () => {
    it('should finish after a restart with no duplicates and no loss beyond the unknown rows', async () => {
      const fake = await FakeTelegramApi.start();
      const { databaseUrl } = await backend.fresh();
      const { env, dir } = testEnv({
        TELEGRAM_BOT_TOKEN: FAKE_BOT_TOKEN,
        TELEGRAM_API_ROOT: fake.apiRoot,
        BROADCAST_HOURS: '00:00-23:59',
        BROADCAST_RATE_PER_SECOND: '60',
        BROADCAST_CONCURRENCY: String(CONCURRENCY),
        BROADCAST_CLAIM_LEASE_SECONDS: '2',
        ...(databaseUrl ? { DATABASE_URL: databaseUrl } : {}),
      });
      try {
        // the audience and a confirmed campaign, written before the app starts
        const config = loadConfig(env);
        const cipher = createCipher(Buffer.from(env.DATA_KEY as string, 'base64'));
        const { store, db } = await openStore(config, cipher, () => {});
        const chats = Array.from({ length: PEOPLE }, (_, i) => 8_500_000_000 + i);
        await seedPeople(
          store,
          cipher,
          chats.map((id) => ({ userId: String(id), lang: 'ru' as const })),
        );
        const broadcasts = createBroadcastStore(db, cipher);
        const campaign = await broadcasts.createCampaign(
          {
            name: 'restart',
            texts: { ru: 'Новости Tirek\nтекст' },
            link: null,
            filter: { langs: [], channels: [], sources: [] },
            sendAt: null,
          },
          null,
          Date.now(),
        );
        await broadcasts.confirm(campaign.id, {
          channels: ['telegram'],
          defaultLang: 'ru',
          maxPerMonth: 4,
          now: Date.now(),
        });
        await store.close();

        const start = () => {
          const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
            cwd: ROOT,
            env: { ...process.env, ...env },
            stdio: ['ignore', 'ignore', 'pipe'],
          });
          children.push(child);
          return child;
        };
        const sends = () =>
          fake.callsTo('sendMessage').filter((c) => c.payload.disable_notification === true);

        const first = start();
        await fake.waitFor(() => sends().length >= PEOPLE / 3, 60_000, 'a third of the campaign');
        const exited = new Promise((resolve) => first.once('exit', resolve));
        first.kill('SIGKILL');
        await exited;
        const atKill = sends().length;
        expect(atKill).toBeLessThan(PEOPLE);

        start();
        await fake.waitFor(
          async () =>
            (
              await query<{ status: string }>(
                env,
                `SELECT status FROM broadcast_campaigns WHERE id = ${campaign.id}`,
              )
            )[0]?.status === 'done',
          90_000,
          'the campaign to finish after the restart',
        );
        expect(sends().length).toBeGreaterThan(atKill); // the second run did send

        const perChat = new Map<number, number>();
        for (const m of fake.botMessages) perChat.set(m.chat_id, (perChat.get(m.chat_id) ?? 0) + 1);
        expect([...perChat.values()].filter((n) => n > 1)).toEqual([]); // zero duplicates

        const rows = await query<{ status: string; n: number | string }>(
          env,
          `SELECT status, count(*) AS n FROM broadcast_deliveries WHERE campaign_id = ${campaign.id} GROUP BY status`,
        );
        const count = Object.fromEntries(rows.map((r) => [r.status, Number(r.n)]));
        const unknown = count.unknown ?? 0;
        expect((count.sent ?? 0) + unknown).toBe(PEOPLE);
        expect(unknown).toBeLessThanOrEqual(CONCURRENCY);
        const missing = chats.filter((id) => !perChat.has(id)).length;
        expect(missing).toBeLessThanOrEqual(unknown);
        expect(perChat.size).toBe(PEOPLE - missing);
      } finally {
        for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
        await fake.close();
        removeDir(dir);
      }
    });
  });
}
