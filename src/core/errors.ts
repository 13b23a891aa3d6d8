import type { Channel } from './types.js';

/** Base class: every error Tirek raises has a name, a code and (when wrapped) a cause. */
export class TirekError extends Error {
  readonly code: string;
  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
  }
}

export class ConfigError extends TirekError {
  constructor(message: string) {
    super('config', message);
  }
}

/**
 * A failed delivery, as classified by the adapter that tried it.
 * - `retryable`: try again later (429, 5xx, network), after `retryAfterMs` if the platform said so;
 * - `blocked`: the person blocked the bot or left; stop sending to them;
 * - otherwise the item failed for good.
 */
export class DeliveryError extends TirekError {
  readonly channel: Channel;
  readonly retryable: boolean;
  readonly blocked: boolean;
  readonly retryAfterMs: number | undefined;
  constructor(
    channel: Channel,
    message: string,
    opts: { retryable?: boolean; blocked?: boolean; retryAfterMs?: number; cause?: unknown } = {},
  ) {
    super('delivery', message, { cause: opts.cause });
    this.channel = channel;
    this.retryable = opts.retryable ?? false;
    this.blocked = opts.blocked ?? false;
    this.retryAfterMs = opts.retryAfterMs;
  }
}

/** A stored conversation that cannot be resumed (e.g. its flow changed); the engine restarts it safely. */
export class SnapshotError extends TirekError {
  constructor(message: string, cause?: unknown) {
    super('snapshot', message, { cause });
  }
}

/** Two writers changed the same conversation; the later one lost and its transaction rolls back. */
export class ConcurrencyError extends TirekError {
  constructor(message: string) {
    super('concurrency', message);
  }
}

/**
 * A counsellor's action that cannot be done: the conversation is unknown or closed, or another
 * counsellor owns it. The console shows the message; nothing was changed.
 */
export class CounsellorActionError extends TirekError {
  constructor(
    readonly reason: 'not_found' | 'closed' | 'owned_by_other' | 'not_owner',
    message: string,
  ) {
    super(`counsellor.${reason}`, message);
  }
}
