/**
 * The WhatsApp side of the shared conversation contract: the real app on a fresh database with
 * the WhatsApp adapter driving a fake whatsapp-web.js client. A person types what a WhatsApp user
 * would: the number of a choice from the last numbered list, "SOS", or sends a sticker.
 * Replies are read back from what the adapter sent, parsed from the rendered text.
 */
import type { MiddlewareHandler } from 'hono';
import { createWhatsappAdapter, type WhatsappAdapter } from '../../src/channels/whatsapp/index.js';
import { loadConfig } from '../../src/config.js';
import { createTranslator } from '../../src/i18n/translator.js';
import { createLogger } from '../../src/logger.js';
import type { ChannelHarness, HarnessReply, PersonHandle, UnsupportedInput } from '../contract/harness.js';
import { FakeWhatsappClient } from './fake-whatsapp-client.js';
import { removeDir, startTestApp, type TestApp, testEnv } from './test-app.js';

/** whatsapp-web.js message types for the contract's unsupported inputs. */
const UNSUPPORTED_TYPES: Record<UnsupportedInput, string> = {
  sticker: 'sticker',
  photo: 'image',
  voice: 'ptt',
  location: 'location',
  contact: 'vcard',
  document: 'document',
};

/** Read a rendered WhatsApp text back: the text, then "1 – label" lines, then the footer. */
export function parseWhatsappText(rendered: string): HarnessReply & { numbers: string[] } {
  const blocks = rendered.split('\n\n');
  const listAt = blocks.findIndex((b) => b.split('\n').every((line) => /^\d+ – /.test(line)));
  if (listAt < 0) return { text: rendered.trim(), choices: [], numbers: [] };
  const lines = (blocks[listAt] as string).split('\n');
  return {
    text: blocks.slice(0, listAt).join('\n\n').trim(),
    choices: lines.map((line) => line.replace(/^\d+ – /, '')),
    // the numbers as shown: the person types what they see
    numbers: lines.map((line) => /^(\d+)/.exec(line)?.[1] ?? ''),
  };
}

export interface WhatsappPerson extends PersonHandle {
  /** The person's (fake) chat id, e.g. 70000000001@c.us. */
  readonly chatId: string;
}

export interface WhatsappHarness extends ChannelHarness {
  person(): WhatsappPerson;
  client: FakeWhatsappClient;
  adapter: WhatsappAdapter;
  app: TestApp;
}

export interface WhatsappHarnessOptions {
  /** Extra environment (e.g. BROADCAST_WHATSAPP). */
  env?: Record<string, string>;
  /** Stands in for the console's admin check on the campaign API (test/broadcast/bed.ts). */
  adminGuard?: MiddlewareHandler;
}

export function createWhatsappHarness(options: WhatsappHarnessOptions = {}): WhatsappHarness {
  let next = 1;
  let testApp: TestApp | undefined;
  let dir: string | undefined;
  const client = new FakeWhatsappClient();
  let adapter: WhatsappAdapter | undefined;

  const settle = async () => {
    const app = testApp?.app;
    if (!app) throw new Error('harness not started');
    await app.engine.idle();
    await app.dispatcher.drain();
  };

  const harness: WhatsappHarness = {
    name: 'whatsapp',
    client,
    get adapter() {
      if (!adapter) throw new Error('harness not started');
      return adapter;
    },
    get app() {
      if (!testApp) throw new Error('harness not started');
      return testApp;
    },
    async start() {
      const base = testEnv({ WHATSAPP_ENABLED: 'false', ...options.env });
      dir = base.dir;
      const config = loadConfig(base.env);
      const deps = { config, logger: createLogger(config.LOG_LEVEL), translator: createTranslator() };
      // A small pace keeps the contract fast; the pacing itself has its own test.
      adapter = createWhatsappAdapter(deps, client, { minIntervalMs: 1, jitterMs: 0, showQr: () => {} });
      testApp = await startTestApp({
        env: base.env,
        dir: base.dir,
        channelOverrides: { whatsapp: adapter },
        ...(options.adminGuard ? { adminGuard: options.adminGuard } : {}),
      });
    },
    async stop() {
      await testApp?.stop();
      if (dir) removeDir(dir);
    },
    person(): WhatsappPerson {
      const chatId = `7000000${String(next++).padStart(4, '0')}@c.us`;
      let seen = 0;
      /** The choices of the latest numbered list this person received. */
      const lastList = (): { choices: string[]; numbers: string[] } =>
        client
          .sentTo(chatId)
          .map((m) => parseWhatsappText(m.text))
          .filter((r) => r.choices.length > 0)
          .at(-1) ?? { choices: [], numbers: [] };
      const type = async (body: string) => {
        await client.receive({ from: chatId, body, type: 'chat' });
        await settle();
      };
      return {
        chatId,
        sendText: type,
        async choose(label) {
          await settle();
          const { choices, numbers } = lastList();
          const index = choices.indexOf(label);
          if (index < 0) throw new Error(`no choice "${label}" in the last list: ${JSON.stringify(choices)}`);
          await type(numbers[index] as string);
        },
        pressSos: () => type('SOS'),
        async sendUnsupported(kind) {
          await client.receive({ from: chatId, type: UNSUPPORTED_TYPES[kind] });
          await settle();
        },
        async replies() {
          await settle();
          const mine = client.sentTo(chatId);
          const fresh = mine.slice(seen).map((m) => {
            const { text, choices } = parseWhatsappText(m.text);
            return { text, choices };
          });
          seen = mine.length;
          return fresh;
        },
      };
    },
  };
  return harness;
}
