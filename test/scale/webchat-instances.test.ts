/**
 * The web chat without sticky sessions: the page's event stream is held by one instance, its
 * messages reach another, and the replies still arrive (PostgreSQL LISTEN/NOTIFY + the outbox).
 */
import { randomUUID } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { createTranslator } from '../../src/i18n/translator.js';
import { BACKENDS } from '../helpers/backends.js';
import { removeDir, startTestApp, type TestApp, testEnv } from '../helpers/test-app.js';

const t = createTranslator();
const apps: TestApp[] = [];
afterAll(async () => {
  for (const a of apps) {
    await a.stop();
    removeDir(a.dir);
  }
});

/** Collects server-sent replies of a session from one instance. */
async function openStream(base: string, session: string) {
  const res = await fetch(`${base}/chat/events?session=${session}`);
  const reader = res.body?.getReader();
  if (!reader) throw new Error('no stream');
  const texts: string[] = [];
  let buffer = '';
  const decoder = new TextDecoder();
  let ready: () => void = () => {};
  const isReady = new Promise<void>((r) => (ready = r));
  void (async () => {
    for (;;) {
      const { value, done } = await reader.read().catch(() => ({ value: undefined, done: true }));
      if (done) return;
      buffer += decoder.decode(value, { stream: true });
      const events = buffer.split('\n\n');
      buffer = events.pop() ?? '';
      for (const e of events) {
        if (e.includes('event: ready')) ready();
        const m = /event: reply\ndata: (.*)/.exec(e);
        if (m) texts.push(JSON.parse(m[1] ?? '{}').text);
      }
    }
  })();
  await isReady;
  return { texts, close: () => reader.cancel() };
}

const post = (base: string, body: unknown) =>
  fetch(`${base}/chat/messages`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify(body),
  });

async function until(check: () => boolean, what: string, timeoutMs = 15_000) {
  const end = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

describe('web chat across two instances on one PostgreSQL', () => {
  it('should deliver replies to the page whichever instance got the message', async () => {
    const postgres = BACKENDS.find((b) => b.name === 'postgres') as (typeof BACKENDS)[number];
    const { databaseUrl } = await postgres.fresh();
    const first = testEnv({ DATABASE_URL: databaseUrl as string });
    const a = await startTestApp(first);
    apps.push(a);
    const b = await startTestApp(
      testEnv({ DATABASE_URL: databaseUrl as string, DATA_KEY: first.env.DATA_KEY as string }),
    );
    apps.push(b);

    const session = randomUUID();
    const stream = await openStream(a.baseUrl, session); // the page is connected to instance A
    expect((await post(b.baseUrl, { session, id: 'm1', lang: 'en', command: 'start' })).status).toBe(202);
    await until(() => stream.texts.length >= 1, 'the first question on A');
    expect(stream.texts[0]).toBe(t.t('en', 'intake:language.text'));
    expect((await post(b.baseUrl, { session, id: 'm2', choice: 'en' })).status).toBe(202);
    await until(() => stream.texts.length >= 2, 'the second question on A');
    expect(stream.texts[1]).toBe(t.t('en', 'intake:safety.text'));
    // a reply written while no page is open waits in the database and comes when one connects
    await stream.close();
    expect((await post(a.baseUrl, { session, id: 'm3', text: 'sos' })).status).toBe(202);
    const again = await openStream(b.baseUrl, session);
    await until(() => again.texts.length >= 1, 'the waiting reply on B');
    expect(again.texts[0]).toBe(t.t('en', 'common:sos.text'));
    await again.close();
  });
});
