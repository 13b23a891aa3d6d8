/**
 * The interface each channel's test harness implements, so one conversation script
 * (conversation.contract.ts) runs against every adapter: Telegram via the fake Bot API,
 * WhatsApp via a fake whatsapp-web.js client.
 */

export interface HarnessReply {
  text: string;
  /** Labels of the flow's choices, in order (without the always-present SOS/menu choices). */
  choices: string[];
}

export type UnsupportedInput = 'sticker' | 'photo' | 'voice' | 'location' | 'contact' | 'document';

export interface PersonHandle {
  /** The person types text. */
  sendText(text: string): Promise<void>;
  /** The person picks an offered choice by its label: a button press on Telegram, the number on WhatsApp. */
  choose(label: string): Promise<void>;
  /** The person presses the always-present emergency button (Telegram) or types the SOS word (WhatsApp). */
  pressSos(): Promise<void>;
  sendUnsupported(kind: UnsupportedInput): Promise<void>;
  /** Waits until the bot has answered (outbox drained) and returns replies received since the last call. */
  replies(): Promise<HarnessReply[]>;
}

export interface ChannelHarness {
  readonly name: string;
  /** Starts the real app with this channel on a fresh database. */
  start(): Promise<void>;
  stop(): Promise<void>;
  /** A new person in a private chat; `languageHint` as the platform would report it, if it does. */
  person(languageHint?: 'kk' | 'ru' | 'en'): PersonHandle;
}
