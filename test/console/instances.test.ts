/**
 * Several instances on one PostgreSQL database, no sticky sessions: a session made on one instance
 * works on the other, and a change on one instance reaches a console streaming from the other
 * (LISTEN/NOTIFY behind the Notifier).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { BACKENDS } from '../helpers/backends.js';
import { removeDir, startTestApp, type TestApp, testEnv } from '../helpers/test-app.js';
import { addUser, ConsoleClient, loggedIn, person } from './console-client.js';

const postgres = BACKENDS.find((b) => b.name === 'postgres') as (typeof BACKENDS)[number];
const apps: TestApp[] = [];
afterEach(async () => {
  for (const t of apps.splice(0)) {
    await t.stop().catch(() => {});
    removeDir(t.dir);
  }
});

async function sse(baseUrl: string, cookie: string) {
  const res = await fetch(`${baseUrl}/api/events`, { headers: { cookie } });
  expect(res.status).toBe(200);
  const reader = (res.body as ReadableStream<Uint8Array>).getReader();
  let seen = '';
  return {
    async until(pattern: RegExp) {
      const deadline = Date.now() + 8000;
      while (!pattern.test(seen)) {
        if (Date.now() > deadline) throw new Error(`no ${pattern} in: ${seen}`);
        const { value, done } = await reader.read();
        if (done) throw new Error('stream ended');
        seen += new TextDecoder().decode(value);
      }
    },
    close: () => reader.cancel(),
  };
}

describe('console across instances (PostgreSQL)', () => {
  it('should share sessions and stream a change made on another instance', async () => {
    const { databaseUrl } = await postgres.fresh();
    const { env, dir } = testEnv({ DATABASE_URL: databaseUrl as string });
    const a = await startTestApp({ env, dir });
    apps.push(a);
    const b = await startTestApp({ env: { ...env, DATABASE_PATH: `${dir}/b.db` }, dir });
    apps.push(b);
    await addUser(a.app, 'aigerim', 'counsellor', 'Aigerim');
    const onA = await loggedIn(a.baseUrl, 'aigerim');
    // the cookie from instance A works on instance B
    const onB = new ConsoleClient(b.baseUrl);
    onB.cookie = onA.cookie;
    onB.csrf = onA.csrf;
    expect((await onB.get('/api/me')).json.user.displayName).toBe('Aigerim');

    const stream = await sse(b.baseUrl, onA.cookie ?? '');
    await stream.until(/event: ready/);
    const id = await person(a.app, 'web-x').highRisk();
    await stream.until(/event: alert\ndata: \{"risk":"high"\}/);
    await stream.until(/event: queue/);
    await stream.until(new RegExp(`event: conversation\\ndata: \\{"id":${id}\\}`));
    // and B's queue shows the person A just queued; an action on B reaches A's engine's outbox
    expect((await onB.get('/api/queue')).json.waiting.map((r: { id: number }) => r.id)).toEqual([id]);
    expect((await onB.post(`/api/conversations/${id}/take`)).status).toBe(200);
    const second = await onA.post(`/api/conversations/${id}/take`);
    expect(second.status).toBe(200); // same counsellor: taking again changes nothing
    await stream.close();
  });
});
