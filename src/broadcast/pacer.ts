/**
 * Pace of campaign sends on one channel: an even spacing that keeps inside the overall limit, at
 * most one message per chat per `perChatMs`, and a pause for everyone after a 429 (Telegram's
 * retry_after applies to the bot, not only to the one chat).
 * https://core.telegram.org/bots/faq#my-bot-is-hitting-limits-how-do-i-avoid-this
 */

/** Telegram: about 30 messages per second overall for a bot; we stay below. */
export const TELEGRAM_BROADCAST_RATE_PER_SECOND = 25;
/** Telegram: at most one message per second to one chat. */
export const TELEGRAM_PER_CHAT_INTERVAL_MS = 1000;
export interface PacerOptions {
  /** Messages per second overall. */
  ratePerSecond: number;
  /** Minimum gap between two messages to one chat. */
  perChatMs: number;
  /** Random extra gap after each message (0 … jitterMs): WhatsApp, where a steady beat looks like a bot. */
  jitterMs?: number;
  now?: () => number;
  random?: () => number;
  /** Waits `ms` (tests pass a simulated clock's). */
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
}

export interface Pacer {
  /**
   * Resolves when the next message may go out (to `chat`) and books that slot; call the returned
   * function as soon as the platform has answered (or the call failed).
   */
  slot(chat: string, signal?: AbortSignal): Promise<() => void>;
  /** Nobody gets anything before `ms` from now (a 429's retry_after). */
  pause(ms: number): void;
  readonly ratePerSecond: number;
}

/**
 * Two rules, both on this process's clock:
 * - a token bucket refilled at the rate (holding at most 1/20 s of sends): the pace comes from
 *   the clock, not from how long each send or each timer takes, so it does not drift;
 * - a window rule that holds as the platform counts: a message starts only while fewer than
 *   `rate` messages were answered within the last second or are still in flight. Any `rate + 1`
 *   messages the platform sees within one second would break the rule at the start of the last
 *   of them (every earlier one was then in flight or answered after the platform saw it), so no
 *   delay of the network or of either event loop can bunch more than `rate` into a second.
 * The window is counted exactly (the sends of the last second, not a estimate) and a waiting
 * slot wakes when the oldest of them leaves it or when an answer comes, so the pace is
 * rate × 1 s / (1 s + answer time): ≥ 99% of the limit with answers within 10 ms.
 */
export function createPacer(o: PacerOptions): Pacer {
  const now = o.now ?? (() => performance.now());
  const random = o.random ?? Math.random;
  const wait = o.sleep ?? sleep;
  const rate = o.ratePerSecond;
  const capacity = Math.max(1, Math.floor(rate / 20));
  // below 1 message per second (WhatsApp) the spacing alone paces
  const limit = rate >= 1 ? Math.floor(rate) : 0;
  /** Sends of the last second: the time each was answered (Infinity while in flight). */
  let recent: Array<{ answeredAt: number }> = [];
  let tokens = 1;
  let refilled = now();
  let pausedUntil = 0;
  let jitterUntil = 0;
  const chats = new Map<string, number>();
  /** Wakes slots waiting for an answer (every send of the window still in flight). */
  let answered: (() => void) | undefined;

  /** ms until fewer than `limit` sends count in the window (0: now; Infinity: an answer). */
  function windowWait(t: number): number {
    recent = recent.filter((r) => r.answeredAt > t - 1000);
    if (recent.length < limit) return 0;
    // the `limit`-th latest must leave the window
    const times = recent.map((r) => r.answeredAt).sort((a, b) => b - a);
    return (times[limit - 1] as number) + 1000 - t;
  }

  return {
    ratePerSecond: rate,
    pause(ms) {
      pausedUntil = Math.max(pausedUntil, now() + ms);
    },
    async slot(chat, signal) {
      for (;;) {
        const t = now();
        tokens = Math.min(capacity, tokens + ((t - refilled) * rate) / 1000);
        refilled = t;
        if (chats.size > 10_000) for (const [k, at] of chats) if (at <= t) chats.delete(k);
        let ms = Math.max(pausedUntil - t, jitterUntil - t, (chats.get(chat) ?? 0) - t);
        if (tokens < 1) ms = Math.max(ms, ((1 - tokens) * 1000) / rate);
        const windowMs = limit > 0 ? windowWait(t) : 0;
        if (ms <= 0 && windowMs <= 0) {
          tokens -= 1;
          chats.set(chat, t + o.perChatMs);
          if (o.jitterMs) jitterUntil = t + random() * o.jitterMs;
          const sent = { answeredAt: Number.POSITIVE_INFINITY };
          if (limit > 0) recent.push(sent);
          return () => {
            if (sent.answeredAt !== Number.POSITIVE_INFINITY) return;
            sent.answeredAt = now();
            const wake = answered;
            answered = undefined;
            wake?.();
          };
        }
        if (signal?.aborted) throw new Error('aborted');
        if (windowMs === Number.POSITIVE_INFINITY && ms <= 0) {
          // every send that counts is in flight: the next answer frees a place
          await new Promise<void>((resolve) => {
            const previous = answered;
            answered = () => {
              previous?.();
              resolve();
            };
            signal?.addEventListener('abort', () => resolve(), { once: true });
          });
          continue;
        }
        await wait(
          Math.max(1, Math.ceil(Math.max(ms, windowMs === Number.POSITIVE_INFINITY ? 0 : windowMs))),
          signal,
        );
      }
    },
  };
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done);
  });
}
