/**
 * WhatsApp channel through whatsapp-web.js (WhatsApp Web driven by chromium). It only translates:
 * Message -> InboundMessage (normalize.ts), OutboundMessage -> numbered-list text (render.ts).
 * It also keeps the link alive (QR, reconnect with backoff) and paces sends per chat (pacing.ts).
 * The client is a dependency so tests pass a fake (test/helpers/fake-whatsapp-client.ts).
 */
import qrcode from 'qrcode-terminal';
import { DeliveryError } from '../../core/errors.js';
import {
  type ChannelAdapter,
  DEFAULT_LANG,
  type DeliveryResult,
  type InboundMessage,
  type InboundSink,
  type Lang,
} from '../../core/types.js';
import type { ChannelDeps } from '../index.js';
import { normalizeWhatsapp } from './normalize.js';
import { createPacer, type PacerOptions } from './pacing.js';
import { renderWhatsapp } from './render.js';
import type { WhatsappClient, WhatsappEvents, WhatsappLinkingState, WhatsappStatus } from './types.js';

export { WHATSAPP_MIN_INTERVAL_PER_CHAT_MS } from './pacing.js';
export { WHATSAPP_MAX_TEXT } from './render.js';
export type { WhatsappClient, WhatsappLinkingState } from './types.js';

/** First wait before re-initializing the client after a disconnect or a failed start. */
export const WHATSAPP_RECONNECT_BASE_MS = 5_000;
/** Longest wait between reconnection attempts (the wait doubles up to this). */
export const WHATSAPP_RECONNECT_MAX_MS = 5 * 60_000;
/** How long the outbox waits before retrying a reply while WhatsApp is not connected. */
const NOT_READY_RETRY_MS = 5_000;

/** How long a refused group is remembered (messages sent before the bot left arrive in a burst). */
const GROUP_REFUSAL_MEMORY_MS = 10 * 60_000;

/**
 * whatsapp-web.js emits each incoming message once and never again: when the engine cannot store it
 * (its store failing), the adapter keeps it in memory and tries again, this many times in all,
 * waiting WHATSAPP_INBOUND_RETRY_BASE_MS, then twice as long each time (about 15 s in all), then
 * drops it and logs how many were dropped. Messages of one chat stay in order.
 */
export const WHATSAPP_INBOUND_ATTEMPTS = 6;
export const WHATSAPP_INBOUND_RETRY_BASE_MS = 500;
/** Messages waiting for a retry, across all chats; beyond this new ones are dropped (and counted). */
export const WHATSAPP_INBOUND_MAX_PENDING = 500;
/** People whose language the adapter remembers for the quick-exit line (in memory only). */
const LANG_MEMORY = 10_000;

/** Send errors that mean the address will never work (the number is not on WhatsApp). */
const PERMANENT_SEND_ERROR = /invalid wid|no lid for user|not a whatsapp user|not registered/i;

export interface WhatsappAdapterOptions extends Pick<PacerOptions, 'minIntervalMs' | 'jitterMs'> {
  reconnectBaseMs?: number;
  reconnectMaxMs?: number;
  /** First wait before handing a message to the engine again (default WHATSAPP_INBOUND_RETRY_BASE_MS). */
  inboundRetryBaseMs?: number;
  /** Shows a QR code to the operator (default: print it in the terminal). */
  showQr?: (qr: string) => void;
}

export interface WhatsappAdapter extends ChannelAdapter {
  /** Where linking stands and the latest QR code, for the console's admin page. */
  linkingState(): WhatsappLinkingState;
}

export function createWhatsappAdapter(
  deps: ChannelDeps,
  givenClient?: WhatsappClient,
  options: WhatsappAdapterOptions = {},
): WhatsappAdapter {
  const { logger, translator } = deps;
  const log = { channel: 'whatsapp' as const };
  const pacer = createPacer({ minIntervalMs: options.minIntervalMs, jitterMs: options.jitterMs });
  const reconnectBaseMs = options.reconnectBaseMs ?? WHATSAPP_RECONNECT_BASE_MS;
  const reconnectMaxMs = options.reconnectMaxMs ?? WHATSAPP_RECONNECT_MAX_MS;
  const showQr = options.showQr ?? printQr;
  const inboundRetryBaseMs = options.inboundRetryBaseMs ?? WHATSAPP_INBOUND_RETRY_BASE_MS;

  let client: WhatsappClient | undefined = givenClient;
  let sink: InboundSink | undefined;
  let stopped = true;
  let state: WhatsappLinkingState = { status: 'stopped', since: Date.now() };
  let attempt = 0;
  let reconnectTimer: NodeJS.Timeout | undefined;
  /** Groups left recently: messages sent before the bot left arrive in a burst; leave once. */
  const refusedGroups = new Map<string, number>();
  /** Per chat, the messages waiting to reach the engine, in order; the head is being tried. */
  const inboundQueues = new Map<string, Array<{ inbound: InboundMessage; done: () => void }>>();
  let pending = 0;
  let dropped = 0;
  let stopSignal = new AbortController();
  /** The language of the last message sent to each person (for the quick-exit line). */
  const langOf = new Map<string, Lang>();
  const setStatus = (status: WhatsappStatus, qr?: string) => {
    state = { status, since: status === state.status ? state.since : Date.now(), ...(qr ? { qr } : {}) };
  };

  const listeners: { [E in keyof WhatsappEvents]: WhatsappEvents[E] } = {
    qr(qr) {
      if (state.status !== 'qr')
        logger.warn(log, 'WhatsApp needs linking: scan the QR code (Linked devices)');
      setStatus('qr', qr);
      showQr(qr);
    },
    authenticated() {
      setStatus('authenticated');
      logger.info(log, 'WhatsApp session authenticated');
    },
    auth_failure() {
      // The payload is WhatsApp's own text; not logged in case it ever carries account details.
      setStatus('auth_failure');
      logger.error(log, 'WhatsApp session could not be restored; a new QR code will be shown');
      scheduleReconnect();
    },
    ready() {
      attempt = 0;
      setStatus('ready');
      logger.info(log, 'WhatsApp connected');
    },
    disconnected(reason) {
      setStatus('disconnected');
      // The reason is a connection state such as 'LOGOUT' or 'CONFLICT', never personal data.
      logger.warn({ ...log, reason: String(reason).slice(0, 40) }, 'WhatsApp disconnected');
      scheduleReconnect();
    },
    message: (msg) => onMessage(msg),
    call() {
      // Calls are ignored: the bot cannot talk, and the NGO's phone may still ring for a person.
      logger.debug(log, 'ignored a WhatsApp call');
    },
  };

  async function onMessage(msg: Parameters<WhatsappEvents['message']>[0]): Promise<void> {
    try {
      const n = normalizeWhatsapp(msg);
      if (n.action === 'ignore') {
        logger.debug({ ...log, reason: n.reason }, 'ignored a WhatsApp message');
      } else if (n.action === 'refuse-group') {
        await refuseGroup(n.chatId);
      } else {
        await toEngine(n.inbound);
      }
    } catch (err) {
      logger.error({ ...log, err }, 'WhatsApp message could not be handled');
    }
  }

  /**
   * A person's story must never be posted in a group: leave it, posting nothing (a line saying what
   * Tirek is for would be read by everyone in the group, maybe by the person who hurts someone).
   */
  async function refuseGroup(chatId: string): Promise<void> {
    const now = Date.now();
    for (const [id, at] of refusedGroups) if (now - at > GROUP_REFUSAL_MEMORY_MS) refusedGroups.delete(id);
    if (!client || refusedGroups.has(chatId)) return;
    // Remembered for a while only, so a group that adds the bot again is left again.
    refusedGroups.set(chatId, now);
    try {
      const chat = await client.getChatById(chatId);
      if (chat.isGroup && chat.leave) await chat.leave();
      logger.info(log, 'left a WhatsApp group');
    } catch (err) {
      logger.warn({ ...log, error: errorName(err) }, 'could not leave a WhatsApp group');
    }
  }

  /** Queues a message for the engine; resolves once it is stored or dropped. */
  function toEngine(inbound: InboundMessage): Promise<void> {
    if (pending >= WHATSAPP_INBOUND_MAX_PENDING) {
      drop('too many messages waiting');
      return Promise.resolve();
    }
    return new Promise<void>((done) => {
      pending++;
      const queue = inboundQueues.get(inbound.userId);
      if (queue) {
        queue.push({ inbound, done });
        return;
      }
      inboundQueues.set(inbound.userId, [{ inbound, done }]);
      void drain(inbound.userId);
    });
  }

  /** Hands one chat's messages to the engine in order, retrying each with backoff. */
  async function drain(chatId: string): Promise<void> {
    const queue = inboundQueues.get(chatId) ?? [];
    for (let item = queue[0]; item; item = queue[0]) {
      for (let attempt = 1; ; attempt++) {
        try {
          if (!sink || stopped) throw new Error('WhatsApp channel is stopped');
          await sink(item.inbound);
          break;
        } catch {
          if (attempt >= WHATSAPP_INBOUND_ATTEMPTS || stopped) {
            drop('could not be stored');
            break;
          }
          await sleep(inboundRetryBaseMs * 2 ** (attempt - 1), stopSignal.signal);
        }
      }
      queue.shift();
      pending--;
      item.done();
    }
    inboundQueues.delete(chatId);
  }

  function drop(reason: string): void {
    dropped++;
    // a count only: never the chat, the number or the text
    logger.error({ ...log, dropped, reason }, 'WhatsApp message dropped');
  }

  async function connect(): Promise<void> {
    if (stopped || !client) return;
    setStatus('starting');
    const c = client;
    try {
      await c.initialize();
    } catch (err) {
      if (!stopped) {
        // Keep the app up: the other channels go on, replies wait in the outbox.
        logger.error({ ...log, err }, 'WhatsApp client failed to start');
        setStatus('disconnected');
        scheduleReconnect();
      }
    }
    // Stopped while the browser was still launching: close it now that it exists.
    if (stopped) await c.destroy().catch(() => undefined);
  }

  function scheduleReconnect(): void {
    if (stopped || reconnectTimer) return;
    attempt++;
    const delay = Math.round(
      Math.min(reconnectBaseMs * 2 ** (attempt - 1), reconnectMaxMs) * (0.8 + Math.random() * 0.4),
    );
    logger.info({ ...log, attempt, delayMs: delay }, 'WhatsApp will reconnect');
    reconnectTimer = setTimeout(() => {
      reconnectTimer = undefined;
      // The client may have recovered by itself (after a logout it shows a new QR code).
      if (stopped || ['ready', 'qr', 'authenticated', 'starting'].includes(state.status)) return;
      void (async () => {
        await client?.destroy().catch(() => undefined);
        await connect();
      })();
    }, delay);
    reconnectTimer.unref?.();
  }

  const attach = (c: WhatsappClient) => {
    for (const [event, listener] of Object.entries(listeners))
      c.on(event as 'qr', listener as WhatsappEvents['qr']);
  };
  const detach = (c: WhatsappClient) => {
    for (const [event, listener] of Object.entries(listeners))
      c.removeListener(event as 'qr', listener as WhatsappEvents['qr']);
  };

  return {
    channel: 'whatsapp',
    singleInstance: true,

    async start(s) {
      sink = s;
      stopped = false;
      stopSignal = new AbortController();
      if (!client) {
        // Loaded only here, so a server with WhatsApp off (and every unit test) never loads puppeteer.
        const { createWhatsappClient } = await import('./client.js');
        client = createWhatsappClient(deps.config);
      }
      attach(client);
      // Not awaited: linking can take minutes and must not hold up the other channels.
      void connect();
    },

    async stop() {
      stopped = true;
      sink = undefined;
      stopSignal.abort(); // messages waiting for a retry are dropped (and counted)
      if (reconnectTimer) clearTimeout(reconnectTimer);
      reconnectTimer = undefined;
      setStatus('stopped');
      if (client) {
        detach(client);
        await client
          .destroy()
          .catch((err: unknown) => logger.warn({ ...log, err }, 'WhatsApp client stop failed'));
      }
    },

    async send(address, message, progress): Promise<DeliveryResult> {
      if (!client || state.status !== 'ready') {
        throw new DeliveryError('whatsapp', 'WhatsApp is not connected', {
          retryable: true,
          retryAfterMs: NOT_READY_RETRY_MS,
        });
      }
      if (message.type === 'delete') {
        // Quick exit: delete the bot's messages for everyone where WhatsApp still allows it.
        // The person's own messages stay: only they can delete those (or the whole chat).
        for (const ref of message.refs) {
          try {
            const sent = await client.getMessageById?.(ref);
            await sent?.delete(true);
          } catch {
            // too old, already gone, or not ours: deletion is best effort
          }
        }
        return { refs: [] };
      }
      if (message.type === 'clear') {
        // Quick exit: the bot cannot clear a WhatsApp chat; one short line says how to (unless the
        // next message says it, after an erase).
        if (message.silent) return { refs: [] };
        const lang = message.lang ?? langOf.get(address) ?? DEFAULT_LANG;
        await pacer.wait(address);
        try {
          const sent = await client.sendMessage(address, translator.t(lang, 'whatsapp:clear_hint'), {
            linkPreview: false,
          });
          return { refs: [sent.id._serialized] };
        } catch (err) {
          throw classifySendError(err);
        }
      }
      langOf.delete(address);
      langOf.set(address, message.lang);
      if (langOf.size > LANG_MEMORY) langOf.delete(langOf.keys().next().value as string);
      // Parts delivered by an earlier attempt are skipped (the outbox row remembers them), and each
      // part is recorded as it goes: a retry never re-sends the beginning of a long text.
      const parts = renderWhatsapp(message, translator);
      let sent = progress?.partsSent ?? 0;
      const refs: string[] = [];
      for (const part of parts.slice(sent)) {
        await pacer.wait(address);
        try {
          const result = await client.sendMessage(address, part, { linkPreview: false });
          refs.push(result.id._serialized);
        } catch (err) {
          throw classifySendError(err);
        }
        sent++;
        if (sent < parts.length) await progress?.onPart?.(sent, [...refs]);
      }
      return { refs };
    },

    linkingState: () => ({ ...state }),
  };
}

/** Not-on-WhatsApp fails for good; anything else (page reloading, network, protocol) is retried. */
export function classifySendError(err: unknown): DeliveryError {
  const text = err instanceof Error ? err.message : String(err);
  if (PERMANENT_SEND_ERROR.test(text)) {
    return new DeliveryError('whatsapp', 'recipient is not on WhatsApp', { cause: err });
  }
  return new DeliveryError('whatsapp', 'WhatsApp send failed', { retryable: true, cause: err });
}

/** Browser-side errors can quote chat ids in their message: log only the error's name. */
function errorName(err: unknown): string {
  return err instanceof Error ? err.name : typeof err;
}

/**
 * Prints the linking QR code in the terminal. No QR renderer is bundled (qrcode-terminal is not a
 * dependency yet), so the code is printed as text with a way to draw it locally.
 */
/** Draws the QR code in the terminal (the operator scans it under WhatsApp → Linked devices). */
function printQr(qr: string): void {
  qrcode.generate(qr, { small: true }, (drawn) => {
    process.stdout.write(
      `\nWhatsApp linking: on the helpline's phone open WhatsApp → Settings → Linked devices → Link a device,\nand scan this code (a new one comes every ~20 s):\n\n${drawn}\n`,
    );
  });
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done);
  });
}
