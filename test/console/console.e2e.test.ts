/**
 * The whole hand-off in Debian's chromium, once per messenger: a person finishes the screening at
 * high risk and asks for a counsellor; a counsellor signs in to the console, goes on duty, sees
 * the alert (banner + tone) and the person at the top of the queue, takes over and replies; the
 * reply reaches the messenger; the person answers and the console shows it live; the person sends
 * SOS, still gets the numbers at once, and the console highlights it; the counsellor hands back
 * and the person gets the menu. Telegram runs on the fake Bot API, WhatsApp on the fake client,
 * the web chat in a second browser page. Screenshots go to docs/screenshots/.
 */
import { mkdirSync } from 'node:fs';
import type { Browser, Page } from 'puppeteer-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Lang } from '../../src/core/types.js';
import { createTranslator } from '../../src/i18n/translator.js';
import { launchBrowser } from '../helpers/browser.js';
import { signInToConsole } from '../helpers/console-browser.js';
import { createCounsellor } from '../helpers/console-user.js';
import { startTelegramTestBed, stopTelegramTestBed, TelegramPerson } from '../helpers/telegram-harness.js';
import { removeDir, startTestApp, type TestApp } from '../helpers/test-app.js';
import { createWhatsappHarness, parseWhatsappText } from '../helpers/whatsapp-harness.js';

const i18n = createTranslator();
const t = (lang: Lang, key: string, params?: Record<string, unknown>) =>
  i18n.t(lang, key, { retentionDays: 30, ...params });
const SCREENSHOTS = new URL('../../docs/screenshots/', import.meta.url);
const PASSWORD = 'correct horse battery staple';
/** Questions after A2 (content/risk-screening.md): skipped in this walk. */
const AFTER_A2 = 11;

let browser: Browser;
beforeAll(async () => {
  mkdirSync(SCREENSHOTS, { recursive: true });
  browser = await launchBrowser();
});
afterAll(async () => {
  await browser?.close();
});

/** What the walk needs from a person on any messenger. */
interface Person {
  lang: Lang;
  choose(label: string): Promise<void>;
  say(text: string): Promise<void>;
  sos(): Promise<void>;
  /** Every text the person received so far. */
  texts(): Promise<string[]>;
}

async function waitForText(person: Person, expected: string, timeoutMs = 15_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const texts = await person.texts();
    if (texts.some((x) => x.includes(expected))) return;
    if (Date.now() > until)
      throw new Error(
        `the person never received "${expected.slice(0, 60)}…"; got ${JSON.stringify(texts.slice(-3))}`,
      );
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Intake → screening (A2 "yes": high risk) → "talk to a counsellor" → the queue. */
async function toHighRiskQueue(p: Person): Promise<void> {
  const { lang } = p;
  await p.choose(t(lang, `language:choices.${lang}`));
  await p.choose(t(lang, 'intake:safety.yes'));
  await p.choose(t(lang, 'intake:who.me'));
  await p.choose(t(lang, 'menu:main.screening'));
  await p.choose(t(lang, 'screening:intro.start'));
  await p.choose(t(lang, 'common:choices.no')); // g1
  await p.choose(t(lang, 'common:choices.no')); // g2
  await p.choose(t(lang, 'screening:relations.partner'));
  await p.choose(t(lang, 'common:choices.no')); // a1
  await p.choose(t(lang, 'common:choices.yes')); // a2: threatened to kill -> high
  for (let i = 0; i < AFTER_A2; i++) await p.choose(t(lang, 'common:choices.skip'));
  await p.choose(t(lang, 'common:choices.no')); // anything else?
  await waitForText(p, t(lang, 'screening:result.high').split('\n')[0] as string);
  await p.choose(t(lang, 'screening:choices.counsellor'));
  await waitForText(p, t(lang, 'handoff:queued.text', { queuePosition: 1 }).split('\n')[0] as string);
}

// ---------- the counsellor's browser ----------

async function signIn(
  app: TestApp,
  username: string,
  someoneWaiting = true,
  /** A separate browser context: its own cookies, as a second counsellor's own computer. */
  ownBrowser = false,
): Promise<Page> {
  const page = await signInToConsole(browser, app.baseUrl, username, PASSWORD, ownBrowser);
  if (someoneWaiting) {
    // off duty: the queue shows the person, but nothing sounds and no banner
    await page.waitForSelector('#waiting li');
    expect(await page.$eval('#alert', (e) => (e as HTMLElement).hidden)).toBe(true);
    expect(
      await page.evaluate(
        () => (window as unknown as { tirekConsole: { tones: number } }).tirekConsole.tones,
      ),
    ).toBe(0);
  }
  // going on duty is what makes alerts sound
  await page.click('#duty');
  await page.waitForSelector('#duty[aria-pressed="true"]');
  return page;
}

const transcriptHas = (page: Page, text: string, selector = '#transcript li.msg') =>
  page.waitForFunction(
    (s, x) => [...document.querySelectorAll(s)].some((li) => li.textContent?.includes(x)),
    { timeout: 15_000 },
    selector,
    text,
  );

/** Every field has a label, every action is a real button or link (keyboard and screen readers). */
async function expectAccessible(page: Page): Promise<void> {
  const problems = await page.evaluate(() => {
    const out: string[] = [];
    for (const el of document.querySelectorAll<HTMLInputElement>('input, select, textarea')) {
      if (el.closest('[hidden]')) continue;
      if (!el.labels?.length && !el.getAttribute('aria-label'))
        out.push(`unlabelled ${el.tagName} #${el.id}`);
    }
    for (const el of document.querySelectorAll('[onclick], div[tabindex="0"], span[tabindex="0"]'))
      out.push(`not a button: ${el.tagName}`);
    for (const b of document.querySelectorAll('button'))
      if (!b.closest('[hidden]') && !b.textContent?.trim() && !b.getAttribute('aria-label'))
        out.push('empty button');
    if (!document.querySelector('[aria-live], [role="alert"], [role="status"]')) out.push('no live region');
    return out;
  });
  expect(problems).toEqual([]);
}

async function shot(page: Page, name: string): Promise<void> {
  await page.evaluate(() => window.scrollTo(0, 0));
  await page.screenshot({ path: new URL(name, SCREENSHOTS).pathname as `${string}.png`, fullPage: false });
}

/** The counsellor's side of the walk, once the person is waiting. */
async function counsellorWalk(
  app: TestApp,
  person: Person,
  username: string,
  options: { screenshots?: boolean; checkConnected?: boolean; expectInTranscript?: string } = {},
): Promise<void> {
  const { lang } = person;
  const page = await signIn(app, username);

  // the alert: a visible banner and the tone (Web Audio), for the person at the top of the queue
  await page.waitForSelector('#alert:not([hidden])', { timeout: 15_000 });
  await page.waitForFunction(
    () => (window as unknown as { tirekConsole: { tones: number } }).tirekConsole.tones > 0,
  );
  const probe = await page.evaluate(
    () => (window as unknown as { tirekConsole: Record<string, unknown> }).tirekConsole,
  );
  expect(probe.tones).toBeGreaterThanOrEqual(1);
  expect(probe.audioState).toBe('running');
  const top = await page.$eval('#waiting li:first-child', (li) => ({
    alias: li.querySelector('.alias')?.textContent ?? '',
    risk: li.querySelector('.badge.risk')?.textContent ?? '',
    text: li.textContent ?? '',
  }));
  expect(top.alias).toMatch(/^Person [A-Z0-9]{4}$/);
  expect(top.risk).toBe(t('en', 'console:risk.high'));
  expect(await page.$eval('#alert-text', (e) => e.textContent)).toBe(
    t('en', 'console:alert.high', { alias: top.alias }),
  );
  if (options.checkConnected) expect(top.text).toContain(t('en', 'console:connected.yes'));
  // a counsellor sees no admin pages
  expect(await page.$$eval('#nav a[data-admin]', (as) => as.every((a) => (a as HTMLElement).hidden))).toBe(
    true,
  );
  await expectAccessible(page);
  if (options.screenshots) await shot(page, 'console-queue.png');

  // open and take over: the person is told a counsellor joined
  await page.click('#waiting li:first-child button.open');
  await page.waitForSelector('#conversation #take');
  await page.evaluate(() => {
    (window as unknown as { noReload: boolean }).noReload = true;
  });
  if (options.expectInTranscript)
    await transcriptHas(page, options.expectInTranscript, '#transcript li.msg.from-person');
  await page.click('#take');
  await page.waitForSelector('#reply:not([disabled])');
  await waitForText(person, t(lang, 'handoff:joined').split('\n')[0] as string);

  // canned replies behind Alt+K put a text in the person's language into the box
  await page.focus('#reply');
  await page.keyboard.down('Alt');
  await page.keyboard.press('KeyK');
  await page.keyboard.up('Alt');
  await page.waitForSelector('#canned-list:not([hidden]) button.canned-item');
  expect(await page.evaluate(() => document.activeElement?.className)).toBe('canned-item');
  await page.keyboard.press('Enter');
  const canned = await page.$eval('#reply', (e) => (e as HTMLTextAreaElement).value);
  expect(canned).toBe(t(lang, 'canned:defaults.greeting.text'));
  await page.$eval('#reply', (e) => {
    (e as HTMLTextAreaElement).value = '';
  });

  // reply: it reaches the messenger
  const reply = 'Hello, I am a counsellor. I am here with you. Are you safe right now?';
  await page.type('#reply', reply);
  await page.click('#send');
  await waitForText(person, reply);
  await transcriptHas(page, reply, '#transcript li.msg.from-counsellor');
  await expectAccessible(page);

  // the person answers: the console shows it live, without a reload
  const answer = 'Yes, I am at home, he is out until the evening';
  await person.say(answer);
  await transcriptHas(page, answer, '#transcript li.msg.from-person');

  // SOS: the numbers at once, and the console highlights it
  await person.sos();
  await waitForText(person, t(lang, 'common:sos.text').split('\n')[0] as string);
  await page.waitForSelector('#transcript li.msg.sos', { timeout: 15_000 });
  await page.waitForSelector('#conv-head .badge.sos');
  expect(await page.evaluate(() => (window as unknown as { noReload?: boolean }).noReload)).toBe(true);

  if (options.screenshots) {
    await page.type('#note', 'Threats to kill (A2). Agreed on a code word; call back after 18:00.');
    await page.click('#note-form button[type="submit"]');
    await page.waitForSelector('#notes li.note');
    await shot(page, 'console-conversation.png');
    await page.setViewport({ width: 390, height: 844, isMobile: true, hasTouch: true });
    await shot(page, 'console-phone.png');
    await page.setViewport({ width: 1280, height: 860 });
  }

  // hand back: the person gets the menu
  // by keyboard: the actions are real buttons in the tab order (the view may still be re-rendering
  // after the note's live update: wait for the button to settle before focusing it)
  await new Promise((r) => setTimeout(r, 300));
  await page.waitForSelector('#handback:not([disabled])');
  await page.focus('#handback');
  await page.keyboard.press('Enter');
  await waitForText(person, t(lang, 'handoff:returned'));
  await waitForText(person, t(lang, 'menu:main.text').split('\n')[0] as string);
  await page.waitForFunction(() => !document.querySelector('#reply:not([disabled])'));
  expect((page as Page & { errors?: string[] }).errors).toEqual([]);
  await page.close();
}

// ---------- the three messengers ----------

/** A Telegram person (English) who has started the bot and waits in the queue at high risk. */
async function telegramPersonInQueue(bed: Awaited<ReturnType<typeof startTelegramTestBed>>) {
  const tg = new TelegramPerson(bed, bed.fake.newUser('en'));
  const person: Person = {
    lang: 'en',
    choose: (label) => tg.choose(label),
    say: (text) => tg.sendText(text),
    sos: () => tg.pressSos(),
    texts: async () => bed.fake.messagesTo(tg.chatId).map((m) => m.text),
  };
  await tg.command('start');
  await tg.settle();
  await toHighRiskQueue(person);
  return { tg, person };
}

describe('the console in chromium, end to end', () => {
  it('should walk a Telegram person from the screening to a counsellor and back (screenshots)', async () => {
    const bed = await startTelegramTestBed();
    try {
      await createCounsellor(bed.app, 'aigerim', 'Aigerim', PASSWORD);
      const { tg, person } = await telegramPersonInQueue(bed);
      // a photo while waiting is kept for the counsellor ("saved"), shown in the console as [photo]
      await tg.sendUnsupported('photo');
      await waitForText(person, t('en', 'handoff:queued.saved'));
      await counsellorWalk(bed.app, person, 'aigerim', {
        screenshots: true,
        expectInTranscript: `[${t('en', 'console:media.photo')}]`,
      });
    } finally {
      await stopTelegramTestBed(bed);
    }
  });

  it('should walk a WhatsApp person the same way', async () => {
    const harness = createWhatsappHarness();
    await harness.start();
    try {
      await createCounsellor(harness.app, 'dana', 'Dana', PASSWORD);
      const wa = harness.person();
      const person: Person = {
        lang: 'ru',
        choose: (label) => wa.choose(label),
        say: (text) => wa.sendText(text),
        sos: () => wa.sendText('SOS'),
        texts: async () => harness.client.sentTo(wa.chatId).map((m) => parseWhatsappText(m.text).text),
      };
      await wa.sendText('Здравствуйте');
      await wa.replies();
      await toHighRiskQueue(person);
      await counsellorWalk(harness.app, person, 'dana');
    } finally {
      await harness.stop();
    }
  });

  it('should let an admin add a user and see the audit log, canned replies, the directory and WhatsApp, in Kazakh too', async () => {
    const app = await startTestApp();
    try {
      await createCounsellor(app, 'admin', 'Admin', PASSWORD, 'admin');
      const page = await signIn(app, 'admin', false);
      expect(await page.$eval('a[href="/console/campaigns"]', (a) => (a as HTMLElement).hidden)).toBe(false);

      await page.click('#nav a[data-route="users"]');
      await page.waitForSelector('#user-form');
      await page.type('#u-username', 'zhanar');
      await page.type('#u-display', 'Zhanar');
      await page.type('#u-password', 'a long enough password');
      await page.click('#user-form button[type="submit"]');
      await page.waitForFunction(() => document.querySelector('table')?.textContent?.includes('zhanar'));
      await expectAccessible(page);

      await page.click('#nav a[data-route="audit"]');
      await page.waitForFunction(
        () =>
          document.querySelector('main h2')?.textContent !== '' &&
          !!document.querySelector('main table, main .empty'),
      );

      await page.click('#nav a[data-route="canned"]');
      await page.waitForSelector('main .cards li');

      await page.click('#nav a[data-route="directory"]');
      await page.waitForSelector('main tbody tr');
      const first = await page.$eval('main tbody tr', (tr) => tr.textContent ?? '');
      await page.click('main tbody tr:first-child .row-actions button');
      await page.waitForSelector('main tbody tr.is-hidden');
      await expectAccessible(page);
      expect(await page.$eval('main tbody tr.is-hidden', (tr) => tr.textContent ?? '')).toContain(
        t('en', 'console:directory.hidden'),
      );
      expect(first.length).toBeGreaterThan(0);

      await page.click('#nav a[data-route="whatsapp"]');
      await page.waitForSelector('#wa-state');
      expect(await page.$eval('#wa-state', (e) => e.textContent)).toBe(t('en', 'console:whatsapp.off'));

      // the counsellor's own language, at once
      await page.select('#lang', 'kk');
      await page.waitForFunction(() => document.documentElement.lang === 'kk');
      expect(await page.$eval('#nav a[data-route="users"]', (a) => a.textContent)).toBe(
        t('kk', 'console:nav.users'),
      );
      expect(await page.$eval('#wa-state', (e) => e.textContent)).toBe(t('kk', 'console:whatsapp.off'));
      // kept for this tab only (sessionStorage), so a reload stays in Kazakh
      await page.goto(`${app.baseUrl}/console#/whatsapp`);
      await page.waitForSelector('#wa-state');
      expect(await page.$eval('#wa-state', (e) => e.textContent)).toBe(t('kk', 'console:whatsapp.off'));
      expect((page as Page & { errors?: string[] }).errors).toEqual([]);
      await page.close();
    } finally {
      await app.stop();
      removeDir(app.dir);
    }
  });

  it('should walk a web-chat person (a second browser page) the same way, shown as connected', async () => {
    const app = await startTestApp();
    const chat = await browser.newPage();
    try {
      await createCounsellor(app, 'saule', 'Saule', PASSWORD);
      await chat.goto(`${app.baseUrl}/chat?lang=kk`);
      const lang: Lang = 'kk';
      const press = async (label: string) => {
        await chat.waitForFunction(
          (l) =>
            [...document.querySelectorAll('.msg.bot:last-of-type button')].some((b) => b.textContent === l),
          { timeout: 15_000, polling: 50 },
          label,
        );
        await chat.evaluate((l) => {
          const buttons = [...document.querySelectorAll<HTMLButtonElement>('.msg.bot:last-of-type button')];
          buttons.find((b) => b.textContent === l)?.click();
        }, label);
      };
      // The console's page is in front: a background page gets no animation frames, so type
      // and wait without them.
      const send = (text: string) =>
        chat.evaluate((x) => {
          const input = document.querySelector<HTMLTextAreaElement>('#text');
          if (input) input.value = x;
          document.querySelector<HTMLFormElement>('#composer')?.requestSubmit();
        }, text);
      const person: Person = {
        lang,
        choose: press,
        say: (text) => send(text),
        sos: () => send('SOS'),
        texts: () =>
          chat.evaluate(() =>
            [...document.querySelectorAll('.msg.bot')].map((m) => m.firstChild?.textContent ?? ''),
          ),
      };
      await toHighRiskQueue(person);
      await waitForText(person, t(lang, 'handoff:webchat_open').split('\n')[0] as string);
      await counsellorWalk(app, person, 'saule', { checkConnected: true });
    } finally {
      await chat.close();
      await app.stop();
      removeDir(app.dir);
    }
  });

  it('should let a counsellor transfer a conversation to another, who then replies (two browsers)', async () => {
    const bed = await startTelegramTestBed();
    try {
      await createCounsellor(bed.app, 'aigerim', 'Aigerim', PASSWORD);
      await createCounsellor(bed.app, 'dana', 'Dana', PASSWORD);
      const { person } = await telegramPersonInQueue(bed);

      const first = await signIn(bed.app, 'aigerim');
      await first.click('#waiting li:first-child button.open');
      await first.waitForSelector('#conversation #take');
      await first.click('#take');
      await first.waitForSelector('#reply:not([disabled])');
      await waitForText(person, t('en', 'handoff:joined').split('\n')[0] as string);

      const second = await signIn(bed.app, 'dana', false, true);
      // the night shift ends: Aigerim hands the person to Dana
      await first.waitForSelector('#transfer-to');
      await first.select(
        '#transfer-to',
        await first.$eval('#transfer-to option', (o) => (o as HTMLOptionElement).value),
      );
      expect(await first.$eval('#transfer-to option:checked', (o) => o.textContent)).toBe('Dana');
      await first.click('#transfer');
      await first.waitForFunction(() => !document.querySelector('#reply:not([disabled])'));

      // Dana finds it among the active conversations, as hers, and can reply at once
      await second.waitForSelector('#active li button.open', { timeout: 15_000 });
      await second.click('#active li:first-child button.open');
      await second.waitForSelector('#reply:not([disabled])');
      expect(await second.$('#take')).toBeNull();
      const reply =
        'Hello, my name is Dana, I am taking over from my colleague. I have read your conversation.';
      await second.type('#reply', reply);
      await second.click('#send');
      await waitForText(person, reply);
      await transcriptHas(second, reply, '#transcript li.msg.from-counsellor');
      // the person's answer reaches Dana's view live
      await person.say('Thank you');
      await transcriptHas(second, 'Thank you', '#transcript li.msg.from-person');
      // Aigerim's view no longer offers a reply box or the transfer (the API refuses her too:
      // test/console/conversations.test.ts)
      expect(await first.$('#reply:not([disabled])')).toBeNull();
      expect(await first.$('#transfer')).toBeNull();
      for (const page of [first, second]) {
        expect((page as Page & { errors?: string[] }).errors).toEqual([]);
        await page.close();
      }
      await second.browserContext().close();
    } finally {
      await stopTelegramTestBed(bed);
    }
  });
});
