/**
 * The small part of whatsapp-web.js the adapter uses, typed with `import type` only so that unit
 * tests (and a server with WhatsApp off) never load puppeteer. The real `Client` satisfies it;
 * test/helpers/fake-whatsapp-client.ts implements it with an EventEmitter.
 */
import type { Call, Client, Message } from 'whatsapp-web.js';

/** The fields of an incoming message the adapter reads. */
export type WhatsappMessage = Pick<Message, 'from' | 'body' | 'type' | 'fromMe' | 'isStatus'> & {
  id: Pick<Message['id'], '_serialized' | 'fromMe' | 'remote' | 'id'>;
};

/** What a sent message gives back (its id, for quick exit). */
export type WhatsappSentMessage = { id: Pick<Message['id'], '_serialized'> };

/** A chat as returned by `getChatById`; groups can be left. */
export interface WhatsappChat {
  isGroup: boolean;
  leave?: () => Promise<void>;
}

/** The events the adapter listens to, with the payloads whatsapp-web.js gives them. */
export interface WhatsappEvents {
  qr: (qr: string) => void;
  authenticated: () => void;
  auth_failure: (message: string) => void;
  ready: () => void;
  disconnected: (reason: string) => void;
  message: (message: WhatsappMessage) => void | Promise<void>;
  call: (call: Pick<Call, 'id' | 'from' | 'fromMe'>) => void;
}

/** The narrow client surface: lifecycle, events, sending, chats. */
export interface WhatsappClient extends Pick<Client, 'initialize' | 'destroy'> {
  on<E extends keyof WhatsappEvents>(event: E, listener: WhatsappEvents[E]): unknown;
  removeListener<E extends keyof WhatsappEvents>(event: E, listener: WhatsappEvents[E]): unknown;
  sendMessage(
    chatId: string,
    content: string,
    options?: { linkPreview?: boolean },
  ): Promise<WhatsappSentMessage>;
  getChatById(chatId: string): Promise<WhatsappChat>;
  /** Used for quick exit (delete the bot's messages for everyone); optional in fakes. */
  getMessageById?(messageId: string): Promise<{ delete(everyone?: boolean): Promise<void> } | undefined>;
}

/** Where linking stands, for the terminal and (later) the admin page of the console. */
export type WhatsappStatus =
  | 'stopped'
  | 'starting'
  | 'qr'
  | 'authenticated'
  | 'ready'
  | 'disconnected'
  | 'auth_failure';

export interface WhatsappLinkingState {
  status: WhatsappStatus;
  /** The latest QR code string while waiting to be linked (status 'qr'). */
  qr?: string;
  /** When the status last changed (ms since epoch). */
  since: number;
}
