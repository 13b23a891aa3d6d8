/**
 * A fake of the small whatsapp-web.js surface the adapter uses (src/channels/whatsapp/types.ts):
 * an EventEmitter with initialize/destroy, sendMessage (recorded, with fault injection),
 * getChatById/getMessageById, and helpers that emit events with payloads shaped like
 * whatsapp-web.js's (a Message's id, from, to, body, type, fromMe, timestamp, hasMedia, …).
 */
import { randomBytes } from 'node:crypto';
import { EventEmitter } from 'node:events';
import type { WhatsappClient, WhatsappMessage } from '../../src/channels/whatsapp/types.js';

/** The bot's own (fake) number. */
export const BOT_ID = '70000000000@c.us';

export interface SentWhatsapp {
  chatId: string;
  text: string;
  id: string;
  at: number;
  deleted: boolean;
}

export interface FakeMessageInit {
  from: string;
  body?: string;
  type?: string;
  fromMe?: boolean;
  isStatus?: boolean;
  /** Reuse an id to simulate a message replayed after a reconnect. */
  id?: string;
  hasMedia?: boolean;
  isForwarded?: boolean;
}

/** A message object as whatsapp-web.js emits it for 'message' (the fields the adapter could read). */
export function fakeMessage(init: FakeMessageInit): WhatsappMessage & Record<string, unknown> {
  const fromMe = init.fromMe ?? false;
  const short = init.id ?? randomBytes(10).toString('hex').toUpperCase();
  return {
    id: { fromMe, remote: init.from, id: short, _serialized: `${fromMe}_${init.from}_${short}` },
    from: init.from,
    to: BOT_ID,
    body: init.body ?? '',
    type: (init.type ?? 'chat') as WhatsappMessage['type'],
    fromMe,
    isStatus: init.isStatus ?? init.from === 'status@broadcast',
    timestamp: Math.floor(Date.now() / 1000),
    hasMedia: init.hasMedia ?? !['chat', 'location', 'vcard', 'multi_vcard'].includes(init.type ?? 'chat'),
    isForwarded: init.isForwarded ?? false,
    broadcast: false,
    hasQuotedMsg: false,
    deviceType: 'android',
    ack: 1,
  };
}

export class FakeWhatsappClient extends EventEmitter implements WhatsappClient {
  readonly sent: SentWhatsapp[] = [];
  readonly leftGroups: string[] = [];
  initializeCalls = 0;
  destroyCalls = 0;
  /** Emit 'ready' when initialize() is called (as a client with a stored session does). */
  autoReady = true;
  /** Make the next N initialize() calls reject, like a start without internet. */
  failInitialize = 0;
  /** Make the next N sendMessage() calls throw this error (or a generic one). */
  private sendFaults: Array<Error | undefined> = [];

  async initialize(): Promise<void> {
    this.initializeCalls++;
    if (this.failInitialize > 0) {
      this.failInitialize--;
      throw new Error('net::ERR_NAME_NOT_RESOLVED at https://web.whatsapp.com/');
    }
    if (this.autoReady) {
      this.emit('authenticated');
      this.emit('ready');
    }
  }

  async destroy(): Promise<void> {
    this.destroyCalls++;
  }

  failNextSends(
    count: number,
    error: Error = new Error('Protocol error (Runtime.callFunctionOn): Target closed'),
    /** Let this many sends through first. */
    skip = 0,
  ) {
    for (let i = 0; i < skip; i++) this.sendFaults.push(undefined);
    for (let i = 0; i < count; i++) this.sendFaults.push(error);
  }

  async sendMessage(chatId: string, content: string): Promise<{ id: { _serialized: string } }> {
    const fault = this.sendFaults.shift();
    if (fault) throw fault;
    const id = `true_${chatId}_${randomBytes(10).toString('hex').toUpperCase()}`;
    this.sent.push({ chatId, text: content, id, at: Date.now(), deleted: false });
    return { id: { _serialized: id } };
  }

  async getChatById(chatId: string) {
    const isGroup = chatId.endsWith('@g.us');
    return {
      isGroup,
      leave: async () => {
        if (isGroup) this.leftGroups.push(chatId);
      },
    };
  }

  async getMessageById(messageId: string) {
    const sent = this.sent.find((m) => m.id === messageId);
    if (!sent) return undefined;
    return {
      delete: async (everyone?: boolean) => {
        if (everyone) sent.deleted = true;
      },
    };
  }

  /** Deliver an incoming message and wait until the adapter's handler has finished with it. */
  async receive(init: FakeMessageInit): Promise<WhatsappMessage> {
    const msg = fakeMessage(init);
    await Promise.all(this.listeners('message').map((l) => l(msg)));
    return msg;
  }

  emitQr(qr: string) {
    this.emit('qr', qr);
  }
  emitReady() {
    this.emit('ready');
  }
  emitAuthenticated() {
    this.emit('authenticated');
  }
  emitDisconnected(reason = 'NAVIGATION') {
    this.emit('disconnected', reason);
  }
  emitAuthFailure(message = 'restore failed') {
    this.emit('auth_failure', message);
  }
  emitCall(from: string) {
    this.emit('call', { id: randomBytes(8).toString('hex'), from, fromMe: false, reject: async () => {} });
  }

  sentTo(chatId: string): SentWhatsapp[] {
    return this.sent.filter((m) => m.chatId === chatId);
  }
}
