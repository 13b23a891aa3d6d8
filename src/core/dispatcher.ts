/**
 * Delivers outbox rows through the channel adapters, after their turn has committed.
 * Each row is claimed before sending (so no two workers send it), sent in order per conversation,
 * retried with backoff on transient errors, and given up on when the person blocked the bot.
 * A crash leaves claimed rows 'sending'; start() puts them back, so nothing committed is lost.
 */

import type { EngineLogger } from './engine.js';
import { DeliveryError } from './errors.js';
import type { OutboxItem, Store } from './ports.js';
import type { Channel, ChannelAdapter } from './types.js';

export interface DispatcherOptions {
  store: Store;
  adapters: ReadonlyMap<Channel, ChannelAdapter>;
  logger: EngineLogger;
  clock?: () => number;
  /** Items in flight at once across all conversations. */
  concurrency?: number;
  /** How often to look for items whose retry time has come. */
  pollMs?: number;
  /** Attempts before an item fails for good. */
  maxAttempts?: number;
  /** Backoff for attempt n (1-based) when the platform gave no retry_after. */
  backoffMs?: (attempt: number) => number;
}

export const DEFAULT_MAX_ATTEMPTS = 8;
export const defaultBackoff = (attempt: number) =>
  Math.min(2 ** (attempt - 1) * 1000, 5 * 60_000) * (0.75 + Math.random() * 0.5);

export class OutboxDispatcher {
  readonly #o: Required<DispatcherOptions>;
  readonly #inFlight = new Set<Promise<void>>();
  #timer: NodeJS.Timeout | undefined;
  #running = false;
  #pumping = false;
  #again = false;

  constructor(options: DispatcherOptions) {
    this.#o = {
      clock: Date.now,
      concurrency: 8,
      pollMs: 500,
      maxAttempts: DEFAULT_MAX_ATTEMPTS,
      backoffMs: defaultBackoff,
      ...options,
    };
  }

  start(): void {
    if (this.#running) return;
    this.#running = true;
    const released = this.#o.store.releaseStaleClaims();
    if (released > 0) this.#o.logger.warn({ released }, 'resending items interrupted by a restart');
    this.#timer = setInterval(() => this.wake(), this.#o.pollMs);
    this.#timer.unref();
    this.wake();
  }

  async stop(): Promise<void> {
    this.#running = false;
    if (this.#timer) clearInterval(this.#timer);
    await Promise.all(this.#inFlight);
  }

  /** Look for due items now (called after each committed turn). */
  wake(): void {
    if (!this.#running) return;
    if (this.#pumping) {
      this.#again = true;
      return;
    }
    this.#pumping = true;
    try {
      do {
        this.#again = false;
        const free = this.#o.concurrency - this.#inFlight.size;
        if (free <= 0) break;
        const channels = [...this.#o.adapters.keys()];
        const items = this.#o.store.claimOutbox(this.#o.clock(), free, channels);
        for (const item of items) {
          const p: Promise<void> = this.#deliver(item).finally(() => {
            this.#inFlight.delete(p);
            this.wake();
          });
          this.#inFlight.add(p);
        }
      } while (this.#again);
    } finally {
      this.#pumping = false;
    }
  }

  /** Resolves when nothing is due or in flight (tests and shutdown). */
  async drain(timeoutMs = 10_000): Promise<void> {
    const until = Date.now() + timeoutMs;
    while (Date.now() < until) {
      this.wake();
      if (this.#inFlight.size === 0 && this.#o.store.pendingOutboxCount() === 0) return;
      await Promise.race([...this.#inFlight, new Promise((r) => setTimeout(r, 20))]);
    }
    throw new Error('outbox did not drain in time');
  }

  async #deliver(item: OutboxItem): Promise<void> {
    const { store, logger } = this.#o;
    const adapter = this.#o.adapters.get(item.channel);
    try {
      if (!adapter) throw new DeliveryError(item.channel, 'channel not running', { retryable: true });
      const result = await adapter.send(item.address, item.message);
      store.markOutboxSent(item.id, result.refs, this.#o.clock());
    } catch (error) {
      const e =
        error instanceof DeliveryError
          ? error
          : new DeliveryError(item.channel, 'unexpected send error', { retryable: true, cause: error });
      const reason = `${e.message}`.slice(0, 200);
      if (e.blocked) {
        store.markOutboxFailed(item.id, 'blocked', this.#o.clock());
        if (item.contactId) {
          store.setContactUnreachable(item.contactId, true);
          store.failPendingOutbox(item.contactId, 'blocked', this.#o.clock());
        }
        logger.warn(
          { channel: item.channel, outbox: item.id },
          'recipient blocked the bot; not sending to them',
        );
      } else if (e.retryable && item.attempts < this.#o.maxAttempts) {
        const delay = Math.max(e.retryAfterMs ?? 0, this.#o.backoffMs(item.attempts));
        store.markOutboxRetry(item.id, reason, this.#o.clock() + delay);
        logger.warn(
          { channel: item.channel, outbox: item.id, attempt: item.attempts, delay },
          'delivery will be retried',
        );
      } else {
        store.markOutboxFailed(item.id, reason, this.#o.clock());
        logger.error(
          { channel: item.channel, outbox: item.id, attempt: item.attempts, reason },
          'delivery failed',
        );
      }
    }
  }
}
