/**
 * No secret in any file or log, web chat over HTTP: a person (a page session, its id planted)
 * walks through the screening, a legal topic and a hand-off with a counsellor's replies, then
 * quick exit and erase, posting to /chat/messages and reading /chat/events, while the app logs
 * everything at trace level to a file. Every file the app wrote, and on PostgreSQL every row, is
 * then searched for the planted strings.
 */
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { OutboundMessage } from '../../../src/core/types.js';
import { createTranslator } from '../../../src/i18n/translator.js';
import { countRows } from '../../helpers/count-rows.js';
import {
  fileLogger,
  findLeaks,
  logLines,
  needles,
  type Planted,
  plant,
  plantedSentence,
  queuedConversationId,
} from '../../helpers/leak-check.js';
import { removeDir, startTestApp, type TestApp, testEnv } from '../../helpers/test-app.js';

const t = createTranslator();
const COUNSELLOR = 1;

let app: TestApp;
let logFile: string;
let planted: Planted;
let stopped = false;
const session = randomUUID();
const received: OutboundMessage[] = [];
let stream: AbortController;

beforeAll(async () => {
  planted = plant();
  const { env, dir } = testEnv({ LOG_LEVEL: 'trace' });
  logFile = join(dir, 'logs', 'tirek.log');
  app = await startTestApp({ env, dir, logger: fileLogger(logFile) });
  stream = new AbortController();
  void listen(stream.signal);
});

afterAll(async () => {
  stream?.abort();
  if (!stopped) await app?.stop();
  if (app) removeDir(app.dir);
});

/** The page's event stream, open for the whole walk; every reply lands in `received`. */
async function listen(signal: AbortSignal): Promise<void> {
  const res = await fetch(`${app.baseUrl}/chat/events?session=${session}`, { signal });
  const reader = res.body?.getReader();
  if (!reader) return;
  const decoder = new TextDecoder();
  let buffer = '';
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      buffer += decoder.decode(value, { stream: true });
      let end = buffer.indexOf('\n\n');
      while (end >= 0) {
        const event = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        const data = /^event: reply\ndata: (.*)$/m.exec(event)?.[1];
        if (data) received.push(JSON.parse(data) as OutboundMessage);
        end = buffer.indexOf('\n\n');
      }
    }
  } catch {
    // aborted at the end of the test
  }
}

let nextId = 1;
async function post(body: Record<string, unknown>): Promise<void> {
  const before = received.length;
  const res = await fetch(`${app.baseUrl}/chat/messages`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ session, id: `m${nextId++}`, lang: 'en', ...body }),
  });
  expect(res.status).toBe(202);
  await app.app.engine.idle();
  // the page's stream gets the replies: wait until they stop coming
  for (let quiet = 0, seen = before; quiet < 5; ) {
    await new Promise((r) => setTimeout(r, 20));
    if (received.length === seen) quiet++;
    else {
      seen = received.length;
      quiet = 0;
    }
  }
}
const say = (text: string) => post({ text });
const choose = (choice: string) => post({ choice });
const command = (name: string) => post({ command: name });
const scan = () =>
  findLeaks({ dir: app.dir, needles: needles(planted, session), databaseUrl: app.env.DATABASE_URL });
const texts = () => received.flatMap((m) => (m.type === 'message' ? [m.text] : []));

describe('web chat: nothing planted in a conversation reaches a file or a log', () => {
  it('should walk screening, a legal topic, a hand-off with counsellor replies, quick exit and erase', async () => {
    await new Promise((r) => setTimeout(r, 100)); // the stream is open
    await say(`Hello ${planted.marker}`);
    for (const c of ['en', 'yes', 'me', 'screening', 'start', 'no', 'no', 'partner']) await choose(c);
    await say(plantedSentence(planted));
    for (const c of ['stop', 'legal', 'dv', 'back', 'counsellor']) await choose(c);
    await say(`Please call ${planted.phone}, ask for ${planted.name}`);
    const conversationId = await queuedConversationId(app);
    await app.app.engine.counsellor(conversationId, COUNSELLOR, { type: 'take' });
    const reply = `Hello ${planted.name}, I have your number ${planted.phone}. ${planted.marker}`;
    await app.app.engine.counsellor(conversationId, COUNSELLOR, { type: 'reply', text: reply });
    await say(`Yes, ${planted.street} is my mother's flat`);
    expect(texts()).toContain(reply);
    // while everything is still stored: only ciphertext, and nothing in the log
    expect(await scan()).toEqual([]);
    await command('exit');
    expect(received.some((m) => m.type === 'clear')).toBe(true);
    await command('erase');
    expect(await countRows(app, 'contacts')).toBe(1);
    await choose('erase_yes');
    expect(await countRows(app, 'contacts')).toBe(0);
    expect(texts()).toContain(t.t('en', 'erase:done_webchat'));
  });

  it('should have logged through the file logger', () => {
    expect(logLines(logFile).some((l) => l.msg === 'message accepted' && l.channel === 'webchat')).toBe(true);
  });

  it('should leave none of the planted strings in any file the app wrote, while running and after stopping', async () => {
    expect(await scan()).toEqual([]);
    stream.abort();
    await app.stop();
    stopped = true;
    expect(await scan()).toEqual([]);
  });
});
