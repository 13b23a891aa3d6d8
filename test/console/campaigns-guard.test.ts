/**
 * The campaigns API (src/broadcast) sits behind the console's own sign-in in the real app:
 * no session → 401, a counsellor → 403, an admin without the CSRF token → 403, an admin → 200.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { removeDir, startTestApp, type TestApp } from '../helpers/test-app.js';
import { addUser, ConsoleClient, loggedIn } from './console-client.js';

const apps: TestApp[] = [];
afterEach(async () => {
  for (const t of apps.splice(0)) {
    await t.stop();
    removeDir(t.dir);
  }
});

describe('campaigns behind the console sign-in', () => {
  it('should answer only an admin with a live session and the CSRF token', async () => {
    const t = await startTestApp();
    apps.push(t);
    await addUser(t.app, 'aigerim');
    await addUser(t.app, 'dana', 'admin');

    expect((await new ConsoleClient(t.baseUrl).get('/api/campaigns')).status).toBe(401);

    const counsellor = await loggedIn(t.baseUrl, 'aigerim');
    const refused = await counsellor.get('/api/campaigns');
    expect(refused.status).toBe(403);
    expect(refused.json.error).toMatch(/admin/);

    const admin = await loggedIn(t.baseUrl, 'dana');
    const list = await admin.get('/api/campaigns');
    expect(list.status).toBe(200);
    expect(list.json.campaigns).toEqual([]);

    const forged = await fetch(`${t.baseUrl}/api/campaigns/preview`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', cookie: admin.cookie ?? '' },
      body: JSON.stringify({}),
    });
    expect(forged.status).toBe(403);

    // the compose page itself is served (it holds no data: everything comes from the API)
    const page = await fetch(`${t.baseUrl}/console/campaigns`);
    expect(page.status).toBe(200);
  });
});
