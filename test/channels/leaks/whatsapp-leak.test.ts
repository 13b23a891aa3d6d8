/**
 * No secret in any file or log, WhatsApp: a person whose WhatsApp number is planted walks through
 * the screening, a legal topic and a hand-off (a counsellor's reply first fails with a
 * whatsapp-web.js-style error quoting the chat id), then quick exit and erase, while the app logs
 * everything at trace level to a file. Every file the app wrote (the WhatsApp login store aside),
 * and on PostgreSQL every row, is then searched for the planted strings.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createWhatsappAdapter } from '../../../src/channels/whatsapp/index.js';
import { loadConfig } from '../../../src/config.js';
import { createTranslator } from '../../../src/i18n/translator.js';
import { countRows } from '../../helpers/count-rows.js';
import { FakeWhatsappClient } from '../../helpers/fake-whatsapp-client.js';
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
import { parseWhatsappText } from '../../helpers/whatsapp-harness.js';

const t = createTranslator();
const COUNSELLOR = 1;
/** The person's WhatsApp number, as whatsapp-web.js addresses the chat. */
const NUMBER = '77019876543';
const CHAT_ID = `${NUMBER}@c.us`;

let app: TestApp;
let client: FakeWhatsappClient;
let logFile: string;
let sessionStore: string;
let planted: Planted;
let stopped = false;

beforeAll(async () => {
  planted = plant();
  const { env, dir } = testEnv({
    LOG_LEVEL: 'trace',
    WHATSAPP_ENABLED: 'false',
  });
  env.WHATSAPP_SESSION_DIR = join(dir, 'whatsapp');
  // whatsapp-web.js's own login store (LocalAuth: <dir>/session) is WhatsApp's, not ours: not searched
  sessionStore = join(env.WHATSAPP_SESSION_DIR, 'session');
  mkdirSync(sessionStore, { recursive: true });
  writeFileSync(join(sessionStore, 'Local State'), `{"last_chat":"${CHAT_ID}"}`);
  logFile = join(dir, 'logs', 'tirek.log');
  const logger = fileLogger(logFile);
  const config = loadConfig(env);
  client = new FakeWhatsappClient();
  const adapter = createWhatsappAdapter({ config, logger, translator: createTranslator() }, client, {
    minIntervalMs: 1,
    jitterMs: 0,
    showQr: () => {},
  });
  app = await startTestApp({ env, dir, logger, channelOverrides: { whatsapp: adapter } });
});

afterAll(async () => {
  if (!stopped) await app?.stop();
  if (app) removeDir(app.dir);
});

const scan = () =>
  findLeaks({
    dir: app.dir,
    needles: needles(planted, NUMBER),
    databaseUrl: app.env.DATABASE_URL,
    skip: [sessionStore],
  });
const settle = async () => {
  await app.app.engine.idle();
  await app.app.dispatcher.drain(20_000);
};
const type = async (body: string) => {
  await client.receive({ from: CHAT_ID, body, type: 'chat' });
  await settle();
};
/** Types the number of the choice with this label (English) from the latest numbered list. */
const choose = async (labelKey: string) => {
  await settle();
  const label = t.t('en', labelKey);
  const list = client
    .sentTo(CHAT_ID)
    .map((m) => parseWhatsappText(m.text))
    .filter((r) => r.choices.length > 0)
    .at(-1);
  const index = list?.choices.indexOf(label) ?? -1;
  if (!list || index < 0) throw new Error(`no choice "${label}" in ${JSON.stringify(list?.choices)}`);
  await type(list.numbers[index] as string);
};

describe('WhatsApp: nothing planted in a conversation reaches a file or a log', () => {
  it('should walk screening, a legal topic, a hand-off with counsellor replies, quick exit and erase', async () => {
    await type(`Hello ${planted.marker}`);
    await choose('language:choices.en');
    await choose('intake:safety.yes');
    await choose('intake:who.me');
    await choose('menu:main.screening');
    await choose('screening:intro.start');
    await choose('common:choices.no');
    await choose('common:choices.no');
    await choose('screening:relations.partner');
    await type(plantedSentence(planted));
    await choose('screening:choices.stop');
    await choose('menu:main.legal');
    await choose('legal:topics.dv');
    await choose('common:choices.back');
    await choose('legal:topics.counsellor');
    await type(`Please call ${planted.phone}, ask for ${planted.name}`);
    const conversationId = await queuedConversationId(app);
    await app.app.engine.counsellor(conversationId, COUNSELLOR, { type: 'take' });
    await settle();
    // the browser side fails once, quoting the chat, as whatsapp-web.js errors can
    client.failNextSends(1, new Error(`Evaluation failed: Error: could not find the chat ${CHAT_ID}`));
    await app.app.engine.counsellor(conversationId, COUNSELLOR, {
      type: 'reply',
      text: `Hello ${planted.name}, I have your number ${planted.phone}. ${planted.marker}`,
    });
    await settle();
    await type(`Yes, ${planted.street} is my mother's flat`);
    // delivered after the retry (with the footer of a WhatsApp message)
    const reply = `Hello ${planted.name}, I have your number ${planted.phone}. ${planted.marker}`;
    expect(client.sentTo(CHAT_ID).some((m) => m.text.startsWith(reply))).toBe(true);
    // while everything is still stored: only ciphertext, and nothing in the log
    expect(await scan()).toEqual([]);
    // typed words other than SOS are kept for the counsellor while one has the chat: hand back first
    await app.app.engine.counsellor(conversationId, COUNSELLOR, { type: 'handBack' });
    await settle();
    await type('exit');
    expect(client.sentTo(CHAT_ID).some((m) => m.deleted)).toBe(true);
    await type('erase');
    expect(await countRows(app, 'contacts')).toBe(1);
    await choose('erase:yes');
    expect(await countRows(app, 'contacts')).toBe(0);
  });

  it('should log the failed send with its cause, the chat id scrubbed', () => {
    const retry = logLines(logFile).find(
      (l) => l.msg === 'delivery will be retried' && l.channel === 'whatsapp',
    );
    expect(retry?.err).toMatchObject({
      type: 'DeliveryError',
      message: 'WhatsApp send failed',
      cause: { message: 'Evaluation failed: Error: could not find the chat [whatsapp-id]' },
    });
  });

  it('should leave none of the planted strings in any file the app wrote, while running and after stopping', async () => {
    expect(await scan()).toEqual([]);
    await app.stop();
    stopped = true;
    expect(await scan()).toEqual([]);
  });
});
