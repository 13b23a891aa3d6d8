/**
 * The campaign compose page in Debian's chromium, behind the console's real admin sign-in, on the
 * fake Telegram Bot API: an admin writes a campaign in three languages, previews it (a telling
 * first line is flagged), saves it, sees the number of recipients, confirms it in the browser's
 * dialog, watches the progress reach the final report, and every opted-in person gets it once,
 * in their language, silently; the person who never opted in gets nothing. A counsellor is refused.
 */
import type { Browser } from 'puppeteer-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Lang } from '../../src/core/types.js';
import { createCipher } from '../../src/privacy/cipher.js';
import { launchBrowser } from '../helpers/browser.js';
import { signInToConsole } from '../helpers/console-browser.js';
import { createCounsellor } from '../helpers/console-user.js';
import { FAKE_BOT_TOKEN, FakeTelegramApi } from '../helpers/fake-telegram-api.js';
import { removeDir, startTestApp, type TestApp } from '../helpers/test-app.js';
import { expectedText, i18n, TEXTS } from './bed.js';
import { seedPeople } from './seed.js';

const PASSWORD = 'correct horse battery staple';
const LANGS: Lang[] = ['kk', 'ru', 'en'];
const PEOPLE = LANGS.flatMap((lang, l) =>
  Array.from({ length: 4 }, (_, i) => ({ userId: String(8_500_000_000 + l * 10 + i), lang })),
);
const NOT_OPTED_IN = '8500000999';

let browser: Browser;
let fake: FakeTelegramApi;
let app: TestApp;
beforeAll(async () => {
  browser = await launchBrowser();
  fake = await FakeTelegramApi.start();
  app = await startTestApp({
    env: {
      TELEGRAM_BOT_TOKEN: FAKE_BOT_TOKEN,
      TELEGRAM_API_ROOT: fake.apiRoot,
      BROADCAST_HOURS: '00:00-23:59',
    },
  });
  await fake.waitPolling();
  const cipher = createCipher(Buffer.from(app.env.DATA_KEY as string, 'base64'));
  await seedPeople(app.app.store, cipher, [
    ...PEOPLE,
    { userId: NOT_OPTED_IN, lang: 'ru', subscribed: false },
  ]);
  await createCounsellor(app, 'root', 'Root', PASSWORD, 'admin');
  await createCounsellor(app, 'aigerim', 'Aigerim', PASSWORD);
});
afterAll(async () => {
  await browser?.close();
  await app?.stop();
  await fake?.close();
  if (app) removeDir(app.dir);
});

const signIn = (username: string) => signInToConsole(browser, app.baseUrl, username, PASSWORD, true);

/** Successful sendMessage calls the fake Bot API answered (a campaign's sends and test sends). */
const sends = () => fake.callsTo('sendMessage').filter((c) => !c.fault);

const bt = (key: string, params?: Record<string, unknown>) => i18n.t('en', `broadcast:${key}`, params);

describe('the campaign compose page in chromium', () => {
  it('should compose, preview, confirm and send a campaign to every opted-in person once', async () => {
    const page = await signIn('root');
    await page.goto(`${app.baseUrl}/console/campaigns?lang=en`);
    await page.waitForFunction(() => (document.querySelector('#list')?.children.length ?? 0) > 0);

    // a first line that would tell the person who hurts them what this is: flagged in the preview
    await page.type('#form [name="name"]', '16 days');
    await page.type('#form [name="text_en"]', 'Violence help line news\nA new help service opens in March.');
    await page.click('#preview-btn');
    await page.waitForSelector('#previews .preview .warn');
    await page.$eval('#form [name="text_en"]', (e) => {
      (e as HTMLTextAreaElement).value = '';
    });
    for (const lang of LANGS) await page.type(`#form [name="text_${lang}"]`, TEXTS[lang]);
    await page.click('#preview-btn');
    await page.waitForFunction(
      (count) => document.querySelector('#previews')?.textContent?.includes(count),
      {},
      bt('page.recipients', { count: PEOPLE.length }),
    );
    expect(await page.$$('#previews .preview')).toHaveLength(3);
    expect(await page.$('#previews .preview .warn')).toBeNull();
    // the lock screen shows the neutral first line only (after the bot's name)
    const locks = await page.$$eval('#previews .lock', (els) => els.map((e) => e.textContent ?? ''));
    expect(locks).toHaveLength(3);
    LANGS.forEach((l, i) => {
      const [first, second] = TEXTS[l].split('\n') as [string, string];
      expect(locks[i]?.endsWith(first)).toBe(true);
      expect(locks[i]).not.toContain(second);
    });

    // save: a draft with the number of recipients on its confirm button
    await page.click('#form button[type="submit"]');
    await page.waitForSelector('#campaign:not([hidden])');
    expect(await page.$eval('#campaign-status', (e) => e.textContent)).toBe('draft');
    expect(await page.$eval('#confirm-btn', (e) => e.textContent)).toBe(
      bt('page.confirm', { count: PEOPLE.length }),
    );
    expect(sends()).toHaveLength(0);

    // confirm in the browser's own dialog, which states the number again
    const dialogs: string[] = [];
    page.on('dialog', (d) => {
      dialogs.push(d.message());
      void d.accept();
    });
    await page.click('#confirm-btn');
    await page.waitForFunction(() => document.querySelector('#campaign-status')?.textContent === 'done', {
      timeout: 30_000,
    });
    expect(dialogs).toEqual([bt('page.confirm_question', { count: PEOPLE.length })]);
    await page.waitForFunction(() => document.querySelector('#rate-line')?.textContent?.includes('·'));
    expect(await page.$eval('#progress-line', (e) => e.textContent)).toBe(
      bt('page.progress', { sent: PEOPLE.length, failed: 0, blocked: 0, unknown: 0, remaining: 0 }),
    );

    // every opted-in person got it exactly once, in their language, silently; nobody else
    const sent = sends();
    for (const p of PEOPLE) {
      const mine = sent.filter((c) => String(c.payload.chat_id) === p.userId);
      expect(mine.map((c) => c.payload.text)).toEqual([expectedText(p.lang)]);
      expect(mine[0]?.payload.disable_notification).toBe(true);
    }
    expect(sent.filter((c) => String(c.payload.chat_id) === NOT_OPTED_IN)).toEqual([]);
    expect(sent).toHaveLength(PEOPLE.length);
    expect(page.errors).toEqual([]);
    await page.browserContext().close();
  });

  it('should refuse the campaign API to a counsellor signed in to the console', async () => {
    const page = await signIn('aigerim');
    await page.goto(`${app.baseUrl}/console/campaigns?lang=en`);
    await page.waitForFunction(() => (document.querySelector('#error')?.textContent ?? '') !== '');
    const status = await page.evaluate(async () => (await fetch('/api/campaigns')).status);
    expect(status).toBe(403);
    await page.browserContext().close();
  });
});
