/**
 * The Telegram side of the shared conversation contract: the real app, long-polling a fake
 * Bot API server. A person's button press is a callback query with the button's own data.
 */

import { LANGS } from '../../src/core/types.js';
import type { ChannelHarness, HarnessReply, PersonHandle, UnsupportedInput } from '../contract/harness.js';
import {
  FAKE_BOT_TOKEN,
  FakeTelegramApi as Fake,
  type FakeTelegramApi,
  type FakeUser,
} from './fake-telegram-api.js';
import { removeDir, startTestApp, type TestApp } from './test-app.js';

export interface TelegramTestBed {
  fake: FakeTelegramApi;
  app: TestApp;
}

/** Starts a fake Bot API and the real app polling it. */
export async function startTelegramTestBed(env: Record<string, string> = {}): Promise<TelegramTestBed> {
  const fake = await Fake.start();
  const app = await startTestApp({
    env: { TELEGRAM_BOT_TOKEN: FAKE_BOT_TOKEN, TELEGRAM_API_ROOT: fake.apiRoot, ...env },
  });
  if (!env.TELEGRAM_WEBHOOK_URL) await fake.waitPolling();
  return { fake, app };
}

export async function stopTelegramTestBed(bed: TelegramTestBed | undefined): Promise<void> {
  if (!bed) return;
  await bed.app.stop();
  await bed.fake.close();
  removeDir(bed.app.dir);
}

/** A person in a private chat, driving the bot through the fake API. */
export class TelegramPerson implements PersonHandle {
  #seen = 0;
  #lastUpdate = 0;
  constructor(
    readonly bed: TelegramTestBed,
    readonly user: FakeUser,
  ) {}

  get chatId(): number {
    return this.user.id;
  }

  async sendText(text: string): Promise<void> {
    await this.#handled(this.bed.fake.sendText(this.user, text));
  }

  async command(command: string, payload?: string): Promise<void> {
    await this.#handled(this.bed.fake.sendCommand(this.user, command, payload));
  }

  /** Presses the button with this label on the bot's latest keyboard. */
  async choose(label: string): Promise<void> {
    await this.settle(); // the keyboard to press is the one of the last reply
    const { message, data } = this.#button((b) => b.text === label, `a button "${label}"`);
    await this.#handled(this.bed.fake.pressButton(this.user, data, message));
  }

  async pressSos(): Promise<void> {
    await this.settle();
    const { message, data } = this.#button((b) => b.callback_data === 'c:sos', 'the SOS button');
    await this.#handled(this.bed.fake.pressButton(this.user, data, message));
  }

  async press(data: string, messageId?: number): Promise<void> {
    await this.#handled(this.bed.fake.pressButton(this.user, data, messageId));
  }

  async sendUnsupported(kind: UnsupportedInput): Promise<void> {
    await this.#handled(this.bed.fake.sendNonText(this.user, kind));
  }

  /** Waits for the update to be handled and every reply delivered; returns the replies since the last call. */
  async replies(): Promise<HarnessReply[]> {
    await this.settle();
    const messages = this.bed.fake.messagesTo(this.chatId).slice(this.#seen);
    this.#seen += messages.length;
    // the always-present SOS / menu buttons (a flow's own "emergency numbers" choice has another label)
    const { translator } = this.bed.app.app;
    const globals = new Set(
      LANGS.flatMap((l) => [translator.t(l, 'common:choices.sos'), translator.t(l, 'common:choices.menu')]),
    );
    const isGlobal = (b: { text: string; callback_data?: string }) =>
      (b.callback_data === 'c:sos' || b.callback_data === 'c:menu') && globals.has(b.text);
    return messages.map((m) => ({
      text: m.text,
      choices: (m.reply_markup?.inline_keyboard ?? [])
        .flat()
        .filter((b) => !isGlobal(b))
        .map((b) => b.text),
    }));
  }

  /** Waits until the last update was handled and the outbox is empty. */
  async settle(): Promise<void> {
    if (this.#lastUpdate > 0) await this.bed.fake.waitHandled(this.#lastUpdate);
    await this.bed.app.app.engine.idle();
    await this.bed.app.app.dispatcher.drain(20_000);
  }

  /** Like settle(), after an update pushed directly through the fake. */
  async settleAfter(updateId: number): Promise<void> {
    this.#lastUpdate = Math.max(this.#lastUpdate, updateId);
    await this.settle();
  }

  async #handled(updateId: number): Promise<void> {
    this.#lastUpdate = updateId;
    await this.bed.fake.waitHandled(updateId);
  }

  #button(
    match: (b: { text: string; callback_data?: string }) => boolean,
    what: string,
  ): { message: number; data: string } {
    const messages = this.bed.fake.messagesTo(this.chatId);
    for (let i = messages.length - 1; i >= 0; i--) {
      const m = messages[i];
      const button = m?.reply_markup?.inline_keyboard.flat().find(match);
      if (m && button?.callback_data) return { message: m.message_id, data: button.callback_data };
      if (m?.reply_markup) break; // only the latest keyboard counts
    }
    throw new Error(`no ${what} on the latest keyboard`);
  }
}

export function createTelegramHarness(): ChannelHarness & { bed(): TelegramTestBed } {
  let bed: TelegramTestBed | undefined;
  return {
    name: 'telegram',
    async start() {
      bed = await startTelegramTestBed();
    },
    async stop() {
      await stopTelegramTestBed(bed);
      bed = undefined;
    },
    person(languageHint) {
      if (!bed) throw new Error('harness not started');
      return new TelegramPerson(bed, bed.fake.newUser(languageHint));
    },
    bed() {
      if (!bed) throw new Error('harness not started');
      return bed;
    },
  };
}
