import { describe, expect, it } from 'vitest';
import { normalizeWhatsapp } from '../../../src/channels/whatsapp/normalize.js';
import { fakeMessage } from '../../helpers/fake-whatsapp-client.js';

const PERSON = '70000000001@c.us';

describe('normalizeWhatsapp', () => {
  it('should turn a private text into a text message keyed by the message id', () => {
    const msg = fakeMessage({ from: PERSON, body: '  Привет  ' });
    expect(normalizeWhatsapp(msg)).toEqual({
      action: 'handle',
      inbound: {
        channel: 'whatsapp',
        userId: PERSON,
        externalId: msg.id._serialized,
        kind: 'text',
        text: 'Привет',
      },
    });
  });

  it('should accept private chats with hidden (@lid) ids', () => {
    expect(normalizeWhatsapp(fakeMessage({ from: '123456789012345@lid', body: 'hi' })).action).toBe('handle');
  });

  it('should read the typed 0 as the menu', () => {
    const n = normalizeWhatsapp(fakeMessage({ from: PERSON, body: '0' }));
    expect(n.action === 'handle' && n.inbound).toMatchObject({ kind: 'command', command: 'menu' });
  });

  it.each(['image', 'video', 'document', 'album'])('should read the caption of an %s as text', (type) => {
    const msg = fakeMessage({ from: PERSON, type, body: ' Помогите ' });
    expect(normalizeWhatsapp(msg)).toEqual({
      action: 'handle',
      inbound: {
        channel: 'whatsapp',
        userId: PERSON,
        externalId: msg.id._serialized,
        kind: 'text',
        text: 'Помогите',
      },
    });
  });

  it('should not read a contact card or a location as text, nor an uncaptioned photo', () => {
    const vcard = fakeMessage({ from: PERSON, type: 'vcard', body: 'BEGIN:VCARD\nFN:Someone\nEND:VCARD' });
    expect(normalizeWhatsapp(vcard)).toMatchObject({ inbound: { kind: 'unsupported', what: 'contact' } });
    const photo = fakeMessage({ from: PERSON, type: 'image', body: '' });
    expect(normalizeWhatsapp(photo)).toMatchObject({ inbound: { kind: 'unsupported', what: 'photo' } });
  });

  it('should refuse groups', () => {
    expect(normalizeWhatsapp(fakeMessage({ from: '70000000001-1600000000@g.us', body: 'hi' }))).toEqual({
      action: 'refuse-group',
      chatId: '70000000001-1600000000@g.us',
    });
  });

  it.each([
    ['status updates', { from: 'status@broadcast', body: 'story' }],
    ['the bot’s own messages', { from: PERSON, body: 'echo', fromMe: true }],
    ['broadcast lists', { from: '1600000000@broadcast', body: 'hi' }],
    ['channels', { from: '120363000000000000@newsletter', body: 'news' }],
    ['system notices', { from: PERSON, type: 'e2e_notification' }],
    ['missed-call entries', { from: PERSON, type: 'call_log' }],
    ['revoked messages', { from: PERSON, type: 'revoked' }],
    ['empty texts', { from: PERSON, body: '   ' }],
  ])('should ignore %s', (_name, init) => {
    expect(normalizeWhatsapp(fakeMessage(init)).action).toBe('ignore');
  });

  it.each([
    ['ptt', 'voice'],
    ['audio', 'audio'],
    ['image', 'photo'],
    ['video', 'video'],
    ['sticker', 'sticker'],
    ['location', 'location'],
    ['vcard', 'contact'],
    ['multi_vcard', 'contact'],
    ['document', 'document'],
    ['poll_creation', 'poll'],
    ['order', 'other'],
    ['something_new', 'other'],
  ])('should map %s to the unsupported kind %s', (type, what) => {
    const n = normalizeWhatsapp(fakeMessage({ from: PERSON, type }));
    expect(n.action === 'handle' && n.inbound).toMatchObject({ kind: 'unsupported', what });
  });
});
