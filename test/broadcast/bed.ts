/** The real app on a fake Telegram Bot API, with the campaign routes behind a test admin guard. */
import type { MiddlewareHandler } from 'hono';
import type { ConsoleUser } from '../../src/broadcast/api.js';
import type { Lang } from '../../src/core/types.js';
import { createTranslator } from '../../src/i18n/translator.js';
import { type Cipher, createCipher } from '../../src/privacy/cipher.js';
import { FAKE_BOT_TOKEN, FakeTelegramApi, type FakeUser } from '../helpers/fake-telegram-api.js';
import { removeDir, startTestApp, type TestApp } from '../helpers/test-app.js';

export const ADMIN: ConsoleUser = { id: 1, username: 'admin', displayName: 'Admin', role: 'admin' };

/** Stands in for the console's admin check: an admin, or the role named in `X-Test-Role`. */
export const testGuard: MiddlewareHandler = async (c, next) => {
  const role = c.req.header('X-Test-Role');
  if (role === 'none') return c.json({ error: 'sign in' }, 401);
  c.set('user', role === 'counsellor' ? { ...ADMIN, id: 2, role: 'counsellor' } : ADMIN);
  await next();
};

export const i18n = createTranslator();

export interface CampaignBed {
  fake: FakeTelegramApi;
  app: TestApp;
  cipher: Cipher;
  api(method: string, path: string, body?: unknown, headers?: Record<string, string>): Promise<Response>;
  json<T = Record<string, unknown>>(method: string, path: string, body?: unknown): Promise<T>;
  stop(): Promise<void>;
}

export async function startCampaignBed(
  env: Record<string, string> = {},
  clock?: () => number,
): Promise<CampaignBed> {
  const fake = await FakeTelegramApi.start();
  const app = await startTestApp({
    env: {
      TELEGRAM_BOT_TOKEN: FAKE_BOT_TOKEN,
      TELEGRAM_API_ROOT: fake.apiRoot,
      BROADCAST_HOURS: '00:00-23:59',
      ...env,
    },
    adminGuard: testGuard,
    clock,
  });
  await fake.waitPolling();
  const cipher = createCipher(Buffer.from(app.env.DATA_KEY as string, 'base64'));
  const api: CampaignBed['api'] = (method, path, body, headers = {}) =>
    fetch(`${app.baseUrl}/api/campaigns${path}`, {
      method,
      headers: { 'Content-Type': 'application/json', ...headers },
      ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
    });
  return {
    fake,
    app,
    cipher,
    api,
    async json(method, path, body) {
      const res = await api(method, path, body);
      if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${await res.text()}`);
      return res.json();
    },
    async stop() {
      await app.stop();
      await fake.close();
      removeDir(app.dir);
    },
  };
}

export const TEXTS: Record<Lang, string> = {
  kk: 'Tirek жаңалықтары\nНаурызда жаңа көмек қызметі ашылады.',
  ru: 'Новости Tirek\nВ марте открывается новая служба помощи.',
  en: 'News from Tirek\nA new help service opens in March.',
};

export const campaignBody = (over: Record<string, unknown> = {}) => ({
  name: '16 days',
  texts: TEXTS,
  link: { label: { kk: 'Толығырақ', ru: 'Подробнее', en: 'More' }, url: 'https://example.org/news' },
  ...over,
});

/** What a recipient in `lang` must receive. */
export const expectedText = (lang: Lang) => `${TEXTS[lang]}\n\n${i18n.t(lang, 'broadcast:stop_line')}`;

/** Broadcast sends the fake saw (silent sendMessage calls), faulted ones included. */
export const broadcastCalls = (fake: FakeTelegramApi) =>
  fake.callsTo('sendMessage').filter((c) => c.payload.disable_notification === true);

/** A person walks intake in Telegram up to the menu, in `lang`. */
export async function toMenu(fake: FakeTelegramApi, user: FakeUser, lang: Lang): Promise<void> {
  const step = async (updateId: number, key: string) => {
    await fake.waitHandled(updateId, 20_000);
    const expected = i18n.t(lang, key, { retentionDays: 30 });
    await fake.waitFor(
      () => fake.messagesTo(user.id).some((m) => m.text === expected),
      20_000,
      `${lang} ${key}`,
    );
  };
  await step(fake.sendCommand(user, 'start'), 'intake:language.text');
  await step(fake.pressButton(user, `c:${lang}`), 'intake:safety.text');
  await step(fake.pressButton(user, 'c:yes'), 'intake:who.text');
  await step(fake.pressButton(user, 'c:me'), 'menu:main.text');
}

/** From the menu: subscribe, and wait for the confirmation. */
export async function subscribe(fake: FakeTelegramApi, user: FakeUser, lang: Lang): Promise<void> {
  const explain = i18n.t(lang, 'subscribe:explain.text', {
    broadcastHours: '00:00–23:59',
    broadcastMaxPerMonth: 4,
  });
  fake.pressButton(user, 'c:subscribe');
  await fake.waitFor(() => fake.messagesTo(user.id).some((m) => m.text === explain), 20_000, 'explain');
  fake.pressButton(user, 'c:yes');
  const done = i18n.t(lang, 'subscribe:done');
  await fake.waitFor(() => fake.messagesTo(user.id).some((m) => m.text === done), 20_000, 'subscribed');
}
