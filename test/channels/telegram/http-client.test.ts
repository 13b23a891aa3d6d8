/**
 * The HTTP client under grammY's Bot API calls (src/channels/telegram/http-client.ts), against a
 * real HTTP server on 127.0.0.1: what grammY sends arrives whole, answers and errors come back as
 * grammY expects them, connections are kept alive, aborts end a call, uploads still work.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Api, GrammyError, HttpError, InputFile } from 'grammy';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type BotApiHttpClient, createBotApiHttpClient } from '../../../src/channels/telegram/http-client.js';

interface Seen {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  body: Buffer;
}

const TOKEN = '123:test-token';

describe('Bot API HTTP client', () => {
  let server: Server;
  let root: string;
  let seen: Seen[];
  let connections: number;
  /** What the server answers to each call (default: an ok result). */
  let answer: (s: Seen) => { status: number; body: unknown } | 'hang';
  let client: BotApiHttpClient;
  let api: Api;

  beforeEach(async () => {
    seen = [];
    connections = 0;
    answer = () => ({ status: 200, body: { ok: true, result: { message_id: seen.length } } });
    server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const s = {
          method: req.method ?? '',
          url: req.url ?? '',
          headers: req.headers,
          body: Buffer.concat(chunks),
        };
        seen.push(s);
        const a = answer(s);
        if (a === 'hang') return;
        res.writeHead(a.status, { 'content-type': 'application/json' }).end(JSON.stringify(a.body));
      });
    });
    server.keepAliveTimeout = 60_000;
    server.on('connection', () => connections++);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    root = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    client = createBotApiHttpClient();
    api = new Api(TOKEN, { apiRoot: root, fetch: client.fetch as never });
  });

  afterEach(async () => {
    await client.close();
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  it('should send grammY calls as JSON and hand back their results, over one kept-alive connection', async () => {
    const first = await api.sendMessage(42, 'Привет, сіз қауіпсізсіз? <b>ok</b>', { parse_mode: 'HTML' });
    const second = await api.sendMessage(43, 'two');
    expect(first.message_id).toBe(1);
    expect(second.message_id).toBe(2);
    expect(seen.map((s) => [s.method, s.url])).toEqual([
      ['POST', `/bot${TOKEN}/sendMessage`],
      ['POST', `/bot${TOKEN}/sendMessage`],
    ]);
    expect(seen[0]?.headers['content-type']).toBe('application/json');
    expect(JSON.parse(String(seen[0]?.body))).toEqual({
      chat_id: 42,
      text: 'Привет, сіз қауіпсізсіз? <b>ok</b>',
      parse_mode: 'HTML',
    });
    // kept alive: more calls, no new connections (undici may open a second one while the first
    // is being freed; without keep-alive every call would open its own)
    for (let i = 0; i < 6; i++) await api.getMe();
    expect(connections).toBeLessThanOrEqual(2);
  });

  it("should give grammY Telegram's error answers (a GrammyError with the error code)", async () => {
    answer = () => ({
      status: 403,
      body: { ok: false, error_code: 403, description: 'Forbidden: bot was blocked by the user' },
    });
    const error = await api.sendMessage(42, 'hi').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(GrammyError);
    expect((error as GrammyError).error_code).toBe(403);
    expect((error as GrammyError).description).toMatch(/blocked/);
  });

  it('should end a call when its signal aborts (an HttpError, not a hang)', async () => {
    answer = () => 'hang';
    const controller = new AbortController();
    const call = api.getMe(controller.signal as never).catch((e: unknown) => e);
    await until(() => seen.length === 1);
    controller.abort();
    expect(await call).toBeInstanceOf(HttpError);
  });

  it('should fail a call with an HttpError when the server is gone', async () => {
    const gone = new Api(TOKEN, { apiRoot: 'http://127.0.0.1:1', fetch: client.fetch as never });
    expect(await gone.getMe().catch((e: unknown) => e)).toBeInstanceOf(HttpError);
  });

  it('should upload files (a form-data stream) through the same client', async () => {
    await api.sendDocument(42, new InputFile(Buffer.from('hello file'), 'note.txt'));
    const s = seen[0] as Seen;
    expect(s.url).toBe(`/bot${TOKEN}/sendDocument`);
    expect(s.headers['content-type']).toMatch(/^multipart\/form-data/);
    expect(String(s.body)).toContain('filename=note.txt');
    expect(String(s.body)).toContain('hello file');
  });

  it('should make new connections after close (an adapter started again)', async () => {
    await api.getMe();
    expect(connections).toBe(1);
    await client.close();
    await api.getMe();
    expect(seen).toHaveLength(2);
    expect(connections).toBe(2);
  });
});

async function until(ok: () => boolean): Promise<void> {
  for (let i = 0; i < 200 && !ok(); i++) await new Promise((r) => setTimeout(r, 10));
  if (!ok()) throw new Error('condition not reached');
}
