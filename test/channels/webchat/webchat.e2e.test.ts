import type { Browser, Page } from 'puppeteer-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Lang } from '../../../src/core/types.js';
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

async function openChat(lang: string | undefined, acceptLanguage?: string): Promise<Page> {
  const page = await browser.newPage();
  if (acceptLanguage) await page.setExtraHTTPHeaders({ 'Accept-Language': acceptLanguage });
  await page.setRequestInterception(true);
  // the quick-exit target is outside this machine's network: answer it locally
  page.on('request', (req) =>
    req.url().startsWith(app.baseUrl)
      ? req.continue()
      : req.respond({ status: 200, contentType: 'text/html', body: '<p>weather</p>' }),
  );
  await page.goto(`${app.baseUrl}/chat${lang ? `?lang=${lang}` : ''}`);
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

/** What the page itself says (not the bot's messages). */
function pageTexts(page: Page) {
  return page.evaluate(() => ({
    lang: document.documentElement.lang,
    title: document.title,
    h1: document.querySelector('h1')?.textContent,
    exit: document.getElementById('quick-exit')?.textContent,
    hint: document.getElementById('exit-hint')?.textContent,
    placeholder: document.querySelector('textarea')?.getAttribute('placeholder'),
    label: document.querySelector('label[for="text"]')?.textContent,
    send: document.getElementById('send')?.textContent,
    log: document.getElementById('log')?.getAttribute('aria-label'),
  }));
}

const expectedTexts = (lang: Lang) => ({
  lang,
  title: t.t(lang, 'webchat:title'),
  h1: t.t(lang, 'webchat:title'),
  exit: t.t(lang, 'webchat:quick_exit'),
  hint: t.t(lang, 'webchat:quick_exit_hint'),
  placeholder: t.t(lang, 'webchat:input_label'),
  label: t.t(lang, 'webchat:input_label'),
  send: t.t(lang, 'webchat:send'),
  log: t.t(lang, 'webchat:log_label'),
});

describe('web chat in chromium: the page speaks the person’s language', () => {
  it('should switch the whole page to Kazakh at once when Қазақша is chosen, and keep it after a reload', async () => {
    const page = await openChat('en');
    await waitForBotText(page, t.t('en', 'intake:language.text'));
    expect(await pageTexts(page)).toEqual(expectedTexts('en'));
    await press(page, t.t('kk', 'language:choices.kk'));
    await waitForBotText(page, t.t('kk', 'intake:safety.text'));
    await page.waitForFunction(() => document.documentElement.lang === 'kk', { timeout: 5000 });
    expect(await pageTexts(page)).toEqual(expectedTexts('kk'));
    // a reload is a new conversation, but the page stays in Kazakh (nothing stored in the browser)
    await page.reload();
    expect(await pageTexts(page)).toEqual(expectedTexts('kk'));
    await waitForBotText(page, t.t('kk', 'intake:language.text'));
    const stored = await page.evaluate(
      () => localStorage.length + sessionStorage.length + document.cookie.length,
    );
    expect(stored).toBe(0);
    await page.close();
  });

  it('should follow Русский from a browser in English (Accept-Language), and Esc still leaves', async () => {
    const page = await openChat(undefined, 'en-US,en;q=0.9');
    await waitForBotText(page, t.t('en', 'intake:language.text'));
    expect((await pageTexts(page)).send).toBe(t.t('en', 'webchat:send'));
    await press(page, t.t('ru', 'language:choices.ru'));
    await waitForBotText(page, t.t('ru', 'intake:safety.text'));
    await page.waitForFunction(() => document.documentElement.lang === 'ru', { timeout: 5000 });
    expect(await pageTexts(page)).toEqual(expectedTexts('ru'));
    await Promise.all([page.waitForNavigation(), page.keyboard.press('Escape')]);
    expect(page.url()).not.toContain(app.baseUrl);
    await page.close();
  });
});

describe('web chat in chromium: a failing store', () => {
  it('should show a message as not sent while the server cannot store it, and send it once it can', async () => {
    const page = await openChat('ru');
    await waitForBotText(page, t.t('ru', 'intake:language.text'));
    const engine = app.app.engine;
    const receive = engine.receive.bind(engine);
    let failures = 2;
    engine.receive = async (m) => {
      if (failures-- > 0) throw new Error('SQLITE_IOERR: disk I/O error');
      return receive(m);
    };
    try {
      await page.type('#text', 'Русский');
      await page.keyboard.press('Enter');
      // the person sees it was not sent yet
      await page.waitForFunction(
        (note) => document.querySelector('.msg.me.failed .note')?.textContent === note,
        { timeout: 5000 },
        t.t('ru', 'webchat:not_sent'),
      );
      // the page tries again (1 s, then 2 s) and the bot answers; the mark goes away
      await waitForBotText(page, t.t('ru', 'intake:safety.text'));
      expect(await page.$$eval('.msg.me.failed, .note', (els) => els.length)).toBe(0);
      expect(await page.$$eval('.msg.me', (els) => els.map((e) => e.textContent))).toEqual(['Русский']);
      expect(failures).toBe(-1); // two refused, then one stored
    } finally {
      engine.receive = receive;
    }
    await page.close();
  }, 20_000);
});

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
