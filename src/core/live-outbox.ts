/**
 * Delivery to a screen that holds a live stream (the web chat page), on whichever instance holds
 * it: the stream pulls its own person's outbox rows when the notifier says there are new ones
 * (LISTEN/NOTIFY across instances), when it connects, and now and then. So a message that lands
 * on one instance reaches a page connected to another, without sticky sessions. Rows wait in the
 * outbox while no page is connected.
 */
import type { EngineLogger } from './engine.js';
import type { Notifier, OutboxItem, Store } from './ports.js';
import type { Channel, ChannelAdapter, OutboundMessage } from './types.js';

/** A safety net for rows whose retry time came while nothing was announced. */
export const LIVE_PULL_INTERVAL_MS = 5_000;

export interface LiveOutboxDeps {
  store: Store;
  notifier: Notifier;
  pseudonym: (...parts: string[]) => string;
  /** Sends one claimed row through `adapter` and records the outcome (OutboxDispatcher.deliver). */
  deliver: (item: OutboxItem, adapter: ChannelAdapter) => Promise<void>;
  logger: EngineLogger;
  clock?: () => number;
  intervalMs?: number;
}

export class LiveOutbox {
  readonly #d: LiveOutboxDeps;
  /** Open streams per person on this instance (a person may have the page open twice). */
  readonly #streams = new Map<string, number>();

  constructor(deps: LiveOutboxDeps) {
    this.#d = deps;
  }

  /** Number of people with a stream open on this instance (bounded by open connections). */
  get connected(): number {
    return this.#streams.size;
  }

  isConnected(contactId: string): boolean {
    return this.#streams.has(contactId);
  }

  /**
   * Attach a stream for the person `userId` of `channel`; `push` writes one message to it (and
   * throws if the stream is gone). Returns the detach function.
   */
  attach(channel: Channel, userId: string, push: (m: OutboundMessage) => Promise<void>): () => void {
    const { store, notifier, logger } = this.#d;
    const clock = this.#d.clock ?? Date.now;
    const contactId = this.#d.pseudonym(channel, userId);
    this.#streams.set(contactId, (this.#streams.get(contactId) ?? 0) + 1);
    const adapter: ChannelAdapter = {
      channel,
      start: async () => {},
      stop: async () => {},
      send: async (_address, message) => {
        await push(message);
        return { refs: [] };
      },
    };
    let closed = false;
    let pulling = false;
    let again = false;
    const pull = async () => {
      if (pulling) {
        again = true;
        return;
      }
      pulling = true;
      try {
        do {
          again = false;
          for (;;) {
            if (closed) return;
            const { items, unreadable } = await store.claimOutboxFor(contactId, clock());
            for (const row of unreadable)
              logger.error({ outbox: row.id, channel, reason: row.reason }, 'outbox row unreadable; failed');
            if (items.length === 0) break;
            for (const item of items) await this.#d.deliver(item, adapter);
          }
        } while (again && !closed);
      } catch (err) {
        logger.error({ err, channel }, 'live delivery failed; will retry');
      } finally {
        pulling = false;
      }
    };
    const unsubscribe = notifier.subscribe(`outbox:${contactId}`, () => void pull());
    const timer = setInterval(() => void pull(), this.#d.intervalMs ?? LIVE_PULL_INTERVAL_MS);
    timer.unref();
    void pull();
    return () => {
      closed = true;
      unsubscribe();
      clearInterval(timer);
      const left = (this.#streams.get(contactId) ?? 1) - 1;
      if (left > 0) this.#streams.set(contactId, left);
      else this.#streams.delete(contactId);
    };
  }
}
