/**
 * The HTTP client under grammY's Bot API calls (its `client.fetch` option).
 *
 * grammY's default on Node is node-fetch over an `http.Agent`; undici's `request` makes the same
 * call for one half to two thirds of its CPU, and every reply is at least one call
 * (`npm run bench -- --only=telegram` prints both; README, "Telegram end to end").
 * grammY reads nothing of the response but its JSON, so a lean response object is enough.
 * Uploads (form-data streams; Tirek sends none today) go through undici's full `fetch`.
 */
import { Agent, request, fetch as undiciFetch } from 'undici';

/** What grammY passes to `fetch` (see grammy/out/core/client.js). */
interface BotApiRequestInit {
  method?: string;
  headers?: Record<string, string>;
  body?: unknown;
  signal?: AbortSignal | null;
}

/** The part of a fetch Response that grammY uses. */
interface BotApiResponse {
  ok: boolean;
  status: number;
  json(): Promise<unknown>;
}

export type BotApiFetch = (url: string, init?: BotApiRequestInit) => Promise<BotApiResponse>;

export interface BotApiHttpClient {
  fetch: BotApiFetch;
  /** Closes the kept-alive connections (after the adapter stopped; a later call reopens them). */
  close(): Promise<void>;
}

/**
 * Kept-alive connections live this long unused. Telegram keeps idle connections for minutes; a
 * shorter client timeout than the server's means a request never meets a socket the server
 * has just closed (a POST is not retried on such a socket: the reply would wait for the outbox).
 */
const KEEP_ALIVE_MS = 30_000;

const keptAlive = () => new Agent({ keepAliveTimeout: KEEP_ALIVE_MS, keepAliveMaxTimeout: KEEP_ALIVE_MS });

export function createBotApiHttpClient(): BotApiHttpClient {
  let dispatcher = keptAlive();
  return {
    async fetch(url, init = {}) {
      if (typeof init.body !== 'string' && init.body !== undefined) {
        const res = await undiciFetch(url, { ...(init as object), dispatcher, duplex: 'half' } as never);
        return res as BotApiResponse;
      }
      // `connection` is hop-by-hop: the dispatcher keeps its connections alive by itself
      const { connection: _, ...headers } = init.headers ?? {};
      const res = await request(url, {
        method: (init.method ?? 'GET') as 'POST',
        headers,
        body: init.body,
        signal: init.signal ?? undefined,
        dispatcher,
      });
      return {
        ok: res.statusCode >= 200 && res.statusCode < 300,
        status: res.statusCode,
        json: () => res.body.json(),
      };
    },
    async close() {
      const old = dispatcher;
      dispatcher = keptAlive();
      await old.close();
    },
  };
}
