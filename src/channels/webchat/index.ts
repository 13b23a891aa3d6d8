/**
 * Web chat channel: a small page at /chat talking to the engine over HTTP (POST) and
 * Server-Sent Events (replies). It exists so anyone can try Tirek without a messenger token.
 * The browser keeps no history: the session id lives in a JS variable and dies with the tab.
 */

import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { streamSSE } from 'hono/streaming';
import { z } from 'zod';
import { DeliveryError } from '../../core/errors.js';
import { WEBCHAT_HEARTBEAT_MS } from '../../core/presence.js';
import {
  type ChannelAdapter,
  DEFAULT_LANG,
  GLOBAL_COMMANDS,
  type InboundMessage,
  type InboundSink,
  isLang,
  LANGS,
  type Lang,
  type OutboundMessage,
} from '../../core/types.js';
import type { HttpMountable } from '../../http/server.js';
import type { ChannelDeps } from '../index.js';

/** Longest text the page may post; the engine keeps 4000 characters of it. */
export const WEBCHAT_MAX_TEXT = 10_000;
/** A 10 000-character text in UTF-8 (up to 4 bytes a character) plus the envelope. */
const MAX_BODY_BYTES = 48 * 1024;
/** Keys of the page's own texts (locales/<lang>/webchat.json); the page gets them in all three languages. */
export const WEBCHAT_UI_KEYS = [
  'title',
  'quick_exit',
  'quick_exit_hint',
  'log_label',
  'connecting',
  'offline',
  'input_label',
  'send',
  'not_sent',
  'send_failed',
] as const;

const inboundSchema = z.object({
  session: z.uuid(),
  id: z.string().min(1).max(64),
  lang: z.enum(LANGS).optional(),
  text: z.string().max(WEBCHAT_MAX_TEXT).optional(),
  choice: z
    .string()
    .regex(/^[a-z0-9_]{1,32}$/)
    .optional(),
  command: z.enum(GLOBAL_COMMANDS).optional(),
});

const asset = (name: string) => readFileSync(new URL(`./public/${name}`, import.meta.url), 'utf8');

/**
 * Replies wait in the outbox (the database) until the person's page holds an event stream, on
 * any instance: nothing is kept in this process's memory, so no sticky sessions are needed.
 */
export function createWebchatAdapter({
  translator,
  logger,
  live,
  presence,
}: ChannelDeps): ChannelAdapter & HttpMountable {
  if (!live) throw new Error('the web chat needs the live outbox');
  let sink: InboundSink | undefined;

  const page = asset('chat.html');
  // Every UI text in every language, embedded in the page so it can follow the person's language
  // at once, without a reload. `<` is escaped so no text can close the script element.
  const uiJson = JSON.stringify(
    Object.fromEntries(
      LANGS.map((l) => [
        l,
        Object.fromEntries(WEBCHAT_UI_KEYS.map((k) => [k, translator.t(l, `webchat:${k}`)])),
      ]),
    ),
  ).replace(/</g, '\\u003c');
  const script = asset('chat.js');
  const style = asset('chat.css');

  return {
    channel: 'webchat',
    delivery: 'pull',
    async start(s) {
      sink = s;
    },
    async stop() {
      sink = undefined;
    },
    async send() {
      // Pages pull their own replies (LiveOutbox); the dispatcher never hands web chat rows here.
      throw new DeliveryError('webchat', 'delivered by the page stream', { retryable: true });
    },
    mount(app: Hono) {
      app.get('/chat', (c) => {
        const accepted = (c.req.header('Accept-Language') ?? '').toLowerCase().match(/[a-z]{2}/g) ?? [];
        const lang = [c.req.query('lang'), ...accepted].find((l): l is Lang => isLang(l)) ?? DEFAULT_LANG;
        const ui = (k: string) => escapeHtml(translator.t(lang, `webchat:${k}`));
        const html = page
          .replace('{{uiJson}}', () => uiJson)
          .replaceAll('{{lang}}', lang)
          .replace(/\{\{ui\.([a-z_]+)\}\}/g, (_m, k: string) => ui(k));
        c.header('Cache-Control', 'no-store');
        return c.html(html);
      });
      app.get('/chat/chat.js', (c) =>
        c.body(script, 200, { 'Content-Type': 'text/javascript; charset=utf-8' }),
      );
      app.get('/chat/chat.css', (c) => c.body(style, 200, { 'Content-Type': 'text/css; charset=utf-8' }));
      app.get('/chat/session', (c) => c.json({ session: randomUUID() }));

      app.get('/chat/events', (c) => {
        const id = z.uuid().safeParse(c.req.query('session'));
        if (!id.success) return c.text('bad session', 400);
        c.header('Cache-Control', 'no-store');
        return streamSSE(c, async (stream) => {
          const push = async (m: OutboundMessage) => {
            if (stream.aborted || stream.closed)
              throw new DeliveryError('webchat', 'page went away', { retryable: true });
            await stream.writeSSE({ event: 'reply', data: JSON.stringify(m) });
          };
          await stream.writeSSE({ event: 'ready', data: '{}' });
          const detach = live.attach('webchat', id.data, push);
          const keepAlive = setInterval(() => void stream.writeSSE({ event: 'ping', data: '{}' }), 25_000);
          // The console shows whether the page is still open (a heartbeat in the database).
          const seen = () =>
            void presence?.(id.data).catch((err: unknown) =>
              logger.warn({ channel: 'webchat', err }, 'presence heartbeat failed'),
            );
          seen();
          const heartbeat = setInterval(seen, WEBCHAT_HEARTBEAT_MS);
          await new Promise<void>((resolve) => stream.onAbort(resolve));
          clearInterval(keepAlive);
          clearInterval(heartbeat);
          detach();
        });
      });

      app.post(
        '/chat/messages',
        bodyLimit({ maxSize: MAX_BODY_BYTES, onError: (c) => c.json({ error: 'too large' }, 413) }),
        async (c) => {
          const parsed = inboundSchema.safeParse(await c.req.json().catch(() => null));
          if (!parsed.success) return c.json({ error: 'bad request' }, 400);
          const m = parsed.data;
          if (!sink) return c.json({ error: 'not ready' }, 503);
          const base = {
            channel: 'webchat' as const,
            userId: m.session,
            externalId: m.id,
            languageHint: m.lang,
          };
          let inbound: InboundMessage;
          if (m.command) inbound = { ...base, kind: 'command', command: m.command };
          else if (m.choice) inbound = { ...base, kind: 'choice', choice: m.choice };
          else if (m.text !== undefined && m.text.trim() !== '')
            inbound = { ...base, kind: 'text', text: m.text };
          else return c.json({ error: 'empty message' }, 400);
          try {
            await sink(inbound);
          } catch (err) {
            // Not stored: the page shows the message as not sent and posts it again (same id, so
            // it is handled once even if it was stored after all).
            logger.warn({ channel: 'webchat', err }, 'message not stored; the page will retry');
            return c.json({ error: 'not stored' }, 503);
          }
          // a page that posts is open (its stream may have opened before the person existed)
          void presence?.(m.session).catch(() => {});
          logger.debug({ channel: 'webchat' }, 'message accepted');
          return c.json({ ok: true }, 202);
        },
      );
    },
  };
}

function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`);
}
