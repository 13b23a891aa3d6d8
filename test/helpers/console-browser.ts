/** Signing in to the console in chromium: a page (in its own browser context if asked) that records page errors. */
import type { Browser, Page } from 'puppeteer-core';

export type ConsolePage = Page & { errors: string[] };

export async function signInToConsole(
  browser: Browser,
  baseUrl: string,
  username: string,
  password: string,
  /** A separate browser context: its own cookies, as another person's own computer. */
  ownContext = false,
): Promise<ConsolePage> {
  const page = (
    ownContext ? await (await browser.createBrowserContext()).newPage() : await browser.newPage()
  ) as ConsolePage;
  await page.setViewport({ width: 1280, height: 860 });
  page.errors = [];
  page.on('pageerror', (e) => page.errors.push(String(e)));
  await page.goto(`${baseUrl}/console?lang=en`);
  await page.waitForSelector('#login-form');
  await page.type('#username', username);
  await page.type('#password', password);
  await page.click('#login-form button[type="submit"]');
  await page.waitForSelector('#duty', { visible: true });
  return page;
}
