/**
 * Copies the WAL back into the database file from a worker thread, so the main thread seldom has
 * to. A checkpoint ends with an fsync of every page it copied (about 25 µs a page on the VM the
 * bench ran on): done by a COMMIT that reached `wal_autocheckpoint`, that was 30–40 ms during
 * which nobody was answered, ten times in ten seconds at 200 messages a second. Here a second
 * connection runs PASSIVE checkpoints (they never wait for or block the writer) every 50 ms;
 * the main connection keeps its autocheckpoint as a fallback, which then finds little left
 * to copy and sync. Durability is SQLite's own (`synchronous = NORMAL` on both connections).
 *
 * The worker is plain JavaScript evaluated from a string: it runs the same under tsx, vitest and
 * the compiled build. It starts a while after the database opens (not on the start-up path, and
 * short-lived stores in tests and tools never start one) and never keeps the process alive.
 */
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';

/** How often the worker looks for WAL frames to copy back. */
export const CHECKPOINT_INTERVAL_MS = 50;
/** Delay before the worker starts. */
export const CHECKPOINT_START_DELAY_MS = 1_000;

const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.driver);
const db = new Database(workerData.path, { fileMustExist: true });
db.pragma('synchronous = NORMAL');
db.pragma('busy_timeout = 0');
let checkpoints = 0;
const timer = setInterval(() => {
  try {
    const [r] = db.pragma('wal_checkpoint(PASSIVE)');
    if (r && r.checkpointed > 0) checkpoints++;
    parentPort.postMessage({ checkpoints, log: r ? r.log : 0, checkpointed: r ? r.checkpointed : 0 });
  } catch {
    // busy (e.g. the main connection truncating the WAL): the next tick tries again
  }
}, workerData.intervalMs);
parentPort.on('message', (m) => {
  if (m !== 'stop') return;
  clearInterval(timer);
  db.close();
  parentPort.close();
});
`;

export interface CheckpointerStats {
  /** The worker is running. */
  running: boolean;
  /** Checkpoints that copied at least one frame back. */
  checkpoints: number;
  /** Frames in the WAL and frames copied back, at the worker's last look. */
  log: number;
  checkpointed: number;
}

export interface Checkpointer {
  readonly stats: CheckpointerStats;
  stop(): Promise<void>;
}

export function startCheckpointer(
  path: string,
  options: { delayMs?: number; intervalMs?: number } = {},
): Checkpointer {
  const stats: CheckpointerStats = { running: false, checkpoints: 0, log: 0, checkpointed: 0 };
  let worker: Worker | undefined;
  let stopped = false;
  const start = () => {
    if (stopped) return;
    const driver = createRequire(import.meta.url).resolve('better-sqlite3');
    worker = new Worker(WORKER_SOURCE, {
      eval: true,
      workerData: { path, driver, intervalMs: options.intervalMs ?? CHECKPOINT_INTERVAL_MS },
    });
    worker.unref();
    stats.running = true;
    worker.on('message', (m: Omit<CheckpointerStats, 'running'>) => Object.assign(stats, m));
    // A worker that fails leaves the main connection's own autocheckpoint to do the work.
    worker.on('error', () => {});
    worker.on('exit', () => {
      stats.running = false;
    });
  };
  const timer = setTimeout(start, options.delayMs ?? CHECKPOINT_START_DELAY_MS);
  timer.unref();
  return {
    stats,
    async stop() {
      stopped = true;
      clearTimeout(timer);
      const w = worker;
      if (!w || !stats.running) return;
      const exited = new Promise<void>((resolve) => w.once('exit', () => resolve()));
      // held while it stops: an unref'd worker alone would let the event loop end under our await
      w.ref();
      w.postMessage('stop');
      await exited;
    },
  };
}
