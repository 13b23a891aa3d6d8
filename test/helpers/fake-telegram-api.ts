/**
 * A fake Telegram Bot API server for tests: node:http on 127.0.0.1 (random port), answering
 * POST /bot<token>/<method> like api.telegram.org for the methods Tirek uses, recording every call,
 * and able to fail the next calls of a method (429, 500, 403, dropped connection).
 * Point the app at it with TELEGRAM_API_ROOT=fake.apiRoot.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export const FAKE_BOT_TOKEN = '123456789:AAFakeTokenForTestsOnly_abcdefghijk';
export const FAKE_BOT = {
  id: 123456789,
  is_bot: true,
  first_name: 'Tirek',
  username: 'tirek_test_bot',
  can_join_groups: false,
  can_read_all_group_messages: false,
  supports_inline_queries: false,
  can_connect_to_business: false,
  has_main_web_app: false,
};

export interface ApiCall {
  method: string;
  payload: Record<string, unknown>;
  at: number;
  /** Set when the call was answered with an injected fault instead of being carried out. */
  fault?: Fault;
  /** What the fake answered (`result` of a successful call). */
  result?: unknown;
}

export type Fault =
  | { status: 429; retry_after: number }
  | { status: 500 | 502 }
  | { status: 403; description?: string }
  | { status: 400; description: string }
  | { drop: true };

/** A person in a private chat (chat id = user id, as Telegram does). */
export interface FakeUser {
  id: number;
  language_code?: string;
  first_name: string;
  last_name?: string;
  username?: string;
}

/** A message the bot sent, as the fake keeps it (edits and deletions applied). */
export interface BotMessage {
  chat_id: number;
  message_id: number;
  text: string;
  reply_markup?: { inline_keyboard: Array<Array<{ text: string; callback_data?: string }>> };
  deleted: boolean;
}

type Update = Record<string, unknown> & { update_id: number };

interface Waiter {
  offset: number;
  limit: number;
  res: ServerResponse;
  timer: NodeJS.Timeout;
}

export type NonTextKind =
  | 'sticker'
  | 'photo'
  | 'voice'
  | 'audio'
  | 'video'
  | 'video_note'
  | 'animation'
  | 'document'
  | 'location'
  | 'venue'
  | 'contact'
  | 'poll'
  | 'dice';

const FILE = { file_id: 'AgACAgIAAxkBAAIB', file_unique_id: 'AQADAgAD', file_size: 1000 };

/** The content field Telegram sets for each kind of non-text message (trimmed real payloads). */
export const NON_TEXT_CONTENT: Record<NonTextKind, Record<string, unknown>> = {
  sticker: {
    sticker: {
      ...FILE,
      type: 'regular',
      width: 512,
      height: 512,
      is_animated: false,
      is_video: false,
      emoji: '🙂',
    },
  },
  photo: { photo: [{ ...FILE, width: 90, height: 90 }] },
  voice: { voice: { ...FILE, duration: 3, mime_type: 'audio/ogg' } },
  audio: { audio: { ...FILE, duration: 30, mime_type: 'audio/mpeg' } },
  video: { video: { ...FILE, width: 640, height: 360, duration: 5 } },
  video_note: { video_note: { ...FILE, length: 240, duration: 4 } },
  animation: {
    animation: { ...FILE, width: 320, height: 240, duration: 2 },
    document: { ...FILE, mime_type: 'video/mp4' },
  },
  document: { document: { ...FILE, file_name: 'file.pdf', mime_type: 'application/pdf' } },
  location: { location: { latitude: 51.1605, longitude: 71.4704 } },
  venue: {
    location: { latitude: 51.1605, longitude: 71.4704 },
    venue: { location: { latitude: 51.1605, longitude: 71.4704 }, title: 'Park', address: 'Street 1' },
  },
  contact: { contact: { phone_number: '+70000000000', first_name: 'Test' } },
  poll: {
    poll: {
      id: '5000',
      question: 'Question?',
      options: [
        { text: 'A', voter_count: 0 },
        { text: 'B', voter_count: 0 },
      ],
      total_voter_count: 0,
      is_closed: false,
      is_anonymous: true,
      type: 'regular',
      allows_multiple_answers: false,
    },
  },
  dice: { dice: { emoji: '🎲', value: 3 } },
};

export class FakeTelegramApi {
  readonly calls: ApiCall[] = [];
  readonly botMessages: BotMessage[] = [];
  readonly #server: Server;
  readonly #token: string;
  readonly #updates: Update[] = [];
  readonly #waiters = new Set<Waiter>();
  readonly #faults = new Map<string, Array<{ fault: Fault; skip: number }>>();
  readonly #blocked = new Set<number>();
  readonly #messageIds = new Map<number, number>();
  #nextUpdateId = 1;
  #nextUserId = 7_000_000_001;
  #nextCallbackId = 1;
  #confirmedOffset = 0;
  #closed = false;
  port = 0;

  private constructor(token: string) {
    this.#token = token;
    this.#server = createServer((req, res) => void this.#handle(req, res));
    // Idle keep-alive connections stay open for the whole test: a close racing the bot's reuse of
    // the connection would make a send ambiguous (the broadcast sender then counts it "unknown").
    this.#server.keepAliveTimeout = 10 * 60_000;
  }

  static async start(token = FAKE_BOT_TOKEN): Promise<FakeTelegramApi> {
    const api = new FakeTelegramApi(token);
    await new Promise<void>((resolve) => api.#server.listen(0, '127.0.0.1', resolve));
    api.port = (api.#server.address() as AddressInfo).port;
    return api;
  }

  /** Value for TELEGRAM_API_ROOT. */
  get apiRoot(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  get token(): string {
    return this.#token;
  }

  /** Calls of one method, in order (faulted ones included). */
  callsTo(method: string): ApiCall[] {
    return this.calls.filter((c) => c.method === method);
  }

  /** Messages the bot sent to a chat, in order (successful sendMessage calls only). */
  messagesTo(chatId: number): BotMessage[] {
    return this.botMessages.filter((m) => m.chat_id === chatId);
  }

  /**
   * Answer the next `times` calls of `method` with `fault` instead of carrying them out,
   * after letting `skip` calls through.
   */
  failNext(method: string, fault: Fault, times = 1, skip = 0): void {
    const list = this.#faults.get(method) ?? [];
    for (let i = 0; i < times; i++) list.push({ fault, skip: i === 0 ? skip : 0 });
    this.#faults.set(method, list);
  }

  /** Forgets every fault still planned (the outage is over). */
  clearFaults(): void {
    this.#faults.clear();
  }

  #takeFault(method: string): Fault | undefined {
    const next = this.#faults.get(method)?.[0];
    if (!next) return undefined;
    if (next.skip > 0) {
      next.skip--;
      return undefined;
    }
    this.#faults.get(method)?.shift();
    return next.fault;
  }

  /** From now on every call addressed to this chat answers 403 "bot was blocked by the user". */
  block(chatId: number): void {
    this.#blocked.add(chatId);
  }

  /** A new person with a private chat. */
  newUser(language_code?: string): FakeUser {
    const id = this.#nextUserId++;
    return { id, first_name: 'Test', ...(language_code ? { language_code } : {}) };
  }

  // ---- updates a person (or Telegram) produces; each returns its update_id ----

  pushUpdate(update: Record<string, unknown>): number {
    const full = { ...update, update_id: this.#nextUpdateId++ } as Update;
    this.#updates.push(full);
    this.#flush();
    return full.update_id;
  }

  /** A message in the person's private chat with the given fields (text, sticker, …). */
  sendMessage(user: FakeUser, fields: Record<string, unknown>): { updateId: number; messageId: number } {
    const messageId = this.#nextMessageId(user.id);
    const updateId = this.pushUpdate({ message: this.#message(user, messageId, fields) });
    return { updateId, messageId };
  }

  sendText(user: FakeUser, text: string): number {
    return this.sendMessage(user, { text }).updateId;
  }

  sendCommand(user: FakeUser, command: string, payload?: string): number {
    const text = payload ? `/${command} ${payload}` : `/${command}`;
    return this.sendMessage(user, {
      text,
      entities: [{ type: 'bot_command', offset: 0, length: command.length + 1 }],
    }).updateId;
  }

  sendNonText(user: FakeUser, kind: NonTextKind): number {
    return this.sendMessage(user, NON_TEXT_CONTENT[kind]).updateId;
  }

  sendForwarded(user: FakeUser, text = 'forwarded words'): number {
    return this.sendMessage(user, {
      text,
      forward_origin: { type: 'hidden_user', sender_user_name: 'Someone', date: now() },
    }).updateId;
  }

  /** The person edits one of their earlier messages. */
  editMessage(user: FakeUser, messageId: number, text: string): number {
    return this.pushUpdate({
      edited_message: { ...this.#message(user, messageId, { text }), edit_date: now() },
    });
  }

  /** The person presses a button with this callback data (on `messageId`, by default the bot's last message). */
  pressButton(user: FakeUser, data: string, messageId?: number): number {
    const msgId = messageId ?? this.messagesTo(user.id).at(-1)?.message_id ?? 1;
    return this.pushUpdate({
      callback_query: {
        id: `${user.id}${this.#nextCallbackId++}`,
        from: this.#from(user),
        chat_instance: `ci${user.id}`,
        message: { message_id: msgId, date: now(), chat: this.#chat(user), from: FAKE_BOT, text: '…' },
        data,
      },
    });
  }

  /** Someone adds the bot to a group: the membership update and the service message, as Telegram sends them. */
  addBotToGroup(
    user: FakeUser,
    chatId = -1_001_234_567_890,
    type: 'group' | 'supergroup' = 'supergroup',
  ): number[] {
    const chat = { id: chatId, type, title: 'Family' };
    return [
      this.pushUpdate({
        my_chat_member: {
          chat,
          from: this.#from(user),
          date: now(),
          old_chat_member: { status: 'left', user: FAKE_BOT },
          new_chat_member: { status: 'member', user: FAKE_BOT },
        },
      }),
      this.pushUpdate({
        message: {
          message_id: this.#nextMessageId(chatId),
          date: now(),
          chat,
          from: this.#from(user),
          new_chat_members: [FAKE_BOT],
          new_chat_member: FAKE_BOT,
          new_chat_participant: FAKE_BOT,
        },
      }),
    ];
  }

  /** A command typed in a group the bot is (still) in. */
  sendGroupMessage(user: FakeUser, text: string, chatId = -1_001_234_567_891): number {
    return this.pushUpdate({
      message: {
        message_id: this.#nextMessageId(chatId),
        date: now(),
        chat: { id: chatId, type: 'group', title: 'Family' },
        from: this.#from(user),
        text,
      },
    });
  }

  sendChannelPost(text = 'news', chatId = -1_009_999_999_999): number {
    return this.pushUpdate({
      channel_post: {
        message_id: this.#nextMessageId(chatId),
        date: now(),
        chat: { id: chatId, type: 'channel', title: 'News' },
        text,
      },
    });
  }

  // ---- waiting ----

  /** Resolves with the predicate's first truthy value, checking every 10 ms. */
  async waitFor<T>(
    predicate: () => T | undefined | false | null | Promise<T | undefined | false | null>,
    timeoutMs = 10_000,
    what = 'condition',
  ): Promise<T> {
    const until = Date.now() + timeoutMs;
    for (;;) {
      const value = await predicate();
      if (value) return value;
      if (Date.now() > until) throw new Error(`fake Telegram: timed out waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 10));
    }
  }

  /** Resolves once the bot has handled `updateId`: it asked for the updates after it. */
  async waitHandled(updateId: number, timeoutMs = 10_000): Promise<void> {
    await this.waitFor(() => this.#confirmedOffset > updateId, timeoutMs, `update ${updateId} to be handled`);
  }

  /** Resolves once some bot is long-polling. */
  async waitPolling(timeoutMs = 10_000): Promise<void> {
    await this.waitFor(() => this.callsTo('getUpdates').length > 0, timeoutMs, 'getUpdates');
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    for (const w of this.#waiters) this.#answerWaiter(w, []);
    await new Promise<void>((resolve) => {
      this.#server.closeAllConnections();
      this.#server.close(() => resolve());
    });
  }

  // ---- internals ----

  #nextMessageId(chatId: number): number {
    const id = (this.#messageIds.get(chatId) ?? 0) + 1;
    this.#messageIds.set(chatId, id);
    return id;
  }

  #from(user: FakeUser) {
    return { id: user.id, is_bot: false, ...this.#names(user), language_code: user.language_code };
  }

  #names(user: FakeUser) {
    return {
      first_name: user.first_name,
      ...(user.last_name ? { last_name: user.last_name } : {}),
      ...(user.username ? { username: user.username } : {}),
    };
  }

  #chat(user: FakeUser) {
    return { id: user.id, type: 'private', ...this.#names(user) };
  }

  #message(user: FakeUser, messageId: number, fields: Record<string, unknown>) {
    return { message_id: messageId, date: now(), chat: this.#chat(user), from: this.#from(user), ...fields };
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const match = /^\/bot([^/]+)\/([A-Za-z]+)$/.exec(req.url ?? '');
    const body = await readBody(req);
    if (!match) return reply(res, 404, { ok: false, error_code: 404, description: 'Not Found' });
    const [, token, method = ''] = match;
    if (token !== this.#token)
      return reply(res, 401, { ok: false, error_code: 401, description: 'Unauthorized' });
    const payload = parsePayload(req.headers['content-type'], body);
    const call: ApiCall = { method, payload, at: Date.now() };
    this.calls.push(call);

    const fault = this.#takeFault(method);
    if (fault) {
      call.fault = fault;
      if ('drop' in fault) {
        req.socket.destroy();
        return;
      }
      return reply(res, fault.status, faultBody(fault));
    }
    const chatId = typeof payload.chat_id === 'number' ? payload.chat_id : Number(payload.chat_id);
    if (this.#blocked.has(chatId) && method !== 'getUpdates') {
      call.fault = { status: 403 };
      return reply(res, 403, {
        ok: false,
        error_code: 403,
        description: 'Forbidden: bot was blocked by the user',
      });
    }
    if (method === 'getUpdates') return this.#getUpdates(payload, res, req);
    const result = this.#carryOut(method, payload, chatId);
    if (result === undefined) {
      return reply(res, 404, { ok: false, error_code: 404, description: 'Not Found: method not found' });
    }
    if (typeof result === 'object' && result !== null && 'error' in result) {
      return reply(res, 400, { ok: false, error_code: 400, description: String(result.error) });
    }
    call.result = result;
    reply(res, 200, { ok: true, result });
  }

  #carryOut(method: string, p: Record<string, unknown>, chatId: number): unknown {
    switch (method) {
      case 'getMe':
        return FAKE_BOT;
      case 'sendMessage': {
        const text = String(p.text ?? '');
        if (text.length === 0) return { error: 'Bad Request: message text is empty' };
        if (text.length > 4096) return { error: 'Bad Request: message is too long' };
        const m: BotMessage = {
          chat_id: chatId,
          message_id: this.#nextMessageId(chatId),
          text,
          reply_markup: p.reply_markup as BotMessage['reply_markup'],
          deleted: false,
        };
        this.botMessages.push(m);
        return {
          message_id: m.message_id,
          date: now(),
          chat: { id: chatId, type: chatId > 0 ? 'private' : 'supergroup' },
          from: FAKE_BOT,
          text,
          ...(m.reply_markup ? { reply_markup: m.reply_markup } : {}),
        };
      }
      case 'editMessageText':
      case 'editMessageReplyMarkup': {
        const m = this.botMessages.find((x) => x.chat_id === chatId && x.message_id === p.message_id);
        if (!m || m.deleted) return { error: 'Bad Request: message to edit not found' };
        if (method === 'editMessageText') m.text = String(p.text ?? '');
        m.reply_markup = p.reply_markup as BotMessage['reply_markup'];
        return { message_id: m.message_id, date: now(), chat: { id: chatId, type: 'private' }, text: m.text };
      }
      case 'deleteMessage':
      case 'deleteMessages': {
        const ids = method === 'deleteMessage' ? [p.message_id] : ((p.message_ids as unknown[]) ?? []);
        if (ids.length > 100) return { error: 'Bad Request: too many messages to delete' };
        let found = 0;
        for (const m of this.botMessages) {
          if (m.chat_id === chatId && ids.includes(m.message_id) && !m.deleted) {
            m.deleted = true;
            found++;
          }
        }
        // the person's own messages are not tracked; deleteMessages skips what it cannot find
        if (method === 'deleteMessage' && found === 0 && !this.#isUserMessage(chatId, p.message_id)) {
          return { error: 'Bad Request: message to delete not found' };
        }
        return true;
      }
      case 'answerCallbackQuery':
      case 'leaveChat':
      case 'setMyCommands':
      case 'deleteMyCommands':
      case 'setWebhook':
      case 'deleteWebhook':
      case 'sendChatAction':
        return true;
      case 'getWebhookInfo':
        return { url: '', has_custom_certificate: false, pending_update_count: 0 };
      default:
        return undefined;
    }
  }

  #isUserMessage(chatId: number, messageId: unknown): boolean {
    return typeof messageId === 'number' && messageId <= (this.#messageIds.get(chatId) ?? 0);
  }

  #getUpdates(p: Record<string, unknown>, res: ServerResponse, req: IncomingMessage): void {
    const offset = Number(p.offset ?? 0);
    const limit = Math.min(Number(p.limit ?? 100) || 100, 100);
    const timeout = Number(p.timeout ?? 0);
    if (offset > this.#confirmedOffset) this.#confirmedOffset = offset;
    // updates below the offset are confirmed: Telegram forgets them
    while (this.#updates.length > 0 && (this.#updates[0] as Update).update_id < offset) this.#updates.shift();
    const ready = this.#updates.slice(0, limit);
    if (ready.length > 0 || timeout <= 0 || this.#closed) {
      reply(res, 200, { ok: true, result: ready });
      return;
    }
    const waiter: Waiter = {
      offset,
      limit,
      res,
      timer: setTimeout(() => this.#answerWaiter(waiter, []), timeout * 1000),
    };
    this.#waiters.add(waiter);
    // the bot aborted the long poll (bot.stop): forget it
    req.once('close', () => {
      if (!res.writableEnded) {
        clearTimeout(waiter.timer);
        this.#waiters.delete(waiter);
      }
    });
  }

  #flush(): void {
    for (const w of this.#waiters) {
      const ready = this.#updates.filter((u) => u.update_id >= w.offset).slice(0, w.limit);
      if (ready.length > 0) this.#answerWaiter(w, ready);
    }
  }

  #answerWaiter(w: Waiter, updates: Update[]): void {
    clearTimeout(w.timer);
    this.#waiters.delete(w);
    if (!w.res.writableEnded && !w.res.destroyed) reply(w.res, 200, { ok: true, result: updates });
  }
}

function now(): number {
  return Math.floor(Date.now() / 1000);
}

function faultBody(fault: Exclude<Fault, { drop: true }>) {
  switch (fault.status) {
    case 429:
      return {
        ok: false,
        error_code: 429,
        description: `Too Many Requests: retry after ${fault.retry_after}`,
        parameters: { retry_after: fault.retry_after },
      };
    case 403:
      return {
        ok: false,
        error_code: 403,
        description: fault.description ?? 'Forbidden: bot was blocked by the user',
      };
    case 400:
      return { ok: false, error_code: 400, description: fault.description };
    default:
      return { ok: false, error_code: fault.status, description: 'Internal Server Error' };
  }
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', () => resolve(''));
  });
}

/** grammY sends JSON for calls without files; form bodies are accepted too, like the real API. */
function parsePayload(contentType: string | undefined, body: string): Record<string, unknown> {
  if (body === '') return {};
  if (contentType?.includes('application/x-www-form-urlencoded')) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of new URLSearchParams(body)) out[k] = tryJson(v);
    return out;
  }
  const parsed = tryJson(body);
  return typeof parsed === 'object' && parsed !== null ? (parsed as Record<string, unknown>) : {};
}

function tryJson(s: string): unknown {
  try {
    return JSON.parse(s);
  } catch {
    return s;
  }
}

function reply(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'Content-Type': 'application/json' });
  res.end(JSON.stringify(body));
}
