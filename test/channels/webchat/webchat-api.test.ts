import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WEBCHAT_UI_KEYS } from '../../../src/channels/webchat/index.js';
import { LANGS } from '../../../src/core/types.js';
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

  it('should embed every UI text in kk, ru and en, safe inside the page', async () => {
    const html = await (await fetch(`${app.baseUrl}/chat?lang=ru`)).text();
    const json = /<script type="application\/json" id="ui-texts">([^<]*)<\/script>/.exec(html)?.[1];
    expect(json).toBeDefined();
    const texts = JSON.parse(json ?? '{}');
    for (const lang of LANGS)
      for (const key of WEBCHAT_UI_KEYS)
        expect(texts[lang][key], `${lang} ${key}`).toBe(t.t(lang, `webchat:${key}`));
  });

  it('should answer 503 when the message cannot be stored, and 202 once it is, handling it once', async () => {
    const engine = app.app.engine;
    const receive = engine.receive.bind(engine);
    let calls = 0;
    engine.receive = async (m) => {
      calls++;
      if (calls <= 2) throw new Error('SQLITE_IOERR: disk I/O error');
      return receive(m);
    };
    try {
      const session = randomUUID();
      const got = replies(session, 1);
      await new Promise((r) => setTimeout(r, 100));
      const body = { session, id: 'retry-1', lang: 'en', text: 'help' };
      expect((await post(body)).status).toBe(503);
      expect((await post(body)).status).toBe(503);
      expect((await post(body)).status).toBe(202);
      expect((await post(body)).status).toBe(202); // the same id again: a duplicate, dropped
      expect((await got)[0]).toBe(t.t('en', 'common:sos.text'));
      await engine.idle();
      expect(calls).toBe(4);
    } finally {
      engine.receive = receive;
    }
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
