/**
 * Group commit on the SQLite lane (src/store/sqlite/group-commit.ts), on a real file, read back
 * through a second connection: jobs that queue up share one COMMIT, each job stays all-or-nothing,
 * and no job is reported done before the COMMIT that carries it.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { createGroupCommitLane, GROUP_MAX_JOBS } from '../../src/store/sqlite/group-commit.js';

const open: Database.Database[] = [];
afterEach(() => {
  for (const db of open.splice(0)) db.close();
});

function files() {
  const path = join(mkdtempSync(join(tmpdir(), 'tirek-group-')), 'g.db');
  const db = new Database(path);
  db.pragma('journal_mode = WAL');
  db.exec(`CREATE TABLE parent (id INTEGER PRIMARY KEY);
    CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT NOT NULL,
      parent INTEGER REFERENCES parent(id) DEFERRABLE INITIALLY DEFERRED)`);
  db.pragma('foreign_keys = ON');
  const reader = new Database(path, { readonly: true });
  open.push(db, reader);
  const lane = createGroupCommitLane(db);
  const insert = db.prepare('INSERT INTO t (v, parent) VALUES (?, ?)');
  const seen = (v: string) =>
    reader.prepare('SELECT count(*) AS n FROM t WHERE v = ?').get(v) as { n: number };
  return { db, lane, insert, seen: (v: string) => seen(v).n };
}

describe('group commit on the SQLite lane', () => {
  it('should let jobs queued together share one COMMIT, each visible to another connection once it resolves', async () => {
    const { lane, insert, seen } = files();
    const visibleAtResolve: number[] = [];
    const jobs = Array.from({ length: 10 }, (_, i) =>
      lane
        .transaction(async () => {
          insert.run(`v${i}`, null);
          return i;
        })
        .then((value) => {
          // resolved means committed: a second connection reads this job's row and the last one's
          visibleAtResolve.push(seen(`v${value}`) + seen('v9'));
          return value;
        }),
    );
    expect(await Promise.all(jobs)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(visibleAtResolve).toEqual(Array(10).fill(2));
    expect(lane.stats).toEqual({ commits: 1, jobs: 10 });
  });

  it('should commit a lone job at once, not wait for company', async () => {
    const { lane, insert, seen } = files();
    for (let i = 0; i < 3; i++) {
      await lane.transaction(async () => insert.run(`alone${i}`, null));
      expect(seen(`alone${i}`)).toBe(1);
    }
    expect(lane.stats.commits).toBe(3);
  });

  it('should roll back a failing job alone and keep the others of its group', async () => {
    const { lane, insert, seen } = files();
    const a = lane.transaction(async () => insert.run('a', null));
    const b = lane.transaction(async () => {
      insert.run('b', null);
      throw new Error('turn failed');
    });
    const c = lane.transaction(async () => insert.run('c', null));
    await expect(b).rejects.toThrow('turn failed');
    await Promise.all([a, c]);
    expect([seen('a'), seen('b'), seen('c')]).toEqual([1, 0, 1]);
    expect(lane.stats.commits).toBe(1);
  });

  it('should reject every job of a group whose COMMIT fails, leaving nothing of them', async () => {
    const { lane, insert, seen, db } = files();
    db.prepare('INSERT INTO parent (id) VALUES (1)').run();
    const good = lane.transaction(async () => insert.run('good', 1));
    // a deferred foreign key is checked at COMMIT: this job makes the whole COMMIT fail
    const bad = lane.transaction(async () => insert.run('bad', 999));
    const results = await Promise.allSettled([good, bad]);
    expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected']);
    expect([seen('good'), seen('bad')]).toEqual([0, 0]);
    // the lane goes on: the next job commits
    await lane.transaction(async () => insert.run('after', 1));
    expect(seen('after')).toBe(1);
  });

  it('should bound a group, so the first job of a long queue is not held back by all of it', async () => {
    const { lane, insert } = files();
    const n = GROUP_MAX_JOBS * 3;
    await Promise.all(
      Array.from({ length: n }, (_, i) => lane.transaction(async () => insert.run(`q${i}`, null))),
    );
    expect(lane.stats.jobs).toBe(n);
    expect(lane.stats.commits).toBeGreaterThanOrEqual(3);
  });

  it('should run a statement outside a group in autocommit, and one inside a group with it', async () => {
    const { lane, insert, seen } = files();
    await lane.statement(() => insert.run('plain', null));
    expect(seen('plain')).toBe(1);
    expect(lane.stats.commits).toBe(0);
    const inGroup = [
      lane.transaction(async () => insert.run('tx', null)),
      lane.statement(() => insert.run('joined', null)),
    ];
    await Promise.all(inGroup);
    expect([seen('tx'), seen('joined')]).toEqual([1, 1]);
    expect(lane.stats).toEqual({ commits: 1, jobs: 2 });
  });

  it('should keep the order in which jobs were queued', async () => {
    const { lane, db } = files();
    db.exec('CREATE TABLE log (n INTEGER)');
    const add = db.prepare('INSERT INTO log (n) VALUES (?)');
    await Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        i % 3 === 0 ? lane.statement(() => add.run(i)) : lane.transaction(async () => add.run(i)),
      ),
    );
    const order = (db.prepare('SELECT n FROM log ORDER BY rowid').all() as Array<{ n: number }>).map(
      (r) => r.n,
    );
    expect(order).toEqual(Array.from({ length: 50 }, (_, i) => i));
  });

  it('should let timers run while a backlog keeps queueing itself one job after the other', async () => {
    const { lane, insert } = files();
    // one person's backlog: each message is queued only when the one before has been handled
    let handled = 0;
    let handledWhenTimerFired = -1;
    const timer = new Promise<void>((resolve) =>
      setTimeout(() => {
        handledWhenTimerFired = handled;
        resolve();
      }, 0),
    );
    const started = performance.now();
    const backlog = async (): Promise<void> => {
      while (performance.now() - started < 100) {
        await lane.transaction(async () => insert.run(`b${handled}`, null));
        handled++;
      }
    };
    await backlog();
    await timer;
    expect(handledWhenTimerFired).toBeGreaterThanOrEqual(0);
    expect(handledWhenTimerFired).toBeLessThan(handled);
  });

  it('should fail a job whose BEGIN finds the file locked, and go on with the next', async () => {
    const { lane, insert, seen, db } = files();
    // another connection (an admin CLI, a backup) holds the write lock; this one does not wait
    const other = new Database(db.name);
    open.push(other);
    other.exec('BEGIN IMMEDIATE');
    await expect(lane.transaction(async () => insert.run('while-locked', null))).rejects.toThrow(/locked/);
    other.exec('COMMIT');
    await lane.transaction(async () => insert.run('after-unlock', null));
    expect([seen('while-locked'), seen('after-unlock')]).toEqual([0, 1]);
  });
});
