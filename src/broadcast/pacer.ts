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
/**
 * The spacing is this much wider than 1/rate, so that jitter of the network and the event loop
 * never puts more than `rate` messages into any one second as Telegram counts them.
 */
export const PACE_SAFETY_MARGIN = 0.02;

export interface PacerOptions {
  /** Messages per second overall. */
  ratePerSecond: number;
  /** Minimum gap between two messages to one chat. */
  perChatMs: number;
  /** Random extra gap between two messages (0 … jitterMs): WhatsApp, where a steady beat looks like a bot. */
  jitterMs?: number;
  now?: () => number;
  random?: () => number;
}

export interface Pacer {
  /** Resolves when the next message may go out (to `chat`); books that slot. */
  slot(chat: string, signal?: AbortSignal): Promise<void>;
  /** Nobody gets anything before `ms` from now (a 429's retry_after). */
  pause(ms: number): void;
  readonly intervalMs: number;
}

export function createPacer(o: PacerOptions): Pacer {
  const now = o.now ?? (() => performance.now());
  const random = o.random ?? Math.random;
  const intervalMs = (1000 / o.ratePerSecond) * (1 + PACE_SAFETY_MARGIN);
  let next = 0;
  let pausedUntil = 0;
  const chats = new Map<string, number>();

  return {
    intervalMs,
    pause(ms) {
      pausedUntil = Math.max(pausedUntil, now() + ms);
    },
    async slot(chat, signal) {
      for (;;) {
        const t = now();
        if (chats.size > 10_000) for (const [k, at] of chats) if (at <= t) chats.delete(k);
        const at = Math.max(t, next, pausedUntil, chats.get(chat) ?? 0);
        if (at <= t) {
          // spacing from the moment it really goes out, so a late loop never sends a burst
          next = t + intervalMs + (o.jitterMs ? random() * o.jitterMs : 0);
          chats.set(chat, t + o.perChatMs);
          return;
        }
        if (signal?.aborted) throw new Error('aborted');
        await sleep(Math.max(1, at - t), signal);
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
