/**
 * The one lane through which every SQLite statement and transaction runs, with group commit.
 *
 * better-sqlite3 is synchronous and has one connection, so work runs one job at a time. A COMMIT
 * writes every page the transaction dirtied to the WAL, and costs more than the rest of a turn's
 * statements together. When jobs queue up behind each other (many people writing at once) they
 * run back to back inside one transaction, each transaction-job in its own SAVEPOINT, and share
 * one COMMIT:
 *   - each job stays all-or-nothing: a job that throws is rolled back to its savepoint and
 *     rejected; the others in the group are not affected;
 *   - nothing is reported done before the COMMIT that carries it (its promise resolves after the
 *     COMMIT, so an outbox row is never claimed, and no live view hears of it, before it is durable);
 *   - with nothing queued a job commits on its own at once: one message in flight waits for no one.
 * A group is bounded in jobs and in time, so the first job of a group waits at most that long.
 */
import type Database from 'better-sqlite3';

/** Most jobs sharing one COMMIT. */
export const GROUP_MAX_JOBS = 64;
/**
 * A group stops taking jobs after this long, so its first job is not held for long. Longer groups
 * save more COMMITs but slow paths of several steps (claim, send, mark sent): each step waits for
 * its group (4 ms doubled the reply latency of test/scale/flood-fairness.test.ts; 2 ms did not).
 */
export const GROUP_MAX_MS = 2;

/** Most time the lane works without letting timers and sockets run. */
export const YIELD_AFTER_MS = 5;

interface Job {
  /** A transaction (own savepoint) or a single statement. */
  tx: boolean;
  run: () => Promise<unknown> | unknown;
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
}

export interface GroupCommitLane {
  /** Runs `fn` as one all-or-nothing unit, in order with every other job; resolves once committed. */
  transaction<T>(fn: () => Promise<T> | T): Promise<T>;
  /** Runs one statement in order with every other job (inside an open group, committed with it). */
  statement<T>(fn: () => T): Promise<T>;
  /** Resolves when nothing is queued or running. */
  idle(): Promise<void>;
  /** How many COMMITs and jobs so far (the bench shows jobs per COMMIT). */
  readonly stats: { commits: number; jobs: number };
}

export function createGroupCommitLane(db: Database.Database): GroupCommitLane {
  const begin = db.prepare('BEGIN IMMEDIATE');
  const commit = db.prepare('COMMIT');
  const rollback = db.prepare('ROLLBACK');
  const savepoint = db.prepare('SAVEPOINT job');
  const release = db.prepare('RELEASE job');
  const rollbackTo = db.prepare('ROLLBACK TO job');
  const queue: Job[] = [];
  let head = 0;
  /** The running drain; cleared in the same synchronous step that finds the queue empty. */
  let draining: Promise<void> | undefined;
  const stats = { commits: 0, jobs: 0 };

  const submit = <T>(tx: boolean, run: () => Promise<T> | T): Promise<T> =>
    new Promise<T>((resolve, reject) => {
      queue.push({ tx, run, resolve: resolve as (v: unknown) => void, reject });
      draining ??= drain();
    });

  const next = (): Job | undefined => {
    const job = queue[head];
    if (job === undefined) return undefined;
    queue[head++] = undefined as never;
    if (head > 1024 && head * 2 > queue.length) {
      queue.splice(0, head);
      head = 0;
    }
    return job;
  };

  async function drain(): Promise<void> {
    // Let the caller's synchronous code finish first, so jobs submitted together group together.
    await Promise.resolve();
    await fairToTheEventLoop();
    try {
      for (let job = next(); job; job = next()) {
        if (!job.tx) {
          // A lone statement outside any group runs in autocommit, as it would without the lane.
          settle(job, () => job.run());
          continue;
        }
        await runGroup(job);
        await fairToTheEventLoop();
      }
    } finally {
      draining = undefined;
    }
  }

  /**
   * Jobs that queue themselves from promise callbacks (a person's backlog, one message after the
   * other) never leave the microtask queue: without a pause, timers and sockets (the dispatcher,
   * HTTP requests, other people's messages) would wait until the backlog is done. After
   * YIELD_AFTER_MS of work the lane lets the event loop run once.
   */
  let lastYield = performance.now();
  async function fairToTheEventLoop(): Promise<void> {
    if (performance.now() - lastYield < YIELD_AFTER_MS) return;
    await new Promise<void>((resolve) => setImmediate(resolve));
    lastYield = performance.now();
  }

  async function runGroup(first: Job): Promise<void> {
    const done: Array<{ job: Job; value: unknown }> = [];
    const started = performance.now();
    try {
      begin.run();
    } catch (error) {
      // e.g. SQLITE_BUSY: another process held the file longer than busy_timeout. This job fails
      // (the engine answers with its fallback); the lane goes on with the next.
      first.reject(error);
      return;
    }
    stats.commits++;
    for (let job: Job | undefined = first; job; ) {
      stats.jobs++;
      try {
        if (job.tx) savepoint.run();
        const value = await job.run();
        if (job.tx) release.run();
        done.push({ job, value });
      } catch (error) {
        if (!db.inTransaction) {
          // SQLite ended the whole transaction (e.g. disk full): every job of the group is lost.
          for (const d of done) d.job.reject(error);
          job.reject(error);
          return;
        }
        if (job.tx) {
          rollbackTo.run();
          release.run();
        }
        job.reject(error);
      }
      if (done.length >= GROUP_MAX_JOBS || performance.now() - started >= GROUP_MAX_MS) break;
      job = next();
    }
    try {
      commit.run();
    } catch (error) {
      if (db.inTransaction) rollback.run();
      for (const d of done) d.job.reject(error);
      return;
    }
    for (const d of done) d.job.resolve(d.value);
  }

  function settle(job: Job, fn: () => unknown): void {
    try {
      job.resolve(fn());
    } catch (error) {
      job.reject(error);
    }
  }

  return {
    transaction: (fn) => submit(true, fn),
    statement: (fn) => submit(false, fn),
    async idle() {
      while (draining) await draining;
    },
    stats,
  };
}
