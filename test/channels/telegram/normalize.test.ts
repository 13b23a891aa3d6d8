import type { Update } from 'grammy/types';
import { describe, expect, it } from 'vitest';
import { STALE_CHOICE_ID } from '../../../src/channels/telegram/callback-data.js';
import { normalizeUpdate } from '../../../src/channels/telegram/normalize.js';
import { NON_TEXT_CONTENT, type NonTextKind } from '../../helpers/fake-telegram-api.js';

const user = { id: 7_000_000_042, is_bot: false, first_name: 'Test', language_code: 'kk' };
const privateChat = { id: user.id, type: 'private', first_name: 'Test' };
const bot = { id: 1, is_bot: true, first_name: 'Tirek', username: 'tirek_test_bot' };

const update = (fields: object, id = 10) => ({ update_id: id, ...fields }) as unknown as Update;
const message = (fields: object, messageId = 5) =>
  update({ message: { message_id: messageId, date: 1, chat: privateChat, from: user, ...fields } });
const callback = (data: string | undefined, chat: object = privateChat) =>
  update({
    callback_query: {
      id: '4242',
      from: user,
      chat_instance: '1',
      message: { message_id: 3, date: 1, chat, from: bot, text: '…' },
      ...(data === undefined ? {} : { data }),
    },
  });

describe('normalizeUpdate', () => {
  it('should turn a private text message into a text inbound with a chat-scoped id and the language hint', () => {
    expect(normalizeUpdate(message({ text: 'иә' }))).toEqual({
      action: 'inbound',
      message: {
        channel: 'telegram',
        userId: String(user.id),
        externalId: `m${user.id}:5`,
        platformRef: '5',
        languageHint: 'kk',
        kind: 'text',
        text: 'иә',
      },
    });
  });

  it('should read commands, with the /start payload as the campaign source', () => {
    const start = normalizeUpdate(message({ text: '/start spring_2026' }));
    expect(start).toMatchObject({ message: { kind: 'command', command: 'start', arg: 'spring_2026' } });
    expect(normalizeUpdate(message({ text: '/sos@tirek_test_bot' }))).toMatchObject({
      message: { kind: 'command', command: 'sos' },
    });
    const erase = normalizeUpdate(message({ text: '/erase now' }));
    expect(erase).toMatchObject({ message: { kind: 'command', command: 'erase' } });
    expect(erase.action === 'inbound' && 'arg' in erase.message).toBe(false);
    // unknown commands are text: the engine says it did not understand
    expect(normalizeUpdate(message({ text: '/foo' }))).toMatchObject({
      message: { kind: 'text', text: '/foo' },
    });
  });

  it('should decode a button press and keep the callback id to answer it', () => {
    expect(normalizeUpdate(callback('c:yes'))).toEqual({
      action: 'inbound',
      callbackQueryId: '4242',
      message: {
        channel: 'telegram',
        userId: String(user.id),
        externalId: 'cb4242',
        languageHint: 'kk',
        kind: 'choice',
        choice: 'yes',
      },
    });
  });

  it('should turn stale or forged callback data into a choice the engine rejects as stale', () => {
    for (const data of ['c:', 'v1:yes', '\u0000\u00ff garbage', `c:${'x'.repeat(80)}`]) {
      expect(normalizeUpdate(callback(data))).toMatchObject({
        action: 'inbound',
        callbackQueryId: '4242',
        message: { kind: 'choice', choice: STALE_CHOICE_ID },
      });
    }
    expect(normalizeUpdate(callback(undefined))).toEqual({ action: 'ignore', callbackQueryId: '4242' });
  });

  it.each(
    Object.entries({
      sticker: 'sticker',
      photo: 'photo',
      voice: 'voice',
      audio: 'audio',
      video: 'video',
      video_note: 'video_note',
      animation: 'video',
      document: 'document',
      location: 'location',
      venue: 'location',
      contact: 'contact',
      poll: 'poll',
      dice: 'other',
    } satisfies Record<NonTextKind, string>),
  )('should report a %s as unsupported (%s)', (kind, what) => {
    expect(normalizeUpdate(message(NON_TEXT_CONTENT[kind as NonTextKind]))).toMatchObject({
      action: 'inbound',
      message: { kind: 'unsupported', what, platformRef: '5' },
    });
  });

  it.each(['photo', 'video', 'document', 'animation', 'audio', 'voice'] as const)(
    'should read the caption of a %s as text',
    (kind) => {
      expect(normalizeUpdate(message({ ...NON_TEXT_CONTENT[kind], caption: ' помогите ' }))).toEqual({
        action: 'inbound',
        message: {
          channel: 'telegram',
          userId: String(user.id),
          externalId: `m${user.id}:5`,
          platformRef: '5',
          languageHint: 'kk',
          kind: 'text',
          text: ' помогите ',
        },
      });
    },
  );

  it('should read a captioned command, and an empty caption as no caption', () => {
    expect(normalizeUpdate(message({ ...NON_TEXT_CONTENT.photo, caption: '/sos' }))).toMatchObject({
      message: { kind: 'command', command: 'sos' },
    });
    expect(normalizeUpdate(message({ ...NON_TEXT_CONTENT.photo, caption: '   ' }))).toMatchObject({
      message: { kind: 'unsupported', what: 'photo' },
    });
  });

  it('should report edited and forwarded messages as unsupported', () => {
    const edited = update({
      edited_message: { message_id: 5, date: 1, edit_date: 2, chat: privateChat, from: user, text: 'x' },
    });
    expect(normalizeUpdate(edited)).toMatchObject({
      message: { kind: 'unsupported', what: 'edited', externalId: `e${user.id}:5:2` },
    });
    const forwarded = message({
      text: 'x',
      forward_origin: { type: 'hidden_user', sender_user_name: 'A', date: 1 },
    });
    expect(normalizeUpdate(forwarded)).toMatchObject({ message: { kind: 'unsupported', what: 'forwarded' } });
  });

  it('should ignore service messages such as the auto-delete timer', () => {
    const timer = message({ message_auto_delete_timer_changed: { message_auto_delete_time: 86400 } });
    expect(normalizeUpdate(timer)).toEqual({ action: 'ignore' });
  });

  it('should refuse groups and supergroups, and ignore channels', () => {
    const group = { id: -100, type: 'group', title: 'G' };
    expect(
      normalizeUpdate(
        update({ message: { message_id: 1, date: 1, chat: group, from: user, text: '/start' } }),
      ),
    ).toEqual({ action: 'refuse-group', chatId: -100, languageHint: 'kk' });
    expect(normalizeUpdate(callback('c:yes', { id: -101, type: 'supergroup', title: 'S' }))).toMatchObject({
      action: 'refuse-group',
      chatId: -101,
      callbackQueryId: '4242',
    });
    const joined = update({
      my_chat_member: {
        chat: group,
        from: user,
        date: 1,
        old_chat_member: { status: 'left', user: bot },
        new_chat_member: { status: 'member', user: bot },
      },
    });
    expect(normalizeUpdate(joined)).toMatchObject({ action: 'refuse-group', chatId: -100 });
    const left = update({
      my_chat_member: {
        chat: group,
        from: bot,
        date: 1,
        old_chat_member: { status: 'member', user: bot },
        new_chat_member: { status: 'left', user: bot },
      },
    });
    expect(normalizeUpdate(left)).toEqual({ action: 'ignore' });
    const channel = { id: -102, type: 'channel', title: 'C' };
    expect(
      normalizeUpdate(update({ channel_post: { message_id: 1, date: 1, chat: channel, text: 'x' } })),
    ).toEqual({
      action: 'ignore',
    });
  });

  it('should ignore updates it does not know', () => {
    expect(normalizeUpdate(update({ poll_answer: { poll_id: '1', option_ids: [0] } }))).toEqual({
      action: 'ignore',
    });
  });
});
