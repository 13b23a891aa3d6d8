/**
 * Bad input never gets a 500: every route of the console API, as an admin (so every check runs),
 * with odd ids and bodies that are not what the route expects.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { removeDir, startTestApp, type TestApp } from '../helpers/test-app.js';
import { addUser, loggedIn, person } from './console-client.js';

const apps: TestApp[] = [];
afterEach(async () => {
  for (const t of apps.splice(0)) {
    await t.stop();
    removeDir(t.dir);
  }
});

const ROUTES: Array<[string, string]> = [
  ['POST', '/api/duty'],
  ['GET', '/api/conversations/:id'],
  ['POST', '/api/conversations/:id/take'],
  ['POST', '/api/conversations/:id/reply'],
  ['POST', '/api/conversations/:id/notes'],
  ['POST', '/api/conversations/:id/transfer'],
  ['POST', '/api/conversations/:id/handback'],
  ['POST', '/api/conversations/:id/close'],
  ['POST', '/api/conversations/:id/block'],
  ['POST', '/api/conversations/:id/unblock'],
  ['POST', '/api/canned'],
  ['PUT', '/api/canned/:id'],
  ['DELETE', '/api/canned/:id'],
  ['POST', '/api/users'],
  ['POST', '/api/users/:id/disable'],
  ['POST', '/api/users/:id/enable'],
  ['POST', '/api/users/:id/password'],
  ['GET', '/api/audit?limit=:id&before=:id'],
  ['POST', '/api/directory'],
  ['PUT', '/api/directory/:id'],
  ['POST', '/api/directory/:id/hide'],
  ['POST', '/api/directory/:id/show'],
  ['POST', '/api/login'],
];

const IDS = ['0', '-1', 'abc', '1.5', '99999999999999999999', '%00', '1e3'];
const BODIES = [
  '[]',
  'null',
  '"text"',
  '42',
  '{"text":null,"to":1e300,"outcome":{},"onDuty":1}',
  '{"to":9223372036854775808}',
  '{"to":-5,"reason":"","password":123}',
  '{"title":"t","text":{"kk":"","ru":"b","en":"c"}}',
  '{"region":1,"name":"x","phone":[],"checkedOn":"2026-13-45","languages":["de"]}',
  '{"username":"a b","displayName":"","role":"admin","password":"x"}',
  '{"__proto__":{"admin":true}}',
];

describe('console API bad input', () => {
  it('should answer every odd id and body with a 4xx and a message, never a 500', async () => {
    const t = await startTestApp();
    apps.push(t);
    await addUser(t.app, 'root', 'admin');
    const admin = await loggedIn(t.baseUrl, 'root');
    const real = String(await person(t.app, 'web-bad').queue());
    for (const [method, route] of ROUTES) {
      // odd ids with one body; the real id with every odd body
      const cases: Array<[string, string | undefined]> = [
        ...(route.includes(':id') ? IDS : []).map((id): [string, string | undefined] => [id, '{}']),
        ...(method === 'GET' || method === 'DELETE' ? [undefined] : BODIES).map(
          (raw): [string, string | undefined] => [real, raw],
        ),
      ];
      for (const [id, raw] of cases) {
        const path = route.replaceAll(':id', encodeURIComponent(id));
        const body = method === 'GET' || method === 'DELETE' ? {} : { raw };
        const a = await admin.request(method, path, undefined, body);
        expect([method, path, raw, a.status < 500]).toEqual([method, path, raw, true]);
        if (a.status >= 400) expect(typeof a.json?.error).toBe('string');
      }
    }
    // the session survived all of it
    expect((await admin.get('/api/me')).status).toBe(200);
  }, 120_000);
});
