/**
 * The console's JSON API under /api/ (docs/console-api.md), mounted on the app's one HTTP server.
 * Without a session every route answers 401 (except POST /api/login); bodies over 16 kB get 413;
 * bad input gets a 4xx with a clear message, never a 500.
 */
import { Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import type { HttpMountable } from '../http/server.js';
import type { ConsoleDeps, ConsoleEnv } from './deps.js';
import { mountEvents } from './events.js';
import { BadInput, fail } from './http.js';
import { mountAdmin } from './routes-admin.js';
import { mountLogin, mountSelf } from './routes-auth.js';
import { ActionConflict, conflict, mountConversations } from './routes-conversations.js';
import { requireSession } from './session.js';

export const MAX_BODY_BYTES = 16 * 1024;

export function createConsoleApi(deps: ConsoleDeps): HttpMountable & { api: Hono<ConsoleEnv> } {
  const api = new Hono<ConsoleEnv>();
  api.onError((err, c) => {
    if (err instanceof BadInput) return fail(c, err.status, err.message);
    if (err instanceof ActionConflict) return conflict(c, err);
    deps.logger.error({ err, path: c.req.path }, 'console api failed');
    return fail(c, 500, 'something went wrong: please try again');
  });
  api.use(
    '*',
    bodyLimit({
      maxSize: MAX_BODY_BYTES,
      onError: (c) => fail(c, 413, `the body is larger than ${MAX_BODY_BYTES / 1024} kB`),
    }),
  );
  // Login is the only route before the session check.
  mountLogin(api, deps);
  api.use('*', requireSession(deps));
  mountSelf(api, deps);
  mountEvents(api, deps);
  mountConversations(api, deps);
  mountAdmin(api, deps);
  api.all('*', (c) => fail(c, 404, 'no such API route'));
  return {
    api,
    mount(app: Hono) {
      app.route('/api', api);
    },
  };
}
