/** Login, logout, who am I, and the duty toggle. */
import { randomBytes } from 'node:crypto';
import type { Hono } from 'hono';
import { z } from 'zod';
import { writeAudit } from './audit.js';
import type { ConsoleDeps, ConsoleEnv } from './deps.js';
import { SESSIONS_ENDED } from './events.js';
import { body, fail } from './http.js';
import { dummyHash, MAX_PASSWORD_LENGTH, verifyPassword } from './passwords.js';
import { clientAddress, isLimited, loginKeys, recordFailure } from './rate-limit.js';
import { toUserView } from './rows.js';
import { clearSessionCookie, hashToken, newToken, setSessionCookie } from './session.js';

const LoginBody = z.object({
  username: z.string().min(1).max(64),
  password: z.string().min(1).max(MAX_PASSWORD_LENGTH),
});
const DutyBody = z.object({ onDuty: z.boolean() });

/** POST /api/login: the one route that needs no session. */
export function mountLogin(api: Hono<ConsoleEnv>, deps: ConsoleDeps): void {
  api.post('/login', async (c) => {
    const { username, password } = await body(c, LoginBody);
    const keys = loginKeys(deps, username, clientAddress(c, deps));
    if (await isLimited(deps, keys))
      return fail(c, 429, 'too many failed logins: wait 15 minutes and try again');
    const found = await deps.consoleStore.findLogin(username);
    const ok = await verifyPassword(found?.passwordHash ?? (await dummyHash()), password);
    if (!found || !ok || found.user.disabled) {
      await recordFailure(deps, keys);
      return fail(c, 401, 'wrong username or password');
    }
    const now = deps.clock();
    await deps.consoleStore.clearLoginFailures(keys.account);
    const token = newToken();
    const csrf = randomBytes(24).toString('base64url');
    await deps.consoleStore.createSession({ tokenHash: hashToken(token), userId: found.user.id, csrf, now });
    await deps.consoleStore.markLogin(found.user.id, now);
    await writeAudit(deps.consoleStore, { actorId: found.user.id, action: 'login', now });
    setSessionCookie(c, deps, token);
    return c.json({ user: toUserView(found.user), csrf });
  });
}

export function mountSelf(api: Hono<ConsoleEnv>, deps: ConsoleDeps): void {
  api.post('/logout', async (c) => {
    await deps.consoleStore.deleteSession(c.get('tokenHash'));
    deps.notifier.publish(SESSIONS_ENDED);
    await writeAudit(deps.consoleStore, {
      actorId: c.get('session').user.id,
      action: 'logout',
      now: deps.clock(),
    });
    clearSessionCookie(c, deps);
    return c.body(null, 204);
  });
  api.get('/me', (c) => {
    const { user, csrf } = c.get('session');
    return c.json({ user: toUserView(user), csrf });
  });
  api.post('/duty', async (c) => {
    const { onDuty } = await body(c, DutyBody);
    const { user } = c.get('session');
    await deps.consoleStore.setOnDuty(user.id, onDuty);
    await writeAudit(deps.consoleStore, {
      actorId: user.id,
      action: onDuty ? 'duty on' : 'duty off',
      now: deps.clock(),
    });
    return c.json({ onDuty });
  });
}
