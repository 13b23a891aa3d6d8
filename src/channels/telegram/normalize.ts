/**
 * Telegram Update -> what the adapter should do with it. Pure: no API calls, easy to test with
 * recorded payloads. Only private chats reach the engine; groups are refused, channels ignored.
 */
import type { Message, Update } from 'grammy/types';
import {
  GLOBAL_COMMANDS,
  type GlobalCommand,
  type InboundMessage,
  type UnsupportedKind,
} from '../../core/types.js';
import { decodeChoice, STALE_CHOICE_ID } from './callback-data.js';

export type Normalized =
  /** Hand to the engine; answer the callback query afterwards if there is one. */
  | { action: 'inbound'; message: InboundMessage; callbackQueryId?: string }
  /** A group or supergroup: say the one refusal line and leave. Nothing about it is stored. */
  | { action: 'refuse-group'; chatId: number; languageHint?: string; callbackQueryId?: string }
  /** Nothing to do (channel posts, service messages, our own membership changes, …). */
  | { action: 'ignore'; callbackQueryId?: string };

/** Update types the bot asks Telegram for (setWebhook / getUpdates `allowed_updates`). */
export const ALLOWED_UPDATES = ['message', 'edited_message', 'callback_query', 'my_chat_member'] as const;

/** Message fields that carry something the person sent, mapped to what we tell them we cannot read. */
const CONTENT_KINDS: ReadonlyArray<[keyof Message, UnsupportedKind]> = [
  ['sticker', 'sticker'],
  ['photo', 'photo'],
  ['voice', 'voice'],
  ['audio', 'audio'],
  ['video_note', 'video_note'],
  ['animation', 'video'],
  ['video', 'video'],
  ['document', 'document'],
  ['venue', 'location'],
  ['location', 'location'],
  ['contact', 'contact'],
  ['poll', 'poll'],
];

/** Service messages: things that happened in the chat, not something the person said. */
const SERVICE_FIELDS = [
  'new_chat_members',
  'left_chat_member',
  'new_chat_title',
  'new_chat_photo',
  'delete_chat_photo',
  'group_chat_created',
  'supergroup_chat_created',
  'channel_chat_created',
  'message_auto_delete_timer_changed',
  'migrate_to_chat_id',
  'migrate_from_chat_id',
  'pinned_message',
  'write_access_allowed',
  'users_shared',
  'chat_shared',
  'connected_website',
  'proximity_alert_triggered',
  'chat_background_set',
  'successful_payment',
  'refunded_payment',
];

/**
 * The chat an update belongs to: updates of one chat are handed to the engine in order, updates
 * of different chats at once. Updates without a chat (inline queries, …) need no order.
 */
export function orderKey(update: Update): string {
  const chat =
    update.callback_query?.message?.chat.id ??
    update.callback_query?.from.id ??
    (update.message ?? update.edited_message)?.chat.id ??
    update.my_chat_member?.chat.id;
  return chat === undefined ? `u${update.update_id}` : `c${chat}`;
}

const COMMAND = /^\/([A-Za-z0-9_]{1,32})(?:@\w+)?(?:\s+([\s\S]*))?$/;

export function normalizeUpdate(update: Update): Normalized {
  if (update.callback_query) {
    const q = update.callback_query;
    const chat = q.message?.chat;
    if (!chat) return { action: 'ignore', callbackQueryId: q.id }; // inline-mode message: not ours
    if (chat.type === 'group' || chat.type === 'supergroup') {
      return {
        action: 'refuse-group',
        chatId: chat.id,
        languageHint: q.from.language_code,
        callbackQueryId: q.id,
      };
    }
    if (chat.type !== 'private' || q.data === undefined) return { action: 'ignore', callbackQueryId: q.id };
    return {
      action: 'inbound',
      callbackQueryId: q.id,
      message: {
        channel: 'telegram',
        userId: String(chat.id),
        externalId: `cb${q.id}`,
        languageHint: q.from.language_code,
        kind: 'choice',
        // Anything we cannot decode is answered by the engine as a button from an earlier message.
        choice: decodeChoice(q.data) ?? STALE_CHOICE_ID,
      },
    };
  }

  if (update.my_chat_member) {
    const m = update.my_chat_member;
    const joined = ['member', 'administrator', 'restricted'].includes(m.new_chat_member.status);
    if ((m.chat.type === 'group' || m.chat.type === 'supergroup') && joined) {
      return { action: 'refuse-group', chatId: m.chat.id, languageHint: m.from.language_code };
    }
    return { action: 'ignore' };
  }

  const edited = update.edited_message;
  const message = update.message ?? edited;
  if (!message) return { action: 'ignore' }; // channel posts, business messages, polls' votes, …
  const chat = message.chat;
  if (chat.type === 'group' || chat.type === 'supergroup') {
    if (message.left_chat_member?.is_bot) return { action: 'ignore' }; // that is us leaving
    return { action: 'refuse-group', chatId: chat.id, languageHint: message.from?.language_code };
  }
  if (chat.type !== 'private') return { action: 'ignore' };

  const base = {
    channel: 'telegram' as const,
    userId: String(chat.id),
    languageHint: message.from?.language_code,
  };
  // message_id is unique only within a chat, so the chat is part of the dedupe id.
  if (edited) {
    return {
      action: 'inbound',
      message: {
        ...base,
        externalId: `e${chat.id}:${edited.message_id}:${edited.edit_date ?? 0}`,
        kind: 'unsupported',
        what: 'edited',
      },
    };
  }
  const inbound = {
    ...base,
    externalId: `m${chat.id}:${message.message_id}`,
    platformRef: String(message.message_id),
  };
  if (message.forward_origin)
    return { action: 'inbound', message: { ...inbound, kind: 'unsupported', what: 'forwarded' } };

  // The caption of a photo, video or document is what the person wrote: read it as text
  // (a photo captioned «помогите» must get the emergency numbers, not "I only read text").
  const caption =
    typeof message.caption === 'string' && message.caption.trim() !== '' ? message.caption : undefined;
  const text = typeof message.text === 'string' ? message.text : caption;
  if (text !== undefined) {
    const command = COMMAND.exec(text.trim());
    const name = command?.[1]?.toLowerCase();
    if (name && (GLOBAL_COMMANDS as readonly string[]).includes(name)) {
      const arg = name === 'start' ? command?.[2]?.trim() || undefined : undefined;
      return {
        action: 'inbound',
        message: { ...inbound, kind: 'command', command: name as GlobalCommand, ...(arg ? { arg } : {}) },
      };
    }
    return { action: 'inbound', message: { ...inbound, kind: 'text', text } };
  }

  const kind = CONTENT_KINDS.find(([field]) => message[field] !== undefined)?.[1];
  if (kind) return { action: 'inbound', message: { ...inbound, kind: 'unsupported', what: kind } };
  if (SERVICE_FIELDS.some((f) => f in message)) return { action: 'ignore' };
  return { action: 'inbound', message: { ...inbound, kind: 'unsupported', what: 'other' } };
}
