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
/** Room added to the one-second window, for the clocks of two machines. */
export const PACE_WINDOW_MARGIN_MS = 10;

export interface PacerOptions {
  /** Messages per second overall. */
  ratePerSecond: number;
  /** Minimum gap between two messages to one chat. */
  perChatMs: number;
  /** Random extra gap after each message (0 … jitterMs): WhatsApp, where a steady beat looks like a bot. */
  jitterMs?: number;
  now?: () => number;
  random?: () => number;
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
 * A token bucket (refilled at the rate, holding at most 1/20 s of sends: smooth, and timer
 * granularity does not slow it) under a window rule that holds as the platform counts: a message
 * starts only while fewer than `rate` are in flight or were answered in the last second. Any
 * `rate + 1` messages the platform sees within one second would break that rule at the start of
 * the last of them (every earlier one was then in flight or answered after the first arrived),
 * so no delay of the network or of either event loop can bunch more than `rate` into a second.
 * The price is a rate a little under the limit: rate × 1 s / (1 s + answer time).
 */
export function createPacer(o: PacerOptions): Pacer {
  const now = o.now ?? (() => performance.now());
  const random = o.random ?? Math.random;
  const rate = o.ratePerSecond;
  const capacity = Math.max(1, Math.floor(rate / 20));
  // below 1 message per second (WhatsApp) the spacing alone paces
  const windowed = rate >= 1;
  const answered: number[] = [];
  let head = 0;
  let inFlight = 0;
  let tokens = 1;
  let refilled = now();
  let pausedUntil = 0;
  let jitterUntil = 0;
  const chats = new Map<string, number>();

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
        const horizon = t - 1000 - PACE_WINDOW_MARGIN_MS;
        while (head < answered.length && (answered[head] as number) < horizon) head++;
        if (head > 4096) {
          answered.splice(0, head);
          head = 0;
        }
        let wait = Math.max(pausedUntil - t, jitterUntil - t, (chats.get(chat) ?? 0) - t);
        if (tokens < 1) wait = Math.max(wait, ((1 - tokens) * 1000) / rate);
        if (windowed && inFlight + answered.length - head >= rate) {
          const expires = head < answered.length ? (answered[head] as number) - horizon : 1;
          wait = Math.max(wait, Math.min(expires, 1));
        }
        if (wait <= 0) {
          tokens -= 1;
          inFlight++;
          chats.set(chat, t + o.perChatMs);
          if (o.jitterMs) jitterUntil = t + random() * o.jitterMs;
          let done = false;
          return () => {
            if (done) return;
            done = true;
            inFlight--;
            answered.push(now());
          };
        }
        if (signal?.aborted) throw new Error('aborted');
        await sleep(Math.max(1, Math.ceil(wait)), signal);
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
