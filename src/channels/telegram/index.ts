/**
 * Telegram channel (grammY). Long polling by default; webhook mode when TELEGRAM_WEBHOOK_URL is
 * set. Translates only: updates -> InboundMessage (normalize.ts), OutboundMessage -> Bot API calls
 * (render.ts), Bot API failures -> DeliveryError (errors.ts). No flow logic lives here.
 */
import { timingSafeEqual } from 'node:crypto';
import { type AutoRetryOptions, autoRetry } from '@grammyjs/auto-retry';
import { Bot, BotError, GrammyError, webhookCallback } from 'grammy';
import type { BotCommand, Update } from 'grammy/types';
import type { Hono } from 'hono';
import { DeliveryError } from '../../core/errors.js';
import {
  type ChannelAdapter,
  DEFAULT_LANG,
  type DeliveryResult,
  GLOBAL_COMMANDS,
  type InboundMessage,
  type InboundSink,
  LANGS,
  type Lang,
  type OutboundMessage,
  type SendProgress,
} from '../../core/types.js';
import type { HttpMountable } from '../../http/server.js';
import type { ChannelDeps } from '../index.js';
import { isHarmlessDeleteError, toDeliveryError } from './errors.js';
import { createBotApiHttpClient } from './http-client.js';
import { ALLOWED_UPDATES, type Normalized, normalizeUpdate, orderKey } from './normalize.js';
import { renderMessage } from './render.js';

export { decodeChoice, encodeChoice, MAX_CALLBACK_DATA_BYTES, STALE_CHOICE_ID } from './callback-data.js';
export { isHarmlessDeleteError, toDeliveryError } from './errors.js';
export { ALLOWED_UPDATES, type Normalized, normalizeUpdate, orderKey } from './normalize.js';
export {
  buildKeyboard,
  buttonLabel,
  MAX_BUTTON_LABEL,
  MAX_KEYBOARD_BUTTONS,
  renderMessage,
  SHORT_BUTTON_LABEL,
  splitText,
  TELEGRAM_MAX_TEXT,
} from './render.js';

/** Route Telegram posts updates to in webhook mode; TELEGRAM_WEBHOOK_URL must reach it. */
export const TELEGRAM_WEBHOOK_PATH = '/telegram/webhook';
/** deleteMessages takes at most 100 ids per call. */
export const DELETE_BATCH = 100;
/** Seconds one getUpdates long poll waits for updates (Telegram allows up to 50). */
const POLL_TIMEOUT_SECONDS = 30;
/**
 * Retries inside one API call. The outbox dispatcher already retries every failed delivery with
 * backoff (1 s, 2 s, 4 s, …) and honours retry_after from the DeliveryError, and its retries
 * survive a restart. So the plugin only absorbs short hiccups: a 429 with retry_after up to 5 s
 * and 5xx (3 s, then 6 s) at most twice; longer waits go back to the outbox. Network errors are
 * rethrown at once because the plugin would retry them without any attempt limit, blocking a
 * delivery slot while Telegram is unreachable; the outbox retries them with its own backoff.
 */
export const AUTO_RETRY: AutoRetryOptions = {
  maxRetryAttempts: 2,
  maxDelaySeconds: 5,
  rethrowInternalServerErrors: false,
  rethrowHttpErrors: true,
};
/** Attempts to hand an update to the engine in place (SQLite busy, …) before the update is retried later. */
const SINK_ATTEMPTS = 3;
/**
 * Long polling: first wait before asking Telegram again for an update that could not be stored
 * (it stays unconfirmed, so Telegram gives it back); the wait doubles up to the maximum.
 */
export const TELEGRAM_STORE_RETRY_BASE_MS = 1000;
export const TELEGRAM_STORE_RETRY_MAX_MS = 30_000;
/** Wait after a failed getUpdates call (network, 5xx) when Telegram gives no retry_after. */
const POLL_ERROR_WAIT_MS = 3000;
/** Callback queries answered recently, so a press retried after a store failure is answered once. */
const ANSWERED_MEMORY = 1000;
/** Longest wait in stop() for calls in flight. */
const STOP_WAIT_MS = 5000;
/** A group is left once, even though joining produces two updates. */
const REFUSAL_MEMORY_MS = 60_000;

export interface TelegramAdapterOptions {
  pollTimeoutSeconds?: number;
  /** First wait before retrying an update the engine could not store (default TELEGRAM_STORE_RETRY_BASE_MS). */
  storeRetryBaseMs?: number;
  autoRetry?: Partial<AutoRetryOptions>;
}

export function createTelegramAdapter(
  { config, logger, translator }: ChannelDeps,
  options: TelegramAdapterOptions = {},
): ChannelAdapter & HttpMountable {
  const token = config.TELEGRAM_BOT_TOKEN;
  if (!token) throw new Error('TELEGRAM_BOT_TOKEN is not set');
  const webhookUrl = config.TELEGRAM_WEBHOOK_URL;
  const webhookSecret = config.TELEGRAM_WEBHOOK_SECRET;
  const log = logger.child({ channel: 'telegram' });

  const http = createBotApiHttpClient();
  const bot = new Bot(token, {
    client: { apiRoot: config.TELEGRAM_API_ROOT.replace(/\/+$/, ''), fetch: http.fetch as never },
  });
  const retry = autoRetry({ ...AUTO_RETRY, ...options.autoRetry });
  // Calls of a sender that paces and retries by itself (SendProgress.failFast) skip the plugin:
  // a 429 must reach that sender at once so it pauses every send, not only this one.
  const failFast = new WeakSet<AbortSignal>();
  bot.api.config.use((prev, method, payload, signal) =>
    signal && failFast.has(signal as unknown as AbortSignal)
      ? prev(method, payload, signal)
      : retry(prev, method, payload, signal),
  );

  let sink: InboundSink | undefined;
  let running = false;
  let lifecycle: Promise<void> | undefined;
  let stopSignal = new AbortController();
  const refused = new Map<number, number>();

  /** Hands a message to the engine; throws NotStored when it could not be stored (Telegram must resend it). */
  async function toEngine(message: InboundMessage): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      if (!sink) throw new NotStored(new Error('telegram channel is not started'));
      try {
        return await sink(message);
      } catch (error) {
        if (attempt >= SINK_ATTEMPTS) throw new NotStored(error);
        await sleep(100 * attempt);
      }
    }
  }

  /** Side calls (answers, group refusals) run beside the update loop; stop() waits for them. */
  const background = new Set<Promise<void>>();
  function inBackground(task: () => Promise<void>): void {
    const p = task().finally(() => background.delete(p));
    background.add(p);
  }

  const answered = new Set<string>();
  function answer(callbackQueryId: string | undefined): void {
    if (!callbackQueryId || answered.has(callbackQueryId)) return;
    answered.add(callbackQueryId);
    if (answered.size > ANSWERED_MEMORY) answered.delete(answered.values().next().value as string);
    // Stops the spinner on the button. Not awaited: while auto-retry waits out a 5xx here, the
    // next updates must not wait, and a failed answer must not undo the handled press.
    inBackground(() =>
      bot.api
        .answerCallbackQuery(callbackQueryId)
        .then(() => undefined)
        .catch((err: unknown) => log.warn({ err }, 'answerCallbackQuery failed')),
    );
  }

  /**
   * Someone added the bot to a group: leave at once, posting nothing. A line saying what Tirek is
   * for would be read by everyone in the group, maybe by the person who hurts someone there.
   * Nothing about the group is stored.
   */
  async function refuseGroup(n: Extract<Normalized, { action: 'refuse-group' }>): Promise<void> {
    const now = Date.now();
    for (const [id, at] of refused) if (now - at > REFUSAL_MEMORY_MS) refused.delete(id);
    if (refused.has(n.chatId)) return;
    refused.set(n.chatId, now);
    await bot.api.leaveChat(n.chatId).catch((err: unknown) => log.warn({ err }, 'leaveChat failed'));
    log.info('left a group chat');
  }

  async function handle(update: Update): Promise<void> {
    const n = normalizeUpdate(update);
    switch (n.action) {
      case 'inbound':
        try {
          await toEngine(n.message);
        } finally {
          answer(n.callbackQueryId);
        }
        return;
      case 'refuse-group':
        answer(n.callbackQueryId);
        inBackground(() => refuseGroup(n));
        return;
      case 'ignore':
        answer(n.callbackQueryId);
        return;
    }
  }

  // the only handler: every update goes through normalize (must stay the last and only one)
  bot.use((ctx) => handle(ctx.update));

  /**
   * Long polling, by hand rather than bot.start() or @grammyjs/runner: grammY confirms an update
   * whose handler threw (and confirms the update in flight on stop), and the runner confirms
   * updates as it fetches them, so a message that could not be stored would be lost. Here an
   * update is confirmed (the next getUpdates offset passes it) only once the engine has stored it;
   * until then Telegram gives it back and it is tried again, in order. The updates of one batch
   * are handled at once across chats (handleBatch), so one slow turn does not hold other people's.
   */
  async function poll(): Promise<void> {
    await bot.api.deleteWebhook({ drop_pending_updates: false }, asSignal(stopSignal.signal));
    let offset = 0;
    let failures = 0;
    try {
      while (running) {
        let updates: Update[];
        try {
          updates = await bot.api.getUpdates(
            {
              offset,
              timeout: options.pollTimeoutSeconds ?? POLL_TIMEOUT_SECONDS,
              allowed_updates: [...ALLOWED_UPDATES],
            },
            asSignal(stopSignal.signal),
          );
        } catch (err) {
          if (!running) return;
          // a wrong token or another instance polling: set up again (run() retries with backoff)
          if (err instanceof GrammyError && (err.error_code === 401 || err.error_code === 409)) throw err;
          const after = err instanceof GrammyError ? err.parameters.retry_after : undefined;
          log.warn({ err }, 'getUpdates failed; polling again shortly');
          await sleep(typeof after === 'number' ? after * 1000 : POLL_ERROR_WAIT_MS, stopSignal.signal);
          continue;
        }
        if (updates.length === 0) continue;
        const notDone = await handleBatch(updates);
        if (notDone === undefined) {
          failures = 0;
          offset = (updates.at(-1) as Update).update_id + 1;
          continue;
        }
        // ask again from the first update not stored: it and the ones after it come back in order
        // (those stored meanwhile are dropped by the engine as duplicates)
        offset = notDone;
        if (!running) return;
        failures++;
        const wait = Math.min(
          (options.storeRetryBaseMs ?? TELEGRAM_STORE_RETRY_BASE_MS) * 2 ** (failures - 1),
          TELEGRAM_STORE_RETRY_MAX_MS,
        );
        log.warn({ failures, retryInMs: wait }, 'telegram update not stored; Telegram keeps it, retrying');
        await sleep(wait, stopSignal.signal);
      }
    } finally {
      // confirm what was handled, so a restart does not get it again (duplicates would be dropped anyway)
      if (offset > 0) {
        await bot.api
          .getUpdates({ offset, limit: 1, timeout: 0 }, asSignal(AbortSignal.timeout(2000)))
          .catch(() => undefined);
      }
    }
  }

  /**
   * Hands a fetched batch to the engine: the updates of one chat one after another, in order,
   * different chats at once (the engine serialises per person as well). The batch is confirmed
   * only when every update in it is stored, so a crash mid-batch loses nothing: Telegram gives the
   * unconfirmed ones back. A chat whose update could not be stored hands over none of its later
   * ones, so its order holds when they come again. Resolves with the id of the first update not
   * stored (undefined when all were).
   */
  async function handleBatch(updates: readonly Update[]): Promise<number | undefined> {
    const byChat = new Map<string, Update[]>();
    for (const update of updates) {
      const key = orderKey(update);
      const list = byChat.get(key);
      if (list) list.push(update);
      else byChat.set(key, [update]);
    }
    let first: number | undefined;
    const notStored = (id: number) => {
      if (first === undefined || id < first) first = id;
    };
    await Promise.all(
      [...byChat.values()].map(async (chat) => {
        for (const update of chat) {
          if (!running || !(await handleOne(update))) return notStored(update.update_id);
        }
      }),
    );
    return first;
  }

  /** true when the update is done with (handled, or skipped for good); false when it must come again. */
  async function handleOne(update: Update): Promise<boolean> {
    try {
      await bot.handleUpdate(update);
      return true;
    } catch (err) {
      const cause = err instanceof BotError ? err.error : err;
      if (cause instanceof NotStored) return false;
      // a bug in translating this update: retrying would stall every chat behind it
      log.error({ err: cause }, 'telegram update failed; skipped');
      return true;
    }
  }

  async function registerCommands(): Promise<void> {
    const commands = (lang: Lang): BotCommand[] =>
      GLOBAL_COMMANDS.map((command) => ({
        command,
        description: translator.t(lang, `telegram:commands.${command}`),
      }));
    const scope = { type: 'all_private_chats' } as const;
    for (const lang of LANGS) await bot.api.setMyCommands(commands(lang), { scope, language_code: lang });
    // people whose Telegram is in another language see the Russian list
    await bot.api.setMyCommands(commands(DEFAULT_LANG), { scope });
  }

  async function setUp(): Promise<void> {
    await bot.init();
    await registerCommands().catch((err: unknown) => log.warn({ err }, 'setMyCommands failed'));
    if (webhookUrl) {
      await bot.api.setWebhook(webhookUrl, {
        secret_token: webhookSecret,
        allowed_updates: [...ALLOWED_UPDATES],
        drop_pending_updates: false,
      });
    }
  }

  /** Set up (retrying while Telegram is unreachable), then poll until stopped. */
  async function run(onFirstAttempt: () => void): Promise<void> {
    for (let attempt = 1; running; attempt++) {
      try {
        await setUp();
        onFirstAttempt();
        if (webhookUrl || !running) return;
        // deletes any webhook, then long-polls, handling each batch at once across chats, in order per chat
        await poll();
        return;
      } catch (err) {
        onFirstAttempt();
        if (!running) return;
        const delay = Math.min(attempt * 2000, 60_000);
        log.error({ err, attempt, retryInMs: delay }, 'telegram connection failed; retrying');
        await sleep(delay, stopSignal.signal);
      }
    }
  }

  async function deleteAll(chatId: number, refs: readonly string[]): Promise<void> {
    const ids = [...new Set(refs)].filter((r) => /^\d{1,12}$/.test(r)).map(Number);
    for (let i = 0; i < ids.length; i += DELETE_BATCH) {
      const batch = ids.slice(i, i + DELETE_BATCH);
      try {
        await bot.api.deleteMessages(chatId, batch);
      } catch (error) {
        if (!isHarmlessDeleteError(error)) throw toDeliveryError(error);
        // One message Telegram refuses to delete (older than 48 hours, a fresh dice, …) can fail the
        // whole batch: delete the rest one by one.
        if (batch.length > 1) await deleteEach(chatId, batch);
      }
    }
  }

  async function deleteEach(chatId: number, ids: readonly number[]): Promise<void> {
    for (const id of ids) {
      try {
        await bot.api.deleteMessage(chatId, id);
      } catch (error) {
        if (!isHarmlessDeleteError(error)) throw toDeliveryError(error);
      }
    }
  }

  /**
   * Sends a message, split into parts if long. Parts already delivered by an earlier attempt (the
   * outbox row remembers how many, across restarts and instances) are skipped, and each part is
   * recorded as it goes, so a retry never repeats the beginning of a long text.
   */
  async function sendMessage(
    chatId: number,
    message: Extract<OutboundMessage, { type: 'message' }>,
    progress: SendProgress | undefined,
  ): Promise<DeliveryResult> {
    const parts = renderMessage(message);
    let sent = progress?.partsSent ?? 0;
    const refs: string[] = [];
    let signal: AbortSignal | undefined;
    if (progress?.failFast) {
      signal = new AbortController().signal;
      failFast.add(signal);
    }
    for (const part of parts.slice(sent)) {
      let result: { message_id: number };
      try {
        result = await bot.api.sendMessage(
          chatId,
          part.text,
          {
            reply_markup: part.reply_markup,
            link_preview_options: { is_disabled: true },
            ...(part.disable_notification ? { disable_notification: true } : {}),
          },
          signal && asSignal(signal),
        );
      } catch (error) {
        throw toDeliveryError(error);
      }
      sent++;
      refs.push(String(result.message_id));
      if (sent < parts.length) await progress?.onPart?.(sent, [...refs]);
    }
    return { refs };
  }

  return {
    channel: 'telegram',
    // Long polling must have one reader per token; webhook updates may reach any instance.
    singleInstance: !webhookUrl,

    async start(s) {
      sink = s;
      if (running) return;
      running = true;
      stopSignal = new AbortController();
      await new Promise<void>((resolve) => {
        lifecycle = run(resolve);
      });
      log.info({ mode: webhookUrl ? 'webhook' : 'polling' }, 'telegram channel started');
    },

    async stop() {
      running = false;
      stopSignal.abort();
      // a set-up call hanging on an unreachable Telegram must not hold the shutdown
      await Promise.race([Promise.all([lifecycle, ...background]), sleep(STOP_WAIT_MS)]);
      sink = undefined;
      // kept-alive connections end once the calls still in flight (if any) are answered
      void http
        .close()
        .catch((error: unknown) => log.warn({ err: error }, 'telegram http client close failed'));
    },

    async send(address, message, progress) {
      if (!/^-?\d{1,16}$/.test(address)) throw new DeliveryError('telegram', 'not a Telegram chat id');
      const chatId = Number(address);
      switch (message.type) {
        case 'clear':
          return { refs: [] }; // a Telegram chat has no page to clear
        case 'delete':
          await deleteAll(chatId, message.refs);
          return { refs: [] };
        case 'message':
          return sendMessage(chatId, message, progress);
      }
    },

    mount(app: Hono) {
      if (!webhookUrl || !webhookSecret) return;
      const expected = Buffer.from(webhookSecret);
      const callback = webhookCallback(bot, 'hono', { secretToken: webhookSecret });
      app.post(TELEGRAM_WEBHOOK_PATH, async (c) => {
        // checked here too, so a forged request never triggers any Bot API call (webhookCallback calls getMe first)
        const given = Buffer.from(c.req.header('X-Telegram-Bot-Api-Secret-Token') ?? '');
        if (given.length !== expected.length || !timingSafeEqual(given, expected)) return c.body(null, 401);
        // not started or stopping: 503 makes Telegram deliver the update again later
        if (!sink) return c.body(null, 503);
        try {
          return await callback(c);
        } catch (err) {
          // not stored (or a bug): a 5xx makes Telegram deliver the update again; the engine drops
          // it as a duplicate if it was stored after all
          const cause = err instanceof BotError ? err.error : err;
          log.warn(
            { err: cause instanceof NotStored ? cause.cause : cause },
            'telegram webhook update not handled',
          );
          return c.body(null, 500);
        }
      });
    },
  };
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done);
  });
}

/** The engine could not take an inbound message (its store is failing): Telegram must send it again. */
class NotStored extends Error {
  constructor(cause: unknown) {
    super('inbound message not stored', { cause });
    this.name = 'NotStored';
  }
}

/** grammY types its signals with the abort-controller package; Node's own AbortSignal is what it uses. */
const asSignal = (signal: AbortSignal) => signal as unknown as Parameters<Bot['api']['getUpdates']>[1];
