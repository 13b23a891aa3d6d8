import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTranslator } from '../../../src/i18n/translator.js';
import { removeDir, startTestApp, type TestApp } from '../../helpers/test-app.js';

const t = createTranslator();
let app: TestApp;
beforeAll(async () => {
  app = await startTestApp();
});
afterAll(async () => {
  await app?.stop();
  if (app) removeDir(app.dir);
});

const post = (body: unknown) =>
  fetch(`${app.baseUrl}/chat/messages`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });

/** Reads server-sent replies for a session until `count` have arrived. */
async function replies(session: string, count: number): Promise<string[]> {
  const res = await fetch(`${app.baseUrl}/chat/events?session=${session}`);
  const reader = res.body?.getReader();
  if (!reader) throw new Error('no stream');
  const texts: string[] = [];
  let buffer = '';
  const decoder = new TextDecoder();
  while (texts.length < count) {
    const { value, done } = await reader.read();
    if (done) break;
    buffer += decoder.decode(value, { stream: true });
    for (const m of buffer.matchAll(/event: reply\ndata: (.*)\n/g)) texts.push(JSON.parse(m[1] ?? '{}').text);
    buffer = buffer.slice(buffer.lastIndexOf('\n\n') + 2);
  }
  await reader.cancel();
  return texts;
}

describe('web chat HTTP API', () => {
  it('should serve the page in the language asked for, with no caching', async () => {
    const res = await fetch(`${app.baseUrl}/chat?lang=kk`);
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(await res.text()).toContain(`<title>${t.t('kk', 'webchat:title')}</title>`);
    const byHeader = await fetch(`${app.baseUrl}/chat`, { headers: { 'Accept-Language': 'en-GB,en;q=0.9' } });
    expect(await byHeader.text()).toContain(t.t('en', 'webchat:send'));
  });

  it('should refuse malformed, forged and oversized requests without touching the engine', async () => {
    const session = randomUUID();
    expect((await post('{not json')).status).toBe(400);
    expect((await post({ session: 'not-a-uuid', id: '1', text: 'hi' })).status).toBe(400);
    expect((await post({ session, id: '1', choice: '<script>' })).status).toBe(400);
    expect((await post({ session, id: '2', command: 'drop_tables' })).status).toBe(400);
    expect((await post({ session, id: '3', text: '   ' })).status).toBe(400);
    expect((await post({ session, id: '4', text: 'x'.repeat(60_000) })).status).toBe(413);
    expect((await fetch(`${app.baseUrl}/chat/events?session=nope`)).status).toBe(400);
  });

  it('should answer a 10 000-character message kindly', async () => {
    const session = randomUUID();
    const got = replies(session, 2);
    await new Promise((r) => setTimeout(r, 100));
    expect((await post({ session, id: 'long', lang: 'en', text: 'x'.repeat(10_000) })).status).toBe(202);
    expect(await got).toEqual([t.t('en', 'common:too_long'), t.t('en', 'intake:language.text')]);
  });
});
