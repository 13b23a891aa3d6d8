/**
 * The campaign sender: its own delivery rows and its own loop, never the conversation outbox, so
 * a person who writes during a campaign is answered as fast as on a quiet day.
 *
 *   start scheduled campaigns whose time has come · inside sending hours only
 *   claim a few due rows (never more than `concurrency` in flight: at most that many can end
 *   'unknown' after a crash) · wait for a paced slot · send through the channel adapter
 *   sent | 429: everyone waits retry_after, the row goes back | 5xx or never connected: back with
 *   backoff | 403: blocked, unsubscribed | else failed
 *
 * One instance sends at a time (a database lock), so the overall rate is the bot's, not per
 * instance; the claims alone already keep two senders from sending one row twice.
 */
import { DeliveryError } from '../core/errors.js';
import type { HeldLock, Store } from '../core/ports.js';
import type { Channel, ChannelAdapter, Lang, OutboundMessage } from '../core/types.js';
import type { Translator } from '../i18n/translator.js';
import type { AudienceRules, BroadcastStore, Campaign, ClaimedDelivery } from '../store/broadcast-store.js';
import { campaignMessage } from './compose.js';
import type { SendingHours } from './hours.js';
import { createPacer, type Pacer } from './pacer.js';

export interface SenderLogger {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

export interface ChannelPace {
  ratePerSecond: number;
  perChatMs: number;
  jitterMs?: number;
}

export interface SenderOptions {
  broadcasts: BroadcastStore;
  /** For the one-sender lock. */
  store: Pick<Store, 'tryLock' | 'kind'>;
  adapters: ReadonlyMap<Channel, ChannelAdapter>;
  translator: Translator;
  hours: SendingHours;
  /** Pace per channel; a channel without one gets no broadcasts. */
  pace: Partial<Record<Channel, ChannelPace>>;
  defaultLang: Lang;
  maxPerMonth: number;
  logger: SenderLogger;
  /** Wall clock for hours, schedules and row times (tests inject one). Pacing uses real time. */
  clock?: () => number;
  /** Sends in flight at once (and so the most rows a crash can leave 'unknown'). */
  concurrency?: number;
  /** How often to look for work when idle. */
  pollMs?: number;
  /** A claim older than this belongs to a sender that died (several instances). */
  claimLeaseMs?: number;
  /** Attempts per row before it fails for good. */
  maxAttempts?: number;
  backoffMs?: (attempt: number) => number;
  /** How often a sender that does not hold the lock asks again. */
  lockRetryMs?: number;
  /** Skip the lock (tests that run two senders on purpose). */
  withoutLock?: boolean;
}

export const DEFAULT_BROADCAST_CONCURRENCY = 8;
export const DEFAULT_BROADCAST_LEASE_MS = 2 * 60_000;
export const BROADCAST_MAX_ATTEMPTS = 8;
const SENDER_LOCK = 'broadcast-sender';

const defaultBackoff = (attempt: number) => Math.min(2 ** (attempt - 1) * 1000, 60_000);

export class BroadcastSender {
  readonly #o: Required<Omit<SenderOptions, 'backoffMs'>> & { backoffMs: (a: number) => number };
  readonly #pacers = new Map<Channel, Pacer>();
  readonly #inFlight = new Set<Promise<void>>();
  readonly #campaigns = new Map<number, Campaign>();
  #running = false;
  #loop: Promise<void> | undefined;
  #wake: (() => void) | undefined;
  #lock: HeldLock | null = null;
  #abort = new AbortController();

  constructor(options: SenderOptions) {
    this.#o = {
      clock: Date.now,
      concurrency: DEFAULT_BROADCAST_CONCURRENCY,
      pollMs: 1000,
      claimLeaseMs: DEFAULT_BROADCAST_LEASE_MS,
      maxAttempts: BROADCAST_MAX_ATTEMPTS,
      backoffMs: defaultBackoff,
      lockRetryMs: 10_000,
      withoutLock: false,
      ...options,
    };
    for (const [channel, pace] of Object.entries(this.#o.pace) as Array<[Channel, ChannelPace]>)
      this.#pacers.set(channel, createPacer(pace));
  }

  /** Channels campaigns go to (a pace configured and an adapter running). */
  channels(): Channel[] {
    return [...this.#pacers.keys()].filter((c) => this.#o.adapters.has(c));
  }

  rules(): AudienceRules {
    return {
      channels: this.channels(),
      defaultLang: this.#o.defaultLang,
      maxPerMonth: this.#o.maxPerMonth,
      now: this.#o.clock(),
    };
  }

  start(): void {
    if (this.#running) return;
    this.#running = true;
    this.#abort = new AbortController();
    this.#loop = this.#run().catch((err: unknown) =>
      this.#o.logger.error({ err }, 'broadcast sender stopped'),
    );
  }

  /** Stops claiming, lets the sends in flight finish (so a clean stop leaves nothing 'unknown'). */
  async stop(): Promise<void> {
    this.#running = false;
    this.#wake?.();
    this.#abort.abort();
    await this.#loop;
    await Promise.all(this.#inFlight);
    await this.#lock?.release().catch(() => {});
    this.#lock = null;
  }

  /** One message outside any campaign (an admin's test send), inside the same pace. */
  async sendOne(
    channel: Channel,
    address: string,
    message: OutboundMessage,
  ): Promise<{ ok: true } | { ok: false; error: string }> {
    const adapter = this.#o.adapters.get(channel);
    if (!adapter) return { ok: false, error: `${channel} is not running` };
    const answered = (await this.#pacers.get(channel)?.slot(address)) ?? (() => {});
    try {
      await adapter.send(address, message, { partsSent: 0, failFast: true });
      return { ok: true };
    } catch (error) {
      return { ok: false, error: error instanceof Error ? error.message.slice(0, 200) : 'send failed' };
    } finally {
      answered();
    }
  }

  /** Look for work now (a campaign was confirmed or resumed). */
  wake(): void {
    this.#wake?.();
  }

  async #run(): Promise<void> {
    const { broadcasts, logger } = this.#o;
    while (this.#running && !(await this.#takeLock())) await this.#idle(this.#o.lockRetryMs);
    if (!this.#running) return;
    // A single process owns every claim on SQLite: what is left 'sending' died with the last run.
    const now = this.#o.clock();
    const before = this.#o.store.kind === 'sqlite' ? now + 1 : now - this.#o.claimLeaseMs;
    const lost = await broadcasts.expireClaims(before, now);
    if (lost > 0) logger.warn({ rows: lost }, 'campaign messages in flight at a crash are counted unknown');
    let lastLeaseCheck = now;
    while (this.#running) {
      try {
        const t = this.#o.clock();
        if (this.#o.store.kind === 'postgres' && t - lastLeaseCheck > this.#o.claimLeaseMs / 4) {
          lastLeaseCheck = t;
          await broadcasts.expireClaims(t - this.#o.claimLeaseMs, t);
        }
        const started = await broadcasts.startDue(this.rules());
        for (const id of started) logger.info({ campaign: id }, 'scheduled campaign started');
        if (!this.#o.hours.isOpen(t)) {
          await this.#idle(this.#o.pollMs);
          continue;
        }
        const free = this.#o.concurrency - this.#inFlight.size;
        if (free <= 0) {
          await Promise.race(this.#inFlight);
          continue;
        }
        const rows = await broadcasts.claim(t, Math.min(free, this.#batch()), this.channels());
        if (rows.length === 0) {
          if (this.#inFlight.size > 0) await Promise.race(this.#inFlight);
          else {
            for (const id of await broadcasts.finishCampaigns(this.#o.clock()))
              logger.info({ campaign: id }, 'campaign finished');
            await this.#idle(this.#o.pollMs);
          }
          continue;
        }
        for (const [i, row] of rows.entries()) {
          const pacer = this.#pacers.get(row.channel) as Pacer;
          const answered = this.#running
            ? await pacer.slot(row.contactId, this.#abort.signal).catch(() => undefined)
            : undefined;
          if (!this.#running || !answered) {
            // stopping: rows claimed but not sent go back, certainly undelivered
            for (const left of rows.slice(i))
              await broadcasts.retry(left.id, 'sender stopped', this.#o.clock());
            break;
          }
          this.#track(this.#send(row, answered));
        }
      } catch (err) {
        logger.error({ err }, 'broadcast sender loop failed; trying again shortly');
        await this.#idle(this.#o.pollMs);
      }
    }
  }

  /** Rows claimed per round: about a fifth of a second of sending, so claims stay fresh. */
  #batch(): number {
    const fastest = Math.max(...[...this.#pacers.values()].map((p) => p.ratePerSecond), 1);
    return Math.max(1, Math.round(fastest / 5));
  }

  async #takeLock(): Promise<boolean> {
    if (this.#o.withoutLock) return true;
    try {
      this.#lock = await this.#o.store.tryLock(SENDER_LOCK);
    } catch (err) {
      this.#o.logger.warn({ err }, 'broadcast sender lock failed');
    }
    return this.#lock !== null;
  }

  #idle(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      const self = this;
      function done() {
        clearTimeout(timer);
        if (self.#wake === done) self.#wake = undefined;
        resolve();
      }
      this.#wake = done;
    });
  }

  #track(p: Promise<void>): void {
    const tracked: Promise<void> = p.finally(() => this.#inFlight.delete(tracked));
    this.#inFlight.add(tracked);
  }

  async #campaign(id: number): Promise<Campaign | undefined> {
    let c = this.#campaigns.get(id);
    if (!c) {
      c = await this.#o.broadcasts.getCampaign(id);
      if (c) this.#campaigns.set(id, c);
      if (this.#campaigns.size > 50) this.#campaigns.delete(this.#campaigns.keys().next().value as number);
    }
    return c;
  }

  async #send(row: ClaimedDelivery, answered: () => void): Promise<void> {
    const { broadcasts, logger } = this.#o;
    try {
      const campaign = await this.#campaign(row.campaignId);
      const adapter = this.#o.adapters.get(row.channel);
      if (!campaign || !adapter)
        throw new DeliveryError(row.channel, 'channel not running', { retryable: true });
      const message = campaignMessage(campaign, row.lang, this.#o.defaultLang, this.#o.translator);
      try {
        await adapter.send(row.address, message, { partsSent: 0, failFast: true });
      } finally {
        answered(); // the platform has answered: the pace counts it from now
      }
      await broadcasts.finish(row.id, 'sent', null, this.#o.clock());
    } catch (error) {
      answered();
      await this.#failed(row, error).catch((err: unknown) =>
        // the claim stays: its lease turns it 'unknown', never a second send
        logger.error({ err, delivery: row.id }, 'could not record a campaign delivery outcome'),
      );
    }
  }

  async #failed(row: ClaimedDelivery, error: unknown): Promise<void> {
    const { broadcasts, logger } = this.#o;
    const e =
      error instanceof DeliveryError
        ? error
        : new DeliveryError(row.channel, 'unexpected send error', { cause: error });
    const now = this.#o.clock();
    const reason = e.message.slice(0, 200);
    if (e.blocked) {
      await broadcasts.blocked(row.id, row.contactId, now);
      logger.info({ channel: row.channel, delivery: row.id }, 'recipient blocked the bot; unsubscribed');
      return;
    }
    if (e.retryAfterMs !== undefined && e.retryable) {
      // Telegram's flood limit is the bot's: every send waits, not only this chat's
      this.#pacers.get(row.channel)?.pause(e.retryAfterMs);
      await broadcasts.retry(row.id, reason, now + e.retryAfterMs);
      logger.warn(
        { channel: row.channel, retryAfterMs: e.retryAfterMs },
        'rate limited; all campaign sends wait',
      );
      return;
    }
    if (e.retryable && notDelivered(e) && row.attempts < this.#o.maxAttempts) {
      await broadcasts.retry(row.id, reason, now + this.#o.backoffMs(row.attempts));
      return;
    }
    if (e.retryable && !notDelivered(e)) {
      // The request may have reached the platform before the connection broke: it may have
      // arrived. A second unexpected message is worse than a missed one.
      await broadcasts.finish(row.id, 'unknown', `maybe delivered: ${reason}`, now);
      return;
    }
    await broadcasts.finish(row.id, 'failed', reason, now);
    logger.warn({ channel: row.channel, delivery: row.id, reason }, 'campaign delivery failed');
  }
}

/** Error codes of a request that never reached the server (safe to send again). */
const NEVER_CONNECTED = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH']);

/**
 * True when the failure proves the message was not delivered: the platform answered with an
 * error (5xx, not ready), or the connection was never made. A connection that broke mid-request
 * proves nothing.
 */
export function notDelivered(e: DeliveryError): boolean {
  const network = /^network:/.test(e.message);
  if (!network) return true;
  for (let c: unknown = e.cause, depth = 0; c && depth < 6; depth++) {
    const code = (c as { code?: unknown }).code;
    if (typeof code === 'string' && NEVER_CONNECTED.has(code)) return true;
    c = (c as { cause?: unknown; error?: unknown }).cause ?? (c as { error?: unknown }).error;
  }
  return false;
}
