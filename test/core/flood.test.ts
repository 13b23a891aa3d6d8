/**
 * Floods: past FLOOD_MAX_PER_MINUTE a person's messages are stored and not answered (one calm
 * line says so) until the minute has passed; SOS, the quick exit and button presses are always
 * answered. Counted from the database, so the limit holds across instances.
 */
import Database from 'better-sqlite3';
import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import { BACKENDS } from '../helpers/backends.js';
import { EngineHarness } from '../helpers/engine-harness.js';

const harnesses: EngineHarness[] = [];
afterEach(async () => {
  for (const h of harnesses.splice(0)) await h.close().catch(() => {});
});

async function toMenu(h: EngineHarness, user: string) {
  await h.command(user, 'start');
  await h.choose(user, 'en');
  await h.choose(user, 'yes');
  await h.choose(user, 'me');
}

/** Inbound messages logged for the person (answered or not). */
async function inboundCount(h: EngineHarness, user: string): Promise<number> {
  const id = h.cipher.pseudonym('webchat', user);
  const sql = `SELECT count(*) AS n FROM messages m JOIN conversations c ON c.id = m.conversation_id
               WHERE c.contact_id = $1 AND m.direction = 'in'`;
  if (h.options.databaseUrl) {
    const client = new pg.Client({ connectionString: h.options.databaseUrl });
    await client.connect();
    try {
      return Number((await client.query(sql, [id])).rows[0]?.n ?? 0);
    } finally {
      await client.end();
    }
  }
  const db = new Database(h.dbPath, { readonly: true });
  try {
    return Number((db.prepare(sql.replace('$1', '?')).get(id) as { n: number }).n);
  } finally {
    db.close();
  }
}

describe.each(BACKENDS)('flood limit on $name', (backend) => {
  it('should answer up to the limit, say one calm line, store the rest, and answer again after a minute', async () => {
    let now = Date.now() - 3_600_000;
    const h = await EngineHarness.open({
      ...(await backend.fresh()),
      clock: () => now,
      floodMaxPerMinute: 5,
    });
    harnesses.push(h);
    await toMenu(h, 'u1');
    await h.delivered('u1');
    now += 61_000;
    h.adapter.sent.length = 0;
    const before = await inboundCount(h, 'u1');
    for (let i = 0; i < 9; i++) {
      await h.text('u1', `qwerty ${i}`);
      now += 1000;
    }
    const unknown = h.t('en', 'common:unknown');
    const menu = h.t('en', 'menu:main.text');
    const answers = Array.from({ length: 5 }, () => [unknown, menu]).flat();
    expect(await h.delivered('u1')).toEqual([...answers, h.t('en', 'safety:flood')]);
    expect(await inboundCount(h, 'u1')).toBe(before + 9); // every message is stored

    // SOS, the quick exit and a button press are answered even now
    h.adapter.sent.length = 0;
    await h.text('u1', 'help');
    expect(await h.delivered('u1')).toEqual([h.t('en', 'common:sos.text'), menu]);
    h.adapter.sent.length = 0;
    await h.choose('u1', 'legal');
    expect(await h.delivered('u1')).toEqual([h.t('en', 'legal:topics.text')]);
    h.adapter.sent.length = 0;
    await h.text('u1', 'qwerty');
    expect(await h.delivered('u1')).toEqual([]);

    // a minute after the flood, answered again
    now += 61_000;
    h.adapter.sent.length = 0;
    await h.text('u1', 'qwerty again');
    expect((await h.delivered('u1'))[0]).toBe(unknown);
  });

  it('should count in a fixed minute from the first message: answered again exactly a minute after it', async () => {
    let now = Date.now() - 3_600_000;
    const h = await EngineHarness.open({
      ...(await backend.fresh()),
      clock: () => now,
      floodMaxPerMinute: 3,
    });
    harnesses.push(h);
    await toMenu(h, 'u1');
    await h.delivered('u1');
    now += 61_000;
    const start = now;
    const unknown = h.t('en', 'common:unknown');
    // steady writing: 3 answered, the 4th and 5th (still inside the first minute) stored
    for (const after of [0, 10_000, 20_000, 50_000, 59_999]) {
      now = start + after;
      await h.text('u1', `qwerty ${after}`);
    }
    await h.delivered('u1');
    h.adapter.sent.length = 0;
    // the minute that began with the first of them is over: a new one begins, though the last
    // message was only a moment ago
    now = start + 60_000;
    await h.text('u1', 'qwerty again');
    expect((await h.delivered('u1'))[0]).toBe(unknown);
  });

  it('should leave other people alone: the limit is per person', async () => {
    let now = Date.now() - 3_600_000;
    const h = await EngineHarness.open({
      ...(await backend.fresh()),
      clock: () => now,
      floodMaxPerMinute: 3,
    });
    harnesses.push(h);
    await toMenu(h, 'flooder');
    await toMenu(h, 'calm');
    now += 61_000;
    for (let i = 0; i < 6; i++) await h.text('flooder', 'spam');
    await h.delivered('calm');
    h.adapter.sent.length = 0;
    await h.text('calm', 'qwerty');
    expect(await h.delivered('calm')).toEqual([h.t('en', 'common:unknown'), h.t('en', 'menu:main.text')]);
  });
});

describe('flood limit across instances (PostgreSQL)', () => {
  it('should count a person’s messages on every instance together', async () => {
    const postgres = BACKENDS.find((b) => b.name === 'postgres');
    if (!postgres) throw new Error('no PostgreSQL backend');
    let now = Date.now() - 3_600_000;
    const a = await EngineHarness.open({
      ...(await postgres.fresh()),
      clock: () => now,
      floodMaxPerMinute: 4,
    });
    const b = await a.reopen();
    harnesses.push(a, b);
    await toMenu(a, 'u1');
    await a.delivered('u1');
    now += 61_000;
    a.adapter.sent.length = 0;
    // the load balancer sends them to one instance or the other
    for (let i = 0; i < 8; i++) await (i % 2 === 0 ? a : b).text('u1', `qwerty ${i}`);
    const both = [...(await a.delivered('u1')), ...(await b.delivered('u1'))];
    expect(both.filter((t) => t === a.t('en', 'common:unknown'))).toHaveLength(4);
    expect(both.filter((t) => t === a.t('en', 'safety:flood'))).toHaveLength(1);
    expect(await inboundCount(a, 'u1')).toBe(4 + 8);
  });
});
