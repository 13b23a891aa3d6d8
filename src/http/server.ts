/**
 * One HTTP server for everything a browser or a webhook reaches: the web chat, the Telegram
 * webhook, later the counsellor console. Each part mounts its own routes.
 */
import type { AddressInfo } from 'node:net';
import { type ServerType, serve } from '@hono/node-server';
import { Hono } from 'hono';
import { secureHeaders } from 'hono/secure-headers';
import type { Logger } from '../logger.js';

/** Something that adds routes to the app (a channel's webhook, the web chat, the console). */
export interface HttpMountable {
  mount(app: Hono): void;
}

export function createHttpApp(parts: HttpMountable[], logger: Logger): Hono {
  const app = new Hono();
  app.use(
    secureHeaders({
      referrerPolicy: 'no-referrer',
      contentSecurityPolicy: {
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'"],
        styleSrc: ["'self'"],
        imgSrc: ["'self'", 'data:'],
        connectSrc: ["'self'"],
        frameAncestors: ["'none'"],
      },
    }),
  );
  app.get('/healthz', (c) => c.json({ ok: true }));
  for (const part of parts) part.mount(app);
  app.get('/', (c) => c.redirect('/chat'));
  app.notFound((c) => c.text('Not found', 404));
  app.onError((err, c) => {
    logger.error({ err, path: c.req.path }, 'http handler failed');
    return c.text('Something went wrong', 500);
  });
  return app;
}

export interface RunningServer {
  server: ServerType;
  port: number;
  close(): Promise<void>;
}

export function listen(app: Hono, host: string, port: number): Promise<RunningServer> {
  return new Promise((resolve, reject) => {
    const server = serve({ fetch: app.fetch, hostname: host, port }, (info: AddressInfo) => {
      resolve({
        server,
        port: info.port,
        close: () =>
          new Promise<void>((done) => {
            // SSE streams stay open forever: cut them so close() can finish
            (server as { closeAllConnections?: () => void }).closeAllConnections?.();
            server.close(() => done());
          }),
      });
    });
    server.once('error', reject);
  });
}
