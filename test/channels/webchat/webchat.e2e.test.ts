import type { Browser, Page } from 'puppeteer-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTranslator } from '../../../src/i18n/translator.js';
import { launchBrowser } from '../../helpers/browser.js';
import { removeDir, startTestApp, type TestApp } from '../../helpers/test-app.js';

const t = createTranslator();
let app: TestApp;
let browser: Browser;

beforeAll(async () => {
  app = await startTestApp();
  browser = await launchBrowser();
});
afterAll(async () => {
  await browser?.close();
  await app?.stop();
  if (app) removeDir(app.dir);
});

async function openChat(lang: string): Promise<Page> {
  const page = await browser.newPage();
  await page.setRequestInterception(true);
  // the quick-exit target is outside this machine's network: answer it locally
  page.on('request', (req) =>
    req.url().startsWith(app.baseUrl)
      ? req.continue()
      : req.respond({ status: 200, contentType: 'text/html', body: '<p>weather</p>' }),
  );
  await page.goto(`${app.baseUrl}/chat?lang=${lang}`);
  return page;
}

/** Clicks the button with this exact label in the last bot message. */
async function press(page: Page, label: string) {
  await page.waitForFunction(
    (l) => [...document.querySelectorAll('.msg.bot:last-of-type button')].some((b) => b.textContent === l),
    { timeout: 10_000 },
    label,
  );
  await page.evaluate((l) => {
    const buttons = [...document.querySelectorAll<HTMLButtonElement>('.msg.bot:last-of-type button')];
    buttons.find((b) => b.textContent === l)?.click();
  }, label);
}

async function waitForBotText(page: Page, text: string) {
  await page.waitForFunction(
    (x) => [...document.querySelectorAll('.msg.bot')].some((m) => m.firstChild?.textContent === x),
    { timeout: 10_000 },
    text,
  );
}

describe('web chat in chromium', () => {
  for (const lang of ['kk', 'ru', 'en'] as const) {
    it(`should talk through intake to the menu and the legal topics in ${lang}`, async () => {
      const page = await openChat(lang);
      expect(await page.$eval('h1', (h) => h.textContent)).toBe(t.t(lang, 'webchat:title'));
      await waitForBotText(page, t.t(lang, 'intake:language.text'));
      await press(page, t.t(lang, `language:choices.${lang}`));
      await waitForBotText(page, t.t(lang, 'intake:safety.text'));
      await press(page, t.t(lang, 'intake:safety.yes'));
      await press(page, t.t(lang, 'intake:who.me'));
      await waitForBotText(page, t.t(lang, 'menu:main.text'));
      await press(page, t.t(lang, 'menu:main.legal'));
      await waitForBotText(page, t.t(lang, 'legal:topics.text'));
      // SOS from anywhere: the emergency numbers, then the same question again
      await press(page, t.t(lang, 'common:choices.sos'));
      await waitForBotText(page, t.t(lang, 'common:sos.text'));
      const lastTwo = await page.$$eval('.msg.bot', (ms) =>
        ms.slice(-2).map((m) => m.firstChild?.textContent),
      );
      expect(lastTwo).toEqual([t.t(lang, 'common:sos.text'), t.t(lang, 'legal:topics.text')]);
      await page.close();
    });
  }

  it('should accept typed answers in the text box', async () => {
    const page = await openChat('ru');
    await waitForBotText(page, t.t('ru', 'intake:language.text'));
    await page.type('#text', 'Русский');
    await page.keyboard.press('Enter');
    await waitForBotText(page, t.t('ru', 'intake:safety.text'));
    await page.type('#text', 'да');
    await page.click('#send');
    await waitForBotText(page, t.t('ru', 'intake:who.text'));
    await page.close();
  });

  it('should keep nothing in the browser and leave to a neutral site on quick exit', async () => {
    const page = await openChat('en');
    await waitForBotText(page, t.t('en', 'intake:language.text'));
    const stored = await page.evaluate(() => ({
      local: localStorage.length,
      session: sessionStorage.length,
      cookie: document.cookie,
    }));
    expect(stored).toEqual({ local: 0, session: 0, cookie: '' });
    await Promise.all([page.waitForNavigation(), page.click('#quick-exit')]);
    expect(page.url()).not.toContain(app.baseUrl);
    // replace(), not assign(): the back button does not bring the chat back
    await page.goBack();
    expect(page.url()).not.toContain('/chat');
    await page.close();
  });
});
