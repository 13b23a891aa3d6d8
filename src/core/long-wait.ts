/**
 * Tells a person who has waited in the counsellor queue longer than HANDOFF_MAX_WAIT_MINUTES,
 * once and kindly, that nobody could take the chat yet, with 111 / 150. Safe with several
 * instances: each notice is claimed in the person's own turn transaction (Engine.notifyLongWait).
 */
import type { Engine, EngineLogger } from './engine.js';
import type { Store } from './ports.js';

/** How often the queue is looked at. */
export const LONG_WAIT_CHECK_MS = 60_000;
/** Notices sent per check (the rest wait for the next check). */
const BATCH = 50;

export interface LongWaitDeps {
  store: Store;
  engine: Pick<Engine, 'notifyLongWait'>;
  maxWaitMinutes: number;
  logger: EngineLogger;
  clock?: () => number;
  intervalMs?: number;
}

/** One pass: notify everyone who has waited too long. Never throws. Resolves how many were told. */
export async function notifyLongWaits({
  store,
  engine,
  maxWaitMinutes,
  logger,
  clock = Date.now,
}: LongWaitDeps): Promise<number> {
  let told = 0;
  try {
    const since = clock() - maxWaitMinutes * 60_000;
    const ids = await store.longWaiting(since, BATCH);
    for (const id of ids) {
      try {
        if (await engine.notifyLongWait(id, since)) told++;
      } catch (err) {
        // one person's failure must not keep the others from hearing from us
        logger.error({ err, conversationId: id }, 'long-wait notice failed; will retry');
      }
    }
  } catch (err) {
    logger.error({ err }, 'long-wait check failed; will retry');
  }
  if (told > 0) logger.info({ told }, 'long-wait notices sent');
  return told;
}

/** Runs `notifyLongWaits` on a timer; returns a stop function. */
export function startLongWaitNotices(deps: LongWaitDeps): () => void {
  let running = false;
  const tick = async () => {
    if (running) return;
    running = true;
    await notifyLongWaits(deps);
    running = false;
  };
  const timer = setInterval(() => void tick(), deps.intervalMs ?? LONG_WAIT_CHECK_MS);
  timer.unref();
  return () => clearInterval(timer);
}
