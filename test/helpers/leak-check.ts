/**
 * For the leak tests (test/channels/leaks/): strings a person plants in a conversation, a logger
 * that writes every line at trace level to a file, and a search of every file the app wrote (and,
 * on PostgreSQL, every row) for those strings in clear text.
 */
import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import Database from 'better-sqlite3';
import pg from 'pg';
import { pino } from 'pino';
import { createLogger, type Logger } from '../../src/logger.js';
import { storedBytes } from './stored-text.js';

export interface Planted {
  /** Found nowhere else: proves a string travelled. */
  marker: string;
  /** As a person types it, and the digits a search must also miss. */
  phone: string;
  phoneDigits: string[];
  name: string;
  street: string;
}

export function plant(): Planted {
  const marker = `TIREKLEAK${randomBytes(4).toString('hex').toUpperCase()}`;
  return {
    marker,
    phone: '+7 701 555 01 23',
    phoneDigits: ['77015550123', '7015550123'],
    name: 'Aigerim Nurlanovna',
    street: 'Kunaeva 41-17',
  };
}

/** A sentence carrying every planted string, as a frightened person might write it. */
export function plantedSentence(p: Planted): string {
  return `My name is ${p.name}, I live at ${p.street}, my number is ${p.phone}. ${p.marker}`;
}

/** Every string that must not appear in clear, with extra ids of the channel (chat id, number, session). */
export function needles(p: Planted, ...ids: string[]): string[] {
  return [p.marker, p.phone, ...p.phoneDigits, p.name, 'Nurlanovna', p.street, ...ids];
}

/** A logger at trace level writing synchronously to `file` (read back by the tests). */
export function fileLogger(file: string): Logger {
  return createLogger('trace', pino.destination({ dest: file, sync: true, mkdir: true }));
}

/** Every file under `dir`, except the folders named in `skip` (e.g. WhatsApp's own login store). */
export function filesUnder(dir: string, skip: readonly string[] = []): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const name of readdirSync(d)) {
      const path = join(d, name);
      if (skip.includes(path)) continue;
      if (statSync(path).isDirectory()) walk(path);
      else out.push(path);
    }
  };
  walk(dir);
  return out;
}

export interface Leak {
  where: string;
  needle: string;
}

/**
 * Searches every file under `dir` (the database, its WAL and shared memory, the key file, the
 * log) and, on PostgreSQL, every row of every table for each needle, as UTF-8 bytes.
 */
export async function findLeaks(options: {
  dir: string;
  needles: readonly string[];
  databaseUrl?: string | undefined;
  skip?: readonly string[];
}): Promise<Leak[]> {
  const leaks: Leak[] = [];
  const search = (where: string, bytes: Buffer) => {
    for (const needle of options.needles)
      if (bytes.includes(Buffer.from(needle, 'utf8'))) leaks.push({ where, needle });
  };
  for (const file of filesUnder(options.dir, options.skip))
    search(relative(options.dir, file), readFileSync(file));
  if (options.databaseUrl) {
    const rows = await storedBytes({ dbPath: '', databaseUrl: options.databaseUrl });
    for (const bytes of rows) search('postgresql', bytes);
  }
  return leaks;
}

/** The log file's lines, parsed. */
export function logLines(file: string): Array<Record<string, unknown>> {
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

/** The conversation waiting in the hand-off queue (the test has one person), as the console would list it. */
export async function queuedConversationId(target: {
  dbPath: string;
  env: Record<string, string>;
}): Promise<number> {
  const sql = 'SELECT conversation_id AS id FROM handoff_queue ORDER BY queued_at LIMIT 1';
  const url = target.env.DATABASE_URL;
  if (url) {
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      const { rows } = await client.query<{ id: string | number }>(sql);
      if (!rows[0]) throw new Error('nobody is queued');
      return Number(rows[0].id);
    } finally {
      await client.end();
    }
  }
  const db = new Database(target.dbPath, { readonly: true });
  try {
    const row = db.prepare(sql).get() as { id: number } | undefined;
    if (!row) throw new Error('nobody is queued');
    return row.id;
  } finally {
    db.close();
  }
}
