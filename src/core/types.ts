/**
 * Neutral types shared by the engine, the flows and every channel adapter.
 * Nothing here knows about Telegram, WhatsApp, HTTP or SQL.
 */

export const CHANNELS = ['telegram', 'whatsapp', 'webchat'] as const;
export type Channel = (typeof CHANNELS)[number];

export const LANGS = ['kk', 'ru', 'en'] as const;
export type Lang = (typeof LANGS)[number];
export const DEFAULT_LANG: Lang = 'ru';

export function isLang(value: unknown): value is Lang {
  return typeof value === 'string' && (LANGS as readonly string[]).includes(value);
}

export const RISK_LEVELS = ['immediate', 'high', 'standard'] as const;
export type RiskLevel = (typeof RISK_LEVELS)[number];

/** Commands a person can give in any state (Telegram slash commands, typed words, menu buttons). */
export const GLOBAL_COMMANDS = ['start', 'menu', 'sos', 'language', 'exit', 'erase', 'stop'] as const;
export type GlobalCommand = (typeof GLOBAL_COMMANDS)[number];
/** Commands a person can also give as a typed word or a choice; `start` only comes from /start. */
export const PERSON_COMMANDS: readonly GlobalCommand[] = ['sos', 'menu', 'language', 'exit', 'erase', 'stop'];

/** What a person sent that the bot cannot read as text (kept generic so every channel maps onto it). */
export const UNSUPPORTED_KINDS = [
  'sticker',
  'photo',
  'voice',
  'audio',
  'video',
  'video_note',
  'document',
  'location',
  'contact',
  'poll',
  'edited',
  'forwarded',
  'call',
  'other',
] as const;
export type UnsupportedKind = (typeof UNSUPPORTED_KINDS)[number];

/**
 * One thing a person did, already translated from the platform by an adapter.
 * `userId` is the platform's private-chat id; it doubles as the delivery address
 * and never leaves the engine unencrypted.
 */
export type InboundMessage = {
  channel: Channel;
  userId: string;
  /** Platform message/update id, unique within the person's chat; drops duplicates (re-delivered webhooks). */
  externalId: string;
  /** Platform reference of the person's own message (for quick exit), if deletable. */
  platformRef?: string;
  /** Language the platform reports for the person's app (Telegram `language_code`), if any. */
  languageHint?: string;
  receivedAt?: number;
} & (
  | { kind: 'text'; text: string }
  | { kind: 'choice'; choice: string }
  | { kind: 'command'; command: GlobalCommand; arg?: string }
  | { kind: 'unsupported'; what: UnsupportedKind }
);

/** A choice the bot offers, rendered by the adapter as a button or a numbered line. */
export interface RenderedChoice {
  id: string;
  label: string;
}

/** A link a message offers; `url` is always https (checked where it is composed). */
export interface LinkButton {
  label: string;
  url: string;
}

/** A message ready for delivery: text already in the person's language. */
export type OutboundMessage =
  | {
      type: 'message';
      text: string;
      /** Choices of the current question, in order. */
      choices: RenderedChoice[];
      /** Always-available choices (SOS, menu); adapters show them after the others. */
      globalChoices: RenderedChoice[];
      lang: Lang;
      /**
       * Deliver without a sound or vibration (Telegram `disable_notification`; WhatsApp has no
       * such option and ignores it). Campaign broadcasts are always silent.
       */
      silent?: boolean;
      /** One https link shown as a button (Telegram URL button) or as a plain line (WhatsApp). */
      link?: LinkButton;
    }
  /** Delete the listed platform messages (quick exit); adapters delete what the platform allows. */
  | { type: 'delete'; refs: string[] }
  /**
   * Tell the adapter's UI to forget what it shows (web chat: clear the page; WhatsApp, where the
   * bot cannot clear the chat: one line on how to clear it). `lang`: the person's language.
   */
  | {
      type: 'clear';
      lang?: Lang;
      /** No "how to clear the chat" line: the next message says it (after an erase). */
      silent?: boolean;
    };

/** What an adapter reports after a successful send. */
export interface DeliveryResult {
  /** Platform references of the messages sent (for later deletion on quick exit). */
  refs: string[];
}

/** Delivers outbound messages and feeds inbound ones to the engine. Adapters only translate. */
export interface ChannelAdapter {
  readonly channel: Channel;
  /**
   * True when only one instance may receive for this channel (Telegram long polling, the WhatsApp
   * client); the app starts it on the instance that holds a database lock.
   */
  readonly singleInstance?: boolean;
  /**
   * 'pull': the channel's screens pull their own outbox rows through the LiveOutbox (web chat
   * streams, on whichever instance holds them); the dispatcher leaves its rows alone.
   */
  readonly delivery?: 'push' | 'pull';
  /** Start receiving; every inbound message goes to `sink`. */
  start(sink: InboundSink): Promise<void>;
  stop(): Promise<void>;
  /** Deliver one outbox item. Throw a `DeliveryError` to ask for a retry or to give up. */
  send(address: string, message: OutboundMessage, progress?: SendProgress): Promise<DeliveryResult>;
}

/**
 * Where a split message stands: parts already delivered (skip them) and a callback to record each
 * part as it goes out, so a retry or a restart sends only the rest.
 */
export interface SendProgress {
  partsSent: number;
  onPart?: (partsSent: number, refs: string[]) => Promise<void>;
  /**
   * The caller paces and retries by itself (the broadcast sender): report a rate limit or a
   * server error at once, as a DeliveryError, instead of waiting and retrying inside the call.
   */
  failFast?: boolean;
}

export type InboundSink = (message: InboundMessage) => Promise<void>;
