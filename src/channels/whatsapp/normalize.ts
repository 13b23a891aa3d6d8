/**
 * whatsapp-web.js Message -> InboundMessage. Only private chats are served: groups are refused
 * (the adapter sends one line and leaves), status updates, broadcast lists, channels, the bot's
 * own messages and WhatsApp's system notices are ignored.
 */
import type { InboundMessage, UnsupportedKind } from '../../core/types.js';
import { WHATSAPP_MENU_SHORTCUT } from './render.js';
import type { WhatsappMessage } from './types.js';

export type Normalized =
  | { action: 'handle'; inbound: InboundMessage }
  | { action: 'refuse-group'; chatId: string }
  | { action: 'ignore'; reason: string };

/**
 * Private chats: phone-number ids (`7701…@c.us`) and, since 2025, hidden ids (`…@lid`) that
 * WhatsApp uses for some contacts. https://github.com/wwebjs/whatsapp-web.js/issues/4001
 */
const PRIVATE_CHAT = /^[^@\s]+@(c\.us|lid)$/;
const GROUP_CHAT = /@g\.us$/;

/** WhatsApp's own notices, reactions, revoked messages etc.: never a person talking to us. */
const SYSTEM_TYPES = new Set([
  'e2e_notification',
  'notification',
  'notification_template',
  'gp2',
  'group_notification',
  'protocol',
  'revoked',
  'call_log',
  'ciphertext',
  'debug',
  'broadcast_notification',
  'reaction',
]);

/** Message types the bot cannot read, mapped to the neutral kinds every channel shares. */
const UNSUPPORTED: Record<string, UnsupportedKind> = {
  ptt: 'voice',
  audio: 'audio',
  image: 'photo',
  album: 'photo',
  video: 'video',
  sticker: 'sticker',
  location: 'location',
  vcard: 'contact',
  multi_vcard: 'contact',
  document: 'document',
  poll_creation: 'poll',
};

/**
 * Media whose body is the caption the person typed (whatsapp-web.js: `body = hasMedia ? caption : body`).
 * Not vcards or locations: their body is data, not words.
 */
const CAPTIONED = new Set(['image', 'video', 'document', 'album']);

export function normalizeWhatsapp(msg: WhatsappMessage): Normalized {
  const from = msg.from ?? '';
  if (msg.fromMe || msg.id?.fromMe) return { action: 'ignore', reason: 'own message' };
  if (msg.isStatus || from === 'status@broadcast') return { action: 'ignore', reason: 'status' };
  if (GROUP_CHAT.test(from)) return { action: 'refuse-group', chatId: from };
  if (!PRIVATE_CHAT.test(from)) return { action: 'ignore', reason: 'not a private chat' };
  const type = String(msg.type);
  if (SYSTEM_TYPES.has(type)) return { action: 'ignore', reason: 'system message' };

  const base = { channel: 'whatsapp' as const, userId: from, externalId: msg.id._serialized };
  // whatsapp-web.js gives a media message's caption as its body: what the person wrote is read
  // as text (a photo captioned «помогите» gets the emergency numbers, not "I only read text").
  if (type === 'chat' || CAPTIONED.has(type)) {
    const text = (msg.body ?? '').trim();
    if (text === '' && type === 'chat') return { action: 'ignore', reason: 'empty text' };
    // The footer of every prompt says "type 0 for the menu" (render.ts).
    if (text === WHATSAPP_MENU_SHORTCUT)
      return { action: 'handle', inbound: { ...base, kind: 'command', command: 'menu' } };
    if (text !== '') return { action: 'handle', inbound: { ...base, kind: 'text', text } };
  }
  return { action: 'handle', inbound: { ...base, kind: 'unsupported', what: UNSUPPORTED[type] ?? 'other' } };
}
