/**
 * Per-chat pace for outgoing WhatsApp messages. Unofficial clients that send quickly or in bulk
 * get numbers banned (whatsapp-web.js README, "not guaranteed you will not be blocked";
 * https://github.com/wwebjs/whatsapp-web.js/issues/1872, https://github.com/wwebjs/whatsapp-web.js/issues/2548).
 * Tirek only answers people who wrote first, and spaces its messages to one chat like a person
 * typing would: at least WHATSAPP_MIN_INTERVAL_PER_CHAT_MS apart plus a random jitter.
 * Chats do not wait for each other; the dispatcher sends one item per conversation at a time.
 */

/** Minimum gap between two messages to the same chat. */
export const WHATSAPP_MIN_INTERVAL_PER_CHAT_MS = 1500;
/** Random extra gap (0 … this) so the rhythm does not look machine-made. */
export const WHATSAPP_PACE_JITTER_MS = 700;

export interface PacerOptions {
  minIntervalMs?: number;
  jitterMs?: number;
  clock?: () => number;
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
}

export interface Pacer {
  /** Resolves when `chatId` may receive its next message, and books the slot after it. */
  wait(chatId: string): Promise<void>;
}

export function createPacer(options: PacerOptions = {}): Pacer {
  const minIntervalMs = options.minIntervalMs ?? WHATSAPP_MIN_INTERVAL_PER_CHAT_MS;
  const jitterMs = options.jitterMs ?? (options.minIntervalMs === undefined ? WHATSAPP_PACE_JITTER_MS : 0);
  const clock = options.clock ?? Date.now;
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const random = options.random ?? Math.random;
  /** chat -> earliest time of its next message. Entries in the past are dropped. */
  const next = new Map<string, number>();

  return {
    async wait(chatId) {
      const now = clock();
      for (const [id, at] of next) if (at <= now) next.delete(id);
      const at = Math.max(now, next.get(chatId) ?? 0);
      // Book the slot before sleeping so two sends to one chat never share a slot.
      next.set(chatId, at + minIntervalMs + Math.round(random() * jitterMs));
      if (at > now) await sleep(at - now);
    },
  };
}
