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
  const purge = () => {
    const removed = store.purgeExpired(clock() - retentionDays * 24 * HOUR);
    if (Object.values(removed).some((n) => n > 0)) logger.info(removed, 'expired data purged');
  };
  purge();
  const timer = setInterval(purge, HOUR);
  timer.unref();
  return () => clearInterval(timer);
}
