/**
 * Safety in the web chat page, in chromium: the quick exit offered as a button in the
 * conversation leaves at once like the page's own button and Esc, and erase asks once with
 * buttons, then clears the page.
 */
import Database from 'better-sqlite3';
import type { Browser, Page } from 'puppeteer-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTranslator } from '../../../src/i18n/translator.js';
import { launchBrowser } from '../../helpers/browser.js';
import { removeDir, startTestApp, type TestApp } from '../../helpers/test-app.js';

const i18n = createTranslator();
const t = (key: string) => i18n.t('en', key, { retentionDays: 30 });
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

async function openChat(): Promise<Page> {
  const page = await browser.newPage();
  await page.setRequestInterception(true);
  // the neutral site is outside this machine's network: answer it locally
  page.on('request', (req) =>
    req.url().startsWith(app.baseUrl)
      ? req.continue()
      : req.respond({ status: 200, contentType: 'text/html', body: '<p>weather</p>' }),
  );
  await page.goto(`${app.baseUrl}/chat?lang=en`);
  return page;
}

/** Texts of the bot's messages on the page (without their buttons). */
const botTexts = (page: Page) =>
  page.$$eval('.msg.bot', (els) => els.map((e) => e.firstChild?.textContent ?? ''));

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

const lastFlow = () => {
  const db = new Database(app.dbPath, { readonly: true });
  try {
    return (db.prepare('SELECT flow FROM conversations ORDER BY id DESC LIMIT 1').get() as { flow: string })
      .flow;
  } finally {
    db.close();
  }
};

describe('web chat in chromium: safety', () => {
  it('should leave to a neutral site at once when the quick exit button of "not safe now" is pressed', async () => {
    const page = await openChat();
    await press(page, i18n.t('en', 'language:choices.en'));
    await press(page, t('intake:safety.no'));
    await waitForBotText(page, t('intake:not_safe.text'));
    expect(lastFlow()).toBe('intake');
    await Promise.all([page.waitForNavigation(), press(page, t('common:choices.exit'))]);
    expect(page.url()).not.toContain(app.baseUrl);
    // the server ran the quick exit too: the conversation is back at the start of the menu
    const deadline = Date.now() + 5000;
    while (lastFlow() !== 'menu' && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    expect(lastFlow()).toBe('menu');
    await page.close();
  });

  it('should ask before erasing, with buttons, then clear the page and say what the browser keeps', async () => {
    const page = await openChat();
    await press(page, i18n.t('en', 'language:choices.en'));
    await press(page, t('intake:safety.yes'));
    await press(page, t('intake:who.me'));
    await press(page, t('common:choices.erase'));
    await waitForBotText(page, t('erase:confirm'));
    await press(page, t('erase:yes'));
    await page.waitForFunction(
      (x) => {
        const bots = [...document.querySelectorAll('.msg.bot')];
        return bots.length === 1 && bots[0]?.firstChild?.textContent === x;
      },
      { timeout: 10_000 },
      t('erase:done_webchat'),
    );
    expect(await botTexts(page)).toEqual([t('erase:done_webchat')]);
    expect(await page.$$eval('.msg.me', (els) => els.length)).toBe(0);
    await page.close();
  });
});
