/** Purges old data on a timer: whatever is older than RETENTION_DAYS (see Store.purgeExpired). */
import type { EngineLogger } from '../core/engine.js';
import type { Store } from '../core/ports.js';

const HOUR = 3_600_000;

export function startRetention(
  store: Store,
  retentionDays: number,
  logger: EngineLogger,
  clock: () => number = Date.now,
): () => void {
  const purge = async () => {
    try {
      const removed = await store.purgeExpired(clock() - retentionDays * 24 * HOUR);
      if (Object.values(removed).some((n) => n > 0)) logger.info(removed, 'expired data purged');
    } catch (err) {
      // A busy or full database must not end the process: the next hour tries again.
      logger.error({ err }, 'retention purge failed; will retry');
    }
  };
  // After start-up, never in its way.
  const first = setTimeout(() => void purge(), 1000);
  first.unref();
  const timer = setInterval(() => void purge(), HOUR);
  timer.unref();
  return () => {
    clearTimeout(first);
    clearInterval(timer);
  };
}
