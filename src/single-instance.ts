/**
 * Runs a channel that may receive on one instance only (Telegram long polling, the WhatsApp
 * client) on whichever instance holds its database lock. The others log one line and try again
 * now and then, so one of them takes over when the holder dies. On SQLite (one process) the lock
 * is always free.
 */
import type { HeldLock, Store } from './core/ports.js';
import type { ChannelAdapter, InboundSink } from './core/types.js';
import type { Logger } from './logger.js';

export const TAKEOVER_RETRY_MS = 10_000;

export function runSingleInstance(
  store: Store,
  adapter: ChannelAdapter,
  sink: InboundSink,
  logger: Logger,
  retryMs = TAKEOVER_RETRY_MS,
  /** Told whether the channel runs here, waits for another instance, or failed to start. */
  onState: (state: 'running' | 'standby' | 'failed') => void = () => {},
): { ready: Promise<void>; stop: () => Promise<void> } {
  let stopped = false;
  let held: HeldLock | undefined;
  let timer: NodeJS.Timeout | undefined;
  let waitingLogged = false;

  const attempt = async (): Promise<void> => {
    if (stopped) return;
    try {
      const lock = await store.tryLock(`channel:${adapter.channel}`);
      if (!lock) {
        if (!waitingLogged)
          logger.info(
            { channel: adapter.channel },
            'another instance runs this channel; this one takes over if that one stops',
          );
        waitingLogged = true;
        onState('standby');
        schedule();
        return;
      }
      if (stopped) return void (await lock.release());
      held = lock;
      waitingLogged = false;
      logger.info({ channel: adapter.channel }, 'this instance runs the channel');
      await adapter.start(sink).then(
        () => onState('running'),
        (err: unknown) => {
          onState('failed');
          logger.error({ err, channel: adapter.channel }, 'channel failed to start');
        },
      );
      void lock.lost.then(async () => {
        if (stopped || held !== lock) return;
        logger.warn({ channel: adapter.channel }, 'lost the channel lock; stopping it here');
        held = undefined;
        onState('standby');
        await adapter.stop().catch(() => {});
        schedule();
      });
    } catch (err) {
      logger.error({ err, channel: adapter.channel }, 'could not take the channel lock; will retry');
      schedule();
    }
  };
  const schedule = () => {
    if (stopped) return;
    timer = setTimeout(() => void attempt(), retryMs);
    timer.unref();
  };
  const first = attempt();

  const stop = async () => {
    stopped = true;
    if (timer) clearTimeout(timer);
    await first;
    if (held) {
      await adapter
        .stop()
        .catch((err: unknown) => logger.warn({ err, channel: adapter.channel }, 'channel stop failed'));
      await held.release();
      held = undefined;
    }
  };
  // `ready`: the first attempt is over (the channel runs here, or another instance has it)
  return { ready: first, stop };
}
