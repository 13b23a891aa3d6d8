/**
 * The engine's turn against a bare floor, on one SQLite file, in the same run:
 *   engine  — receive(): dedupe, contact, restore, send, render, encrypt, ONE transaction with
 *             snapshot + message log + outbox rows (what every message costs in production)
 *   bare    — restore an XState snapshot, send the event, persist the snapshot to the same file
 *             (one transaction each; no crypto, no log, no outbox): what SQLite + XState allow
 * Each person walks the legal topics (a topic, then back: one reply per message), with 1, 100
 * and 10,000 conversations sending at once. Latency percentiles are of one message in flight
 * (the cost of a turn); throughput is with every conversation sending at the same time.
 */
import Database from 'better-sqlite3';
import { createActor } from 'xstate';
import { legalMachine } from '../flows/legal.js';
import type { ConversationRecord } from '../src/core/ports.js';
import { EngineHarness } from '../test/helpers/engine-harness.js';
import { type BenchContext, type BenchModule, fmt, median, percentile, repeat, type Table } from './lib.js';
import { PG_SETTINGS } from './postgres.js';

/** Walks one person to the legal topics; the others are copies of that conversation. */
export async function seedConversations(h: EngineHarness, n: number, prefix: string): Promise<BenchUser[]> {
  const template = `${prefix}-template`;
  await h.command(template, 'start');
  await h.choose(template, 'en');
  await h.choose(template, 'yes');
  await h.choose(template, 'me');
  await h.choose(template, 'legal');
  const tc = (await h.store.getConversation(h.cipher.pseudonym('webchat', template))) as ConversationRecord;
  if (tc.flow !== 'legal') throw new Error(`bench setup: expected the legal flow, got ${tc.flow}`);
  const users: BenchUser[] = [];
  for (let start = 0; start < n; start += 500) {
    await h.store.transaction(async (tx) => {
      for (let i = start; i < Math.min(n, start + 500); i++) {
        const userId = `${prefix}${i}`;
        const id = h.cipher.pseudonym('webchat', userId);
        await tx.upsertContact({ id, channel: 'webchat', address: userId, now: Date.now() });
        await tx.setContactLang(id, 'en');
        await tx.createConversation(
          {
            contactId: id,
            channel: 'webchat',
            lang: 'en',
            status: 'bot',
            flow: tc.flow,
            flowVersion: tc.flowVersion,
            snapshot: tc.snapshot,
            riskLevel: null,
            who: tc.who,
          },
          Date.now(),
        );
        users.push({ id: userId, sent: 0 });
      }
    });
  }
  return users;
}

/** A seeded person and how many bench messages they sent (a topic, then back, and again). */
export interface BenchUser {
  id: string;
  sent: number;
}

const next = (u: { sent: number }) => (u.sent++ % 2 === 0 ? 'dv' : 'back');

export interface TurnFigures {
  perSecond: number;
  /** Messages per second of this process's CPU time (steadier than wall time on a shared machine). */
  perCpuSecond: number;
  p50: number;
  p99: number;
}

/** Every conversation sends one message at once, `rounds` times; then one at a time for latency. */
export async function engineTurns(
  engines: EngineHarness[],
  users: BenchUser[],
  rounds: number,
  latencySamples: number,
): Promise<TurnFigures> {
  const on = (i: number) => engines[i % engines.length] as EngineHarness;
  const started = performance.now();
  const cpu0 = process.cpuUsage();
  for (let r = 0; r < rounds; r++) await Promise.all(users.map((u, i) => on(i).choose(u.id, next(u))));
  const perSecond = (users.length * rounds) / ((performance.now() - started) / 1000);
  const perCpuSecond = (users.length * rounds) / cpuSeconds(cpu0);
  // one message in flight: the cost of a turn, round-robin over the conversations
  const lat: number[] = [];
  for (let k = 0; k < latencySamples; k++) {
    const i = k % users.length;
    const u = users[i] as BenchUser;
    const t0 = performance.now();
    await on(i).choose(u.id, next(u));
    lat.push(performance.now() - t0);
  }
  return { perSecond, perCpuSecond, p50: percentile(lat, 50), p99: percentile(lat, 99) };
}

export function cpuSeconds(since: NodeJS.CpuUsage): number {
  const d = process.cpuUsage(since);
  return (d.user + d.system) / 1e6;
}

/** The bare floor: restore, send, persist to the same SQLite file, one transaction per message. */
function bareTurns(
  dbPath: string,
  snapshot: unknown,
  n: number,
  rounds: number,
  samples: number,
): TurnFigures {
  const db = new Database(dbPath);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.exec('CREATE TABLE IF NOT EXISTS bench_bare (id INTEGER PRIMARY KEY, snapshot TEXT NOT NULL)');
  db.exec('DELETE FROM bench_bare');
  const insert = db.prepare('INSERT INTO bench_bare (id, snapshot) VALUES (?, ?)');
  db.transaction(() => {
    for (let i = 0; i < n; i++) insert.run(i, JSON.stringify(snapshot));
  })();
  const read = db.prepare('SELECT snapshot FROM bench_bare WHERE id = ?');
  const write = db.prepare('UPDATE bench_bare SET snapshot = ? WHERE id = ?');
  const turn = db.transaction((id: number, event: string) => {
    const row = read.get(id) as { snapshot: string };
    const actor = createActor(legalMachine, {
      snapshot: JSON.parse(row.snapshot),
      input: { lang: 'en', riskLevel: null, who: null },
    } as never);
    actor.start();
    actor.send({ type: `choice.${event}` } as never);
    write.run(JSON.stringify(actor.getPersistedSnapshot()), id);
    actor.stop();
  });
  const sent = new Array<number>(n).fill(0);
  const step = (i: number) => {
    sent[i] = (sent[i] ?? 0) + 1;
    return sent[i] % 2 === 1 ? 'dv' : 'back';
  };
  const started = performance.now();
  const cpu0 = process.cpuUsage();
  for (let r = 0; r < rounds; r++) for (let i = 0; i < n; i++) turn(i, step(i));
  const perSecond = (n * rounds) / ((performance.now() - started) / 1000);
  const perCpuSecond = (n * rounds) / cpuSeconds(cpu0);
  const lat: number[] = [];
  for (let k = 0; k < samples; k++) {
    const t0 = performance.now();
    turn(k % n, step(k % n));
    lat.push(performance.now() - t0);
  }
  db.close();
  return { perSecond, perCpuSecond, p50: percentile(lat, 50), p99: percentile(lat, 99) };
}

export const engineBench: BenchModule = {
  name: 'engine',
  async run(ctx: BenchContext): Promise<Table[]> {
    const sizes = [1, 100, 10_000];
    const rows: Table['rows'] = [];
    for (const n of sizes) {
      const h = await EngineHarness.open();
      const users = await seedConversations(h, n, 'e');
      const tc = (await h.store.getConversation(
        h.cipher.pseudonym('webchat', (users[0] as BenchUser).id),
      )) as ConversationRecord;
      const target = ctx.quick ? 200 : 5000;
      const rounds = Math.max(1, Math.round(target / n));
      const samples = ctx.quick ? 100 : 1500;
      // warm-up (in --quick on at most 1,000 of the people: 10,000 × 2 warm-up turns were most of its time)
      await engineTurns([h], ctx.quick ? users.slice(0, 1000) : users, 2, Math.min(200, samples));
      const engine: TurnFigures[] = [];
      const bare: TurnFigures[] = [];
      await repeat(ctx.repeats, async () => {
        engine.push(await engineTurns([h], users, rounds, samples));
        bare.push(bareTurns(h.dbPath, tc.snapshot, n, rounds, samples));
      });
      await h.close();
      const e = medianOf(engine);
      const b = medianOf(bare);
      rows.push([
        fmt(n, 0),
        fmt(e.perSecond, 0),
        fmt(b.perSecond, 0),
        `${fmt((100 * e.perSecond) / b.perSecond, 0)}%`,
        fmt(e.perCpuSecond, 0),
        fmt(b.perCpuSecond, 0),
        `${fmt((100 * e.perCpuSecond) / b.perCpuSecond, 0)}%`,
        fmt(e.p50, 3),
        fmt(e.p99, 3),
        fmt(b.p99, 3),
      ]);
    }
    const pgRows = await postgresTurns(ctx);
    return [
      {
        title: 'Engine turn on SQLite (one core) vs the bare floor of the same run',
        columns: [
          'conversations',
          'engine msg/s',
          'bare msg/s',
          'engine/bare',
          'engine msg/CPU-s',
          'bare msg/CPU-s',
          'ratio (CPU)',
          'engine p50 ms',
          'engine p99 ms',
          'bare p99 ms',
        ],
        rows,
        note: `Medians of ${ctx.repeats} runs. msg/s: wall clock, every conversation sending at once, round after round; msg/CPU-s: per second of this process's CPU time; p50/p99: one message in flight.`,
      },
      {
        title: 'Engine turn on PostgreSQL: one and two instances on one database (100 conversations)',
        columns: ['instances', 'msg/s', 'msg/CPU-s', 'p50 ms', 'p99 ms', 'SQLite msg/s (same run)'],
        rows: pgRows,
        note: `Two instances: two engines with their own connection pools in this process, people split between them (on this 2-core machine a second process would compete for the same cores). PostgreSQL: ${PG_SETTINGS}.`,
      },
    ];
  },
};

export function medianOf(list: TurnFigures[]): TurnFigures {
  return {
    perSecond: median(list.map((x) => x.perSecond)),
    perCpuSecond: median(list.map((x) => x.perCpuSecond)),
    p50: median(list.map((x) => x.p50)),
    p99: median(list.map((x) => x.p99)),
  };
}

/** The same turns on PostgreSQL, with one engine and with two on the same database. */
async function postgresTurns(ctx: BenchContext): Promise<Table['rows']> {
  const n = 100;
  const rounds = ctx.quick ? 2 : 20;
  const samples = ctx.quick ? 50 : 500;
  const url = await ctx.postgres();
  if (!url) return [['—', 'PostgreSQL not installed', '', '', '', '']];
  // SQLite in the same run, for comparison
  const sqlite = await EngineHarness.open();
  const sUsers = await seedConversations(sqlite, n, 's');
  await engineTurns([sqlite], sUsers, 1, 0);
  const sFig = await engineTurns([sqlite], sUsers, rounds, 0);
  await sqlite.close();
  const rows: Table['rows'] = [];
  for (const instances of [1, 2]) {
    const dbUrl = instances === 1 ? url : await ctx.postgres();
    const first = await EngineHarness.open({ databaseUrl: dbUrl ?? url });
    const engines = [first];
    if (instances === 2) engines.push(await first.reopen());
    const users = await seedConversations(first, n, 'g');
    await engineTurns(engines, users, 1, 50); // warm-up
    const figs: TurnFigures[] = [];
    await repeat(ctx.repeats, async () => void figs.push(await engineTurns(engines, users, rounds, samples)));
    for (const e of engines) await e.close();
    const f = medianOf(figs);
    rows.push([
      String(instances),
      fmt(f.perSecond, 0),
      fmt(f.perCpuSecond, 0),
      fmt(f.p50, 2),
      fmt(f.p99, 2),
      fmt(sFig.perSecond, 0),
    ]);
  }
  return rows;
}
