/**
 * A console API client for tests: keeps the session cookie and CSRF token like the page does,
 * talks real HTTP to the real app (test/helpers/test-app.ts). Also: accounts and people to act on.
 */

import type { App } from '../../src/app.js';
import { hashPassword } from '../../src/console/passwords.js';
import type { ConsoleRole } from '../../src/core/console-ports.js';
import type { InboundMessage, RiskLevel } from '../../src/core/types.js';

export interface Answer {
  status: number;
  // biome-ignore lint/suspicious/noExplicitAny: test reads arbitrary JSON
  json: any;
  headers: Headers;
}

export class ConsoleClient {
  cookie: string | undefined;
  csrf: string | undefined;
  constructor(
    readonly baseUrl: string,
    readonly headers: Record<string, string> = {},
  ) {}

  async login(username: string, password: string, headers: Record<string, string> = {}): Promise<Answer> {
    const a = await this.request('POST', '/api/login', { username, password }, { headers });
    if (a.status === 200) {
      const set = a.headers.get('set-cookie') ?? '';
      this.cookie = set.split(';')[0];
      this.csrf = a.json.csrf;
    }
    return a;
  }

  async request(
    method: string,
    path: string,
    body?: unknown,
    options: { csrf?: string | null; headers?: Record<string, string>; raw?: string } = {},
  ): Promise<Answer> {
    const headers: Record<string, string> = { ...this.headers, ...options.headers };
    if (this.cookie) headers.cookie = this.cookie;
    const csrf = options.csrf === undefined ? this.csrf : options.csrf;
    if (csrf && method !== 'GET') headers['x-csrf-token'] = csrf;
    if (body !== undefined || options.raw !== undefined) headers['content-type'] = 'application/json';
    const res = await fetch(this.baseUrl + path, {
      method,
      headers,
      body: options.raw ?? (body === undefined ? undefined : JSON.stringify(body)),
    });
    const text = await res.text();
    let json: unknown = null;
    try {
      json = text ? JSON.parse(text) : null;
    } catch {
      json = text;
    }
    return { status: res.status, json, headers: res.headers };
  }

  get = (path: string) => this.request('GET', path);
  post = (path: string, body?: unknown) => this.request('POST', path, body ?? {});
  put = (path: string, body?: unknown) => this.request('PUT', path, body ?? {});
  delete = (path: string) => this.request('DELETE', path);
}

export const PASSWORD = 'correct horse battery staple';

export async function addUser(
  app: App,
  username: string,
  role: ConsoleRole = 'counsellor',
  displayName?: string,
) {
  return app.consoleStore.createUser({
    username,
    displayName: displayName ?? username[0]?.toUpperCase() + username.slice(1),
    role,
    passwordHash: await hashPassword(PASSWORD),
    now: Date.now(),
  });
}

export async function loggedIn(baseUrl: string, username: string): Promise<ConsoleClient> {
  const client = new ConsoleClient(baseUrl);
  const a = await client.login(username, PASSWORD);
  if (a.status !== 200) throw new Error(`login failed: ${a.status} ${JSON.stringify(a.json)}`);
  return client;
}

let externalId = 0;
/** A web-chat person talking to the bot through the engine (what the web chat's POST does). */
export function person(app: App, userId: string) {
  const send = (body: Record<string, unknown>) =>
    app.engine.receive({
      channel: 'webchat',
      userId,
      externalId: `console-test-${++externalId}`,
      ...body,
    } as InboundMessage);
  return {
    userId,
    contactId: app.pseudonym('webchat', userId),
    text: (text: string) => send({ kind: 'text', text }),
    choose: (choice: string) => send({ kind: 'choice', choice }),
    command: (command: string) => send({ kind: 'command', command }),
    /** Start, English, consent, for myself, then ask for a counsellor: queued at standard risk. */
    async queue() {
      await send({ kind: 'command', command: 'start' });
      await send({ kind: 'choice', choice: 'en' });
      await send({ kind: 'choice', choice: 'yes' });
      await send({ kind: 'choice', choice: 'me' });
      await send({ kind: 'choice', choice: 'counsellor' });
      const conv = await app.store.getConversation(app.pseudonym('webchat', userId));
      if (conv?.status !== 'queued') throw new Error(`not queued: ${conv?.status}`);
      return conv.id;
    },
    /** Through the screening (a partner; "threatened to kill": high risk), then a counsellor. */
    async highRisk() {
      for (const m of [
        { kind: 'command', command: 'start' },
        ...['en', 'yes', 'me', 'screening', 'start', 'no', 'no', 'partner', 'no', 'yes'].map((choice) => ({
          kind: 'choice',
          choice,
        })),
        ...Array.from({ length: 12 }, () => ({ kind: 'choice', choice: 'no' })), // a3 … d13, something else
        { kind: 'choice', choice: 'counsellor' },
      ])
        await send(m);
      const conv = await app.store.getConversation(app.pseudonym('webchat', userId));
      if (conv?.status !== 'queued' || conv.riskLevel !== 'high')
        throw new Error(`not queued at high risk: ${conv?.status} ${conv?.riskLevel}`);
      return conv.id;
    },
  };
}

/** A queued conversation written straight to the store, at a given risk and time (queue order tests). */
export async function queuedAt(
  app: App,
  userId: string,
  risk: RiskLevel | null,
  at: number,
): Promise<number> {
  const contactId = `test-contact-${userId}`;
  return app.store.transaction(async (tx) => {
    await tx.upsertContact({ id: contactId, channel: 'telegram', address: `chat-${userId}`, now: at });
    const c = await tx.createConversation(
      {
        contactId,
        channel: 'telegram',
        lang: 'en',
        status: 'queued',
        flow: 'handoff',
        flowVersion: 1,
        snapshot: null,
        riskLevel: risk,
        who: 'me',
      },
      at,
    );
    await tx.enqueueHandoff(c.id, risk, at);
    return c.id;
  });
}

/** What the bot sent a web-chat person so far (as their page would pull it), oldest first. */
export async function drain(app: App, contactId: string): Promise<string[]> {
  const texts: string[] = [];
  for (;;) {
    const { items } = await app.store.claimOutboxFor(contactId, Date.now() + 1000);
    const item = items[0];
    if (!item) return texts;
    if (item.message.type === 'message') texts.push(item.message.text);
    await app.store.markOutboxSent(item.id, [], Date.now());
  }
}
