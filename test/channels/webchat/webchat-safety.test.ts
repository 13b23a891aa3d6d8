/**
 * Safety in the web chat over HTTP (the page's own API: POST + server-sent events): erase asks
 * once with yes / no buttons, then clears the page and says what the browser may still keep.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { OutboundMessage } from '../../../src/core/types.js';
import { createTranslator } from '../../../src/i18n/translator.js';
import { countRows } from '../../helpers/count-rows.js';
import { removeDir, startTestApp, type TestApp } from '../../helpers/test-app.js';

const i18n = createTranslator();
const t = (key: string) => i18n.t('en', key, { retentionDays: 30 });
let app: TestApp;
beforeAll(async () => {
  app = await startTestApp();
});
afterAll(async () => {
  await app?.stop();
  if (app) removeDir(app.dir);
});

/** A page: posts messages and reads every server-sent reply of its session. */
async function openPage() {
  const session = randomUUID();
  const res = await fetch(`${app.baseUrl}/chat/events?session=${session}`);
  const reader = res.body?.getReader();
  if (!reader) throw new Error('no stream');
  const got: OutboundMessage[] = [];
  let buffer = '';
  const decoder = new TextDecoder();
  let ids = 0;
  void (async () => {
    for (;;) {
      const { value, done } = await reader.read().catch(() => ({ value: undefined, done: true }));
      if (done) return;
      buffer += decoder.decode(value, { stream: true });
      let end = buffer.indexOf('\n\n');
      while (end >= 0) {
        const m = /event: reply\ndata: (.*)/.exec(buffer.slice(0, end));
        if (m) got.push(JSON.parse(m[1] ?? '{}'));
        buffer = buffer.slice(end + 2);
        end = buffer.indexOf('\n\n');
      }
    }
  })();
  const post = async (body: Record<string, unknown>) => {
    const r = await fetch(`${app.baseUrl}/chat/messages`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ session, id: `m${++ids}`, lang: 'en', ...body }),
    });
    expect(r.status).toBe(202);
  };
  /** Waits until `n` replies in all have arrived; returns the ones since the last call. */
  let seen = 0;
  const next = async (n: number) => {
    const deadline = Date.now() + 10_000;
    while (got.length < seen + n && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    const fresh = got.slice(seen);
    seen = got.length;
    return fresh;
  };
  return { session, post, next, close: () => reader.cancel() };
}

const text = (m: OutboundMessage | undefined) => (m?.type === 'message' ? m.text : m?.type);

describe('web chat: erase asks once', () => {
  it('should ask with yes / no buttons; "no" keeps, "yes" erases, clears the page and says what stays', async () => {
    const page = await openPage();
    await page.post({ command: 'start' });
    await page.next(1);
    await page.post({ choice: 'en' });
    await page.post({ choice: 'yes' });
    await page.post({ choice: 'me' });
    expect((await page.next(4)).map(text)).toEqual([
      t('intake:safety.text'),
      t('intake:who.text'),
      t('intake:privacy.text'),
      t('menu:main.text'),
    ]);
    const contacts = () => countRows({ dbPath: app.dbPath, env: app.env }, 'contacts');
    const before = await contacts();

    await page.post({ choice: 'erase' }); // the menu entry
    const [question] = await page.next(1);
    expect(text(question)).toBe(t('erase:confirm'));
    expect(question?.type === 'message' && question.choices).toEqual([
      { id: 'erase_yes', label: t('erase:yes') },
      { id: 'erase_no', label: t('erase:no') },
    ]);
    await page.post({ choice: 'erase_no' });
    expect((await page.next(2)).map(text)).toEqual([t('erase:kept'), t('menu:main.text')]);
    expect(await contacts()).toBe(before);

    await page.post({ text: 'forget me' }); // the erase word
    expect((await page.next(1)).map(text)).toEqual([t('erase:confirm')]);
    await page.post({ choice: 'erase_yes' });
    // the page is told to clear itself, then the one honest line
    expect((await page.next(2)).map(text)).toEqual(['clear', t('erase:done_webchat')]);
    expect(await contacts()).toBe(before - 1);
    await page.close();
  });
});
