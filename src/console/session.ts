/**
 * Console sessions: a random token in an HttpOnly, SameSite=Strict cookie (Secure over https); the
 * database keeps only its SHA-256, so a leaked database opens no session. Sessions live in the
 * database (any instance serves any request) and end after CONSOLE_IDLE_MINUTES without use.
 * Every POST/PUT/DELETE carries the session's CSRF token in X-CSRF-Token.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Context, MiddlewareHandler } from 'hono';
import { deleteCookie, getCookie, setCookie } from 'hono/cookie';
import type { ConsoleDeps, ConsoleEnv } from './deps.js';
import { fail } from './http.js';

export const SESSION_COOKIE = 'tirek_console';

export const hashToken = (token: string) => createHash('sha256').update(token).digest('hex');
export const newToken = () => randomBytes(32).toString('base64url');

/** The request came over https (directly, or as a proxy says). */
function isHttps(c: Context): boolean {
  return new URL(c.req.url).protocol === 'https:' || c.req.header('x-forwarded-proto') === 'https';
}

export function setSessionCookie(c: Context, deps: ConsoleDeps, token: string): void {
  setCookie(c, SESSION_COOKIE, token, {
    httpOnly: true,
    sameSite: 'Strict',
    path: '/',
    secure: deps.config.CONSOLE_SECURE_COOKIE || isHttps(c),
  });
}

export function clearSessionCookie(c: Context, deps: ConsoleDeps): void {
  deleteCookie(c, SESSION_COOKIE, {
    path: '/',
    sameSite: 'Strict',
    httpOnly: true,
    secure: deps.config.CONSOLE_SECURE_COOKIE || isHttps(c),
  });
}

function sameToken(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

const STATE_CHANGING = new Set(['POST', 'PUT', 'DELETE', 'PATCH']);

/** 401 without a live session; 403 for a state-changing request without the right CSRF token. */
export function requireSession(deps: ConsoleDeps): MiddlewareHandler<ConsoleEnv> {
  const idleMs = deps.config.CONSOLE_IDLE_MINUTES * 60_000;
  return async (c, next) => {
    const token = getCookie(c, SESSION_COOKIE);
    if (!token || token.length > 100) return fail(c, 401, 'please log in');
    const tokenHash = hashToken(token);
    const session = await deps.consoleStore.touchSession(tokenHash, deps.clock(), idleMs);
    if (!session) {
      clearSessionCookie(c, deps);
      return fail(c, 401, 'your session has ended: please log in again');
    }
    if (STATE_CHANGING.has(c.req.method)) {
      const csrf = c.req.header('x-csrf-token') ?? '';
      if (!sameToken(csrf, session.csrf)) return fail(c, 403, 'missing or wrong X-CSRF-Token header');
    }
    c.set('session', session);
    c.set('tokenHash', tokenHash);
    await next();
  };
}

/** 403 unless the session's user is an admin. */
export const requireAdmin: MiddlewareHandler<ConsoleEnv> = async (c, next) => {
  if (c.get('session').user.role !== 'admin') return fail(c, 403, 'only an admin can do this');
  await next();
};

/**
 * The console's admin check for routes other parts mount outside /api's own tree (campaigns):
 * a live session, the CSRF token on state-changing requests, the admin role; sets `user`.
 */
export function consoleAdminGuard(deps: ConsoleDeps): MiddlewareHandler {
  const session = requireSession(deps);
  return async (c, next) => {
    const ctx = c as Context<ConsoleEnv>;
    const answer = await session(ctx, async () => {
      const refused = await requireAdmin(ctx, async () => {
        c.set('user', ctx.get('session').user);
        await next();
      });
      if (refused) ctx.res = refused;
    });
    if (answer) return answer;
  };
}
