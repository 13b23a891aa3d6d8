/**
 * Console API auth over real HTTP against the real app: login, idle timeout (injected clock),
 * logout, cookie flags, CSRF on state-changing routes, roles, the login rate limit per account and
 * per address (kept in the database), and 401 on every /api/ route without a session.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { hashToken } from '../../src/console/session.js';
import { removeDir, startTestApp, type TestApp } from '../helpers/test-app.js';
import { addUser, ConsoleClient, loggedIn, PASSWORD } from './console-client.js';

const apps: TestApp[] = [];
afterEach(async () => {
  for (const t of apps.splice(0)) {
    await t.stop();
    removeDir(t.dir);
  }
});

async function start(options: Parameters<typeof startTestApp>[0] = {}) {
  const t = await startTestApp(options);
  apps.push(t);
  return t;
}

/** Every /api/ route of docs/console-api.md, with a body where it takes one. */
const ROUTES: Array<[string, string, unknown?]> = [
  ['POST', '/api/logout'],
  ['GET', '/api/me'],
  ['POST', '/api/duty', { onDuty: true }],
  ['GET', '/api/queue'],
  ['GET', '/api/events'],
  ['GET', '/api/conversations/1'],
  ['POST', '/api/conversations/1/take'],
  ['POST', '/api/conversations/1/reply', { text: 'hi' }],
  ['POST', '/api/conversations/1/notes', { text: 'note' }],
  ['POST', '/api/conversations/1/transfer', { to: 1 }],
  ['POST', '/api/conversations/1/handback'],
  ['POST', '/api/conversations/1/close', { outcome: 'resolved' }],
  ['POST', '/api/conversations/1/block', { reason: 'abuse' }],
  ['POST', '/api/conversations/1/unblock'],
  ['GET', '/api/canned'],
  ['POST', '/api/canned', { title: 't', text: { kk: 'a', ru: 'b', en: 'c' } }],
  ['PUT', '/api/canned/1', { title: 't', text: { kk: 'a', ru: 'b', en: 'c' } }],
  ['DELETE', '/api/canned/1'],
  ['GET', '/api/users'],
  ['POST', '/api/users', { username: 'x', displayName: 'X', role: 'counsellor', password: 'p'.repeat(12) }],
  ['POST', '/api/users/1/disable'],
  ['POST', '/api/users/1/enable'],
  ['POST', '/api/users/1/password', { password: 'p'.repeat(12) }],
  ['GET', '/api/audit'],
  ['GET', '/api/directory'],
  ['POST', '/api/directory', {}],
  ['PUT', '/api/directory/1', {}],
  ['POST', '/api/directory/1/hide'],
  ['POST', '/api/directory/1/show'],
  ['GET', '/api/whatsapp'],
  ['GET', '/api/no-such-route'],
];

const ADMIN_ONLY: Array<[string, string, unknown?]> = [
  ['POST', '/api/conversations/1/unblock'],
  ['POST', '/api/canned', { title: 't', text: { kk: 'a', ru: 'b', en: 'c' } }],
  ['PUT', '/api/canned/1', { title: 't', text: { kk: 'a', ru: 'b', en: 'c' } }],
  ['DELETE', '/api/canned/1'],
  ['GET', '/api/users'],
  ['POST', '/api/users', { username: 'x', displayName: 'X', role: 'counsellor', password: 'p'.repeat(12) }],
  ['POST', '/api/users/1/disable'],
  ['POST', '/api/users/1/enable'],
  ['POST', '/api/users/1/password', { password: 'p'.repeat(12) }],
  ['GET', '/api/audit'],
  ['POST', '/api/directory/1/hide'],
  ['POST', '/api/directory/1/show'],
  ['GET', '/api/whatsapp'],
];

describe('console auth', () => {
  it('should log in with the right password and refuse a wrong one', async () => {
    const t = await start();
    await addUser(t.app, 'aigerim');
    const client = new ConsoleClient(t.baseUrl);
    const wrong = await client.login('aigerim', 'wrong password!!');
    expect(wrong.status).toBe(401);
    expect(wrong.json.error).toMatch(/wrong username or password/);
    const unknown = await client.login('nobody', PASSWORD);
    expect(unknown.status).toBe(401);
    const ok = await client.login('Aigerim', PASSWORD);
    expect(ok.status).toBe(200);
    expect(ok.json.user).toMatchObject({ username: 'aigerim', role: 'counsellor', onDuty: false });
    expect(typeof ok.json.csrf).toBe('string');
    const cookie = ok.headers.get('set-cookie') ?? '';
    expect(cookie).toMatch(/^tirek_console=/);
    expect(cookie).toMatch(/HttpOnly/i);
    expect(cookie).toMatch(/SameSite=Strict/i);
    expect(cookie).toMatch(/Path=\//);
    expect(cookie).not.toMatch(/Secure/i);
    const me = await client.get('/api/me');
    expect(me.status).toBe(200);
    expect(me.json).toEqual({ user: ok.json.user, csrf: ok.json.csrf });
  });

  it('should store only a hash of the session token', async () => {
    const t = await start();
    await addUser(t.app, 'aigerim');
    const client = await loggedIn(t.baseUrl, 'aigerim');
    const token = client.cookie?.split('=')[1] ?? '';
    expect(await t.app.consoleStore.touchSession(hashToken(token), Date.now(), 60_000, false)).toBeDefined();
    expect(await t.app.consoleStore.touchSession(token, Date.now(), 60_000, false)).toBeUndefined();
  });

  it('should mark the cookie Secure when the request came over https (X-Forwarded-Proto)', async () => {
    const t = await start();
    await addUser(t.app, 'aigerim');
    const client = new ConsoleClient(t.baseUrl, { 'x-forwarded-proto': 'https' });
    const ok = await client.login('aigerim', PASSWORD);
    expect(ok.headers.get('set-cookie')).toMatch(/; Secure/i);
  });

  it('should end a session after CONSOLE_IDLE_MINUTES without use, and keep it while used', async () => {
    let now = Date.now();
    const t = await start({ env: { CONSOLE_IDLE_MINUTES: '30' }, clock: () => now });
    await addUser(t.app, 'aigerim');
    const client = await loggedIn(t.baseUrl, 'aigerim');
    now += 29 * 60_000;
    expect((await client.get('/api/me')).status).toBe(200);
    now += 29 * 60_000; // 58 minutes after login, 29 after the last use
    expect((await client.get('/api/me')).status).toBe(200);
    now += 31 * 60_000;
    const ended = await client.get('/api/me');
    expect(ended.status).toBe(401);
    expect(ended.json.error).toMatch(/log in/);
    now += 1000; // and it stays ended
    expect((await client.get('/api/me')).status).toBe(401);
  });

  it('should log out: the session ends and the cookie is cleared', async () => {
    const t = await start();
    await addUser(t.app, 'aigerim');
    const client = await loggedIn(t.baseUrl, 'aigerim');
    const out = await client.post('/api/logout');
    expect(out.status).toBe(204);
    expect(out.headers.get('set-cookie')).toMatch(/tirek_console=;.*Max-Age=0/i);
    expect((await client.get('/api/me')).status).toBe(401);
  });

  it('should answer 401 on every /api/ route without a session, and with a forged cookie', async () => {
    const t = await start();
    const anonymous = new ConsoleClient(t.baseUrl);
    for (const [method, path, body] of ROUTES) {
      const a = await anonymous.request(method, path, body);
      expect([method, path, a.status]).toEqual([method, path, 401]);
      expect(a.json.error).toBeTruthy();
    }
    const forged = new ConsoleClient(t.baseUrl);
    forged.cookie = 'tirek_console=forged';
    forged.csrf = 'x';
    for (const [method, path, body] of ROUTES) {
      expect([method, path, (await forged.request(method, path, body)).status]).toEqual([method, path, 401]);
    }
  });

  it('should refuse every state-changing route without the CSRF token or with a wrong one (403)', async () => {
    const t = await start();
    await addUser(t.app, 'root', 'admin');
    const client = await loggedIn(t.baseUrl, 'root');
    for (const [method, path, body] of ROUTES.filter(([m]) => m !== 'GET')) {
      const none = await client.request(method, path, body, { csrf: null });
      expect([method, path, none.status]).toEqual([method, path, 403]);
      expect(none.json.error).toMatch(/CSRF/);
      const wrong = await client.request(method, path, body, { csrf: `${client.csrf}x` });
      expect([method, path, wrong.status]).toEqual([method, path, 403]);
      // a token of the right length is not enough: every character counts
      const csrf = client.csrf ?? '';
      const sameLength = `${csrf.slice(0, -1)}${csrf.endsWith('A') ? 'B' : 'A'}`;
      const forged = await client.request(method, path, body, { csrf: sameLength });
      expect([method, path, forged.status]).toEqual([method, path, 403]);
    }
    // nothing changed: the session is still there (logout was refused)
    expect((await client.get('/api/me')).status).toBe(200);
  });

  it('should answer 403 to a counsellor on every admin route', async () => {
    const t = await start();
    await addUser(t.app, 'aigerim');
    const client = await loggedIn(t.baseUrl, 'aigerim');
    for (const [method, path, body] of ADMIN_ONLY) {
      const a = await client.request(method, path, body);
      expect([method, path, a.status]).toEqual([method, path, 403]);
      expect(a.json.error).toMatch(/admin/);
    }
  });

  it('should rate-limit failed logins per account, also for the right password, across addresses', async () => {
    const t = await start({ env: { CONSOLE_TRUST_PROXY: 'true' } });
    await addUser(t.app, 'aigerim');
    for (let i = 0; i < 5; i++) {
      const c = new ConsoleClient(t.baseUrl, { 'x-forwarded-for': `10.0.0.${i}` });
      expect((await c.login('aigerim', 'wrong password!!')).status).toBe(401);
    }
    const c = new ConsoleClient(t.baseUrl, { 'x-forwarded-for': '10.0.1.1' });
    const limited = await c.login('aigerim', PASSWORD);
    expect(limited.status).toBe(429);
    expect(limited.json.error).toMatch(/too many/);
    // another account is not affected
    await addUser(t.app, 'dana');
    expect((await c.login('dana', PASSWORD)).status).toBe(200);
  });

  it('should rate-limit failed logins per address, whatever the account', async () => {
    const t = await start({ env: { CONSOLE_TRUST_PROXY: 'true' } });
    await addUser(t.app, 'aigerim');
    const c = new ConsoleClient(t.baseUrl, { 'x-forwarded-for': '192.0.2.7' });
    for (let i = 0; i < 20; i++) expect((await c.login(`guess${i}`, 'wrong password!!')).status).toBe(401);
    expect((await c.login('aigerim', PASSWORD)).status).toBe(429);
    const elsewhere = new ConsoleClient(t.baseUrl, { 'x-forwarded-for': '192.0.2.8' });
    expect((await elsewhere.login('aigerim', PASSWORD)).status).toBe(200);
  });

  it('should let the rate limit expire after its window (injected clock)', async () => {
    let now = Date.now();
    const t = await start({ clock: () => now });
    await addUser(t.app, 'aigerim');
    const c = new ConsoleClient(t.baseUrl);
    for (let i = 0; i < 5; i++) await c.login('aigerim', 'wrong password!!');
    expect((await c.login('aigerim', PASSWORD)).status).toBe(429);
    now += 16 * 60_000;
    expect((await c.login('aigerim', PASSWORD)).status).toBe(200);
  });

  it('should refuse a disabled account and end its sessions', async () => {
    const t = await start();
    await addUser(t.app, 'root', 'admin');
    const user = await addUser(t.app, 'aigerim');
    const admin = await loggedIn(t.baseUrl, 'root');
    const counsellor = await loggedIn(t.baseUrl, 'aigerim');
    expect((await admin.post(`/api/users/${user.id}/disable`)).json.user).toMatchObject({ disabled: true });
    expect((await counsellor.get('/api/me')).status).toBe(401);
    expect((await new ConsoleClient(t.baseUrl).login('aigerim', PASSWORD)).status).toBe(401);
    expect((await admin.post(`/api/users/${user.id}/enable`)).json.user).toMatchObject({ disabled: false });
    expect((await new ConsoleClient(t.baseUrl).login('aigerim', PASSWORD)).status).toBe(200);
  });
});
