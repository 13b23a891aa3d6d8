/**
 * Delivers outbox rows through the channel adapters, after their turn has committed.
 * Each row is claimed before sending (so no two workers, on any instance, send it), sent in order
 * per person, and retried with capped backoff for as long as `maxAgeMs` allows: an outage of
 * hours loses nothing. Only a permanent answer (blocked, chat gone) fails a row at once.
 * Claims of an instance that died are released after a lease; a row that cannot be read is
 * failed with a reason and the rest carry on.
 */

import { scrubText } from '../privacy/scrub.js';
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
  /** How long a row keeps being retried after it was written (default 24 hours). */
  maxAgeMs?: number;
  /** Backoff for attempt n (1-based) when the platform gave no retry_after. */
  backoffMs?: (attempt: number) => number;
  /** A claim older than this belongs to a dead instance and is released. */
  claimLeaseMs?: number;
  /** Channels whose rows this dispatcher leaves alone (delivered by a puller, e.g. web chat streams). */
  pulledChannels?: readonly Channel[];
  /** Told of each outcome (metrics); counts and timings only, never an id or a text. */
  observer?: DeliveryObserver;
}

/** Why a row failed for good: a fixed set, so a metric label never carries an error's text. */
export type DeliveryFailure = 'blocked' | 'expired' | 'permanent' | 'unreadable';

export interface DeliveryObserver {
  /** `latencyMs`: from the row's creation (the turn that wrote it) to its delivery. */
  delivered(channel: Channel, latencyMs: number): void;
  retried(channel: Channel): void;
  failed(channel: Channel, reason: DeliveryFailure): void;
}

/** A delivery slot held for a row a turn claims in its own transaction (see `reserve`). */
export interface DeliverySlot {
  /** Sends the row the turn claimed, in this slot (after the turn committed). */
  deliver(item: OutboxItem): void;
  /** Gives the slot back unused (the turn claimed nothing, or did not commit). */
  release(): void;
}

const NO_OBSERVER: DeliveryObserver = { delivered() {}, retried() {}, failed() {} };

export const DEFAULT_MAX_AGE_MS = 24 * 3_600_000;
/** Longest wait between two tries of one row. */
export const MAX_BACKOFF_MS = 60_000;
export const DEFAULT_CLAIM_LEASE_MS = 5 * 60_000;
export const defaultBackoff = (attempt: number) =>
  Math.min(2 ** (attempt - 1) * 1000, MAX_BACKOFF_MS) * (0.75 + Math.random() * 0.5);

export class OutboxDispatcher {
  readonly #o: Required<DispatcherOptions>;
  /** Deliveries not yet over (sent and recorded): stop, settle and drain wait for these. */
  readonly #inFlight = new Set<Promise<void>>();
  /** Deliveries holding a slot: from the claim until the platform answered. */
  #sending = 0;
  #timer: NodeJS.Timeout | undefined;
  #running = false;
  #pumping: Promise<void> | undefined;
  #again = false;
  #lastLeaseCheck = 0;
  /** The last look for due rows filled every free slot: more may be due once one frees. */
  #saturated = false;

  constructor(options: DispatcherOptions) {
    this.#o = {
      clock: Date.now,
      concurrency: 8,
      pollMs: 500,
      maxAgeMs: DEFAULT_MAX_AGE_MS,
      backoffMs: defaultBackoff,
      claimLeaseMs: DEFAULT_CLAIM_LEASE_MS,
      pulledChannels: [],
      observer: NO_OBSERVER,
      ...options,
    };
  }

  /**
   * Starts delivering. A single-process store (SQLite) owns every claim, so rows left 'sending'
   * by a crash go back at once; with several instances only claims past their lease do.
   */
  async start(): Promise<void> {
    if (this.#running) return;
    this.#running = true;
    const now = this.#o.clock();
    const before = this.#o.store.kind === 'sqlite' ? now + 1 : now - this.#o.claimLeaseMs;
    this.#lastLeaseCheck = now;
    try {
      const released = await this.#o.store.releaseStaleClaims(before);
      if (released > 0) this.#o.logger.warn({ released }, 'resending items interrupted by a restart');
    } catch (err) {
      this.#o.logger.error({ err }, 'could not release interrupted deliveries; will retry');
    }
    this.#timer = setInterval(() => this.wake(), this.#o.pollMs);
    this.#timer.unref();
    this.wake();
  }

  async stop(): Promise<void> {
    this.#running = false;
    if (this.#timer) clearInterval(this.#timer);
    await this.#pumping;
    await Promise.all(this.#inFlight);
  }

  /** Look for due items now (called after each committed turn). */
  wake(): void {
    if (!this.#running) return;
    if (this.#pumping) {
      this.#again = true;
      return;
    }
    this.#pumping = this.#pump()
      .catch((err: unknown) => {
        // A busy or full database must not end the process: log, and the next tick tries again.
        this.#o.logger.error({ err }, 'outbox pump failed; retrying on the next tick');
      })
      .finally(() => {
        this.#pumping = undefined;
      });
  }

  async #pump(): Promise<void> {
    const { store, logger } = this.#o;
    await this.#releaseExpiredLeases();
    do {
      this.#again = false;
      const free = this.#o.concurrency - this.#sending;
      // "due rows left waiting" holds until a look says otherwise (the direct path asks meanwhile)
      if (free <= 0) {
        this.#saturated = true;
        break;
      }
      const channels = this.#channels();
      if (channels.length === 0) break;
      const { items, unreadable } = await store.claimOutbox(this.#o.clock(), free, channels);
      for (const row of unreadable) {
        logger.error(
          { outbox: row.id, channel: row.channel, reason: row.reason },
          'outbox row unreadable; failed',
        );
        this.#o.observer.failed(row.channel, 'unreadable');
      }
      for (const item of items) this.#track(item);
      this.#saturated = items.length + unreadable.length >= free;
      if (this.#saturated) this.#again = true;
    } while (this.#again && this.#running);
  }

  /**
   * A slot for a reply a turn claims in its own transaction, so it is sent without a claim
   * transaction of its own (one COMMIT, one look at the ready index and one read of the row less
   * per message). None when this dispatcher does not deliver the channel, every slot is busy, or
   * the last look left due rows waiting for a slot: those go first.
   */
  reserve(channel: Channel): DeliverySlot | undefined {
    if (!this.#running || this.#saturated || this.#sending >= this.#o.concurrency) return undefined;
    if (!this.#o.adapters.has(channel) || this.#o.pulledChannels.includes(channel)) return undefined;
    this.#sending++;
    let held = true;
    const take = () => {
      const was = held;
      held = false;
      return was;
    };
    return {
      deliver: (item) => {
        if (take()) this.#track(item, true);
      },
      release: () => {
        if (!take()) return;
        this.#sending--;
        if (this.#saturated) this.wake();
      },
    };
  }

  /** The channels this dispatcher delivers (pulled ones are delivered by their screens). */
  #channels(): Channel[] {
    return [...this.#o.adapters.keys()].filter((c) => !this.#o.pulledChannels.includes(c));
  }

  /**
   * A delivery holds its slot until the platform answered, not until the outcome is recorded: the
   * claim that records it (right after) then has the slot to claim the person's next row.
   */
  #track(item: OutboxItem, slotHeld = false): void {
    if (!slotHeld) this.#sending++;
    let holding = true;
    const release = () => {
      if (!holding) return;
      holding = false;
      this.#sending--;
    };
    const tracked: Promise<void> = this.deliver(item, this.#o.adapters.get(item.channel), release)
      .catch((err: unknown) => {
        // Recording the outcome failed (database busy): the claim's lease brings the row back.
        this.#o.logger.error({ err, outbox: item.id }, 'could not record a delivery outcome');
      })
      .finally(() => {
        this.#inFlight.delete(tracked);
        const held = holding;
        release();
        // a freed slot matters only if the last look left due rows behind for want of slots
        if (held && this.#saturated) this.wake();
      });
    this.#inFlight.add(tracked);
  }

  async #releaseExpiredLeases(): Promise<void> {
    const now = this.#o.clock();
    if (now - this.#lastLeaseCheck < this.#o.claimLeaseMs / 4) return;
    this.#lastLeaseCheck = now;
    const released = await this.#o.store.releaseStaleClaims(now - this.#o.claimLeaseMs);
    if (released > 0) this.#o.logger.warn({ released }, 'released deliveries of an instance that stopped');
  }

  /** Resolves when the current look for due items and the deliveries it started are over. */
  async settle(): Promise<void> {
    while (this.#pumping || this.#inFlight.size > 0) {
      await this.#pumping;
      await Promise.all(this.#inFlight);
    }
  }

  /** Resolves when nothing is due or in flight (tests and shutdown). */
  async drain(timeoutMs = 10_000): Promise<void> {
    const until = Date.now() + timeoutMs;
    while (Date.now() < until) {
      this.wake();
      await this.#pumping;
      if (this.#inFlight.size === 0 && (await this.#o.store.pendingOutboxCount(this.#channels())) === 0)
        return;
      await Promise.race([...this.#inFlight, new Promise((r) => setTimeout(r, 20))]);
    }
    throw new Error('outbox did not drain in time');
  }

  /** Send one claimed row and record the outcome (shared with pullers such as web chat streams). */
  async deliver(
    item: OutboxItem,
    adapter: ChannelAdapter | undefined,
    /** Called once the platform has answered a send, before the outcome is recorded. */
    onSent?: () => void,
  ): Promise<void> {
    const { store, logger } = this.#o;
    try {
      if (!adapter) throw new DeliveryError(item.channel, 'channel not running', { retryable: true });
      const result = await adapter.send(item.address, item.message, {
        partsSent: item.partsSent,
        onPart: (partsSent, refs) => store.markOutboxProgress(item.id, partsSent, refs),
      });
      const sentAt = this.#o.clock();
      const recorded = store.markOutboxSent(item.id, result.refs, sentAt);
      // The next claim records it in its own transaction and claims the person's next row.
      onSent?.();
      this.wake();
      await recorded;
      this.#o.observer.delivered(item.channel, sentAt - item.createdAt);
    } catch (error) {
      const e =
        error instanceof DeliveryError
          ? error
          : new DeliveryError(item.channel, 'unexpected send error', { retryable: true, cause: error });
      // stored on the row and logged: a platform's error text may quote a chat id or a number
      const reason = scrubText(`${e.message}`).slice(0, 200);
      const now = this.#o.clock();
      if (e.blocked) {
        // The rows queued behind go first, so finishing this one promotes nothing to send.
        await store.failPendingOutbox(item.contactId, 'blocked', now);
        await store.markOutboxFailed(item.id, 'blocked', now);
        await store.setContactUnreachable(item.contactId, true);
        this.#o.observer.failed(item.channel, 'blocked');
        logger.warn(
          { channel: item.channel, outbox: item.id },
          'recipient blocked the bot; not sending to them',
        );
      } else if (e.retryable && now - item.createdAt < this.#o.maxAgeMs) {
        // whole milliseconds: timestamps are integer columns (PostgreSQL BIGINT refuses fractions)
        const delay = Math.round(Math.max(e.retryAfterMs ?? 0, this.#o.backoffMs(item.attempts)));
        await store.markOutboxRetry(item.id, reason, now + delay);
        this.#o.observer.retried(item.channel);
        logger.warn(
          { channel: item.channel, outbox: item.id, attempt: item.attempts, delay, reason, err: e },
          'delivery will be retried',
        );
      } else {
        await store.markOutboxFailed(item.id, reason, now);
        this.wake(); // the person's next row is now their head
        this.#o.observer.failed(item.channel, e.retryable ? 'expired' : 'permanent');
        logger.error(
          { channel: item.channel, outbox: item.id, attempt: item.attempts, reason, err: e },
          'delivery failed',
        );
      }
    }
  }
}
