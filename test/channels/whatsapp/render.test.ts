import { describe, expect, it } from 'vitest';
import {
  numberedList,
  renderWhatsapp,
  splitText,
  toWhatsappEmphasis,
  WHATSAPP_MAX_TEXT,
} from '../../../src/channels/whatsapp/render.js';
import type { OutboundMessage } from '../../../src/core/types.js';
import { createTranslator } from '../../../src/i18n/translator.js';

const translator = createTranslator();
type TextMessage = Extract<OutboundMessage, { type: 'message' }>;

const prompt = (over: Partial<TextMessage> = {}): TextMessage => ({
  type: 'message',
  text: 'Is it safe to write now?',
  choices: [
    { id: 'yes', label: 'Yes, it is safe' },
    { id: 'no', label: 'No, not now' },
  ],
  globalChoices: [
    { id: 'sos', label: '🆘 Emergency' },
    { id: 'menu', label: '☰ Menu' },
  ],
  lang: 'en',
  ...over,
});

describe('renderWhatsapp', () => {
  it('should render choices as a numbered list after the text, then how to answer and the globals', () => {
    const [text, ...rest] = renderWhatsapp(prompt(), translator);
    expect(rest).toEqual([]);
    expect(text).toBe(
      [
        'Is it safe to write now?',
        '',
        '1 – Yes, it is safe',
        '2 – No, not now',
        '',
        `_${translator.t('en', 'whatsapp:reply_with_number')}_`,
        `${translator.t('en', 'whatsapp:global.sos', { label: '🆘 Emergency' })} · ${translator.t('en', 'whatsapp:global.menu', { label: '☰ Menu' })} · ${translator.t('en', 'whatsapp:global.exit', { label: translator.t('en', 'common:choices.exit') })}`,
      ].join('\n'),
    );
    expect(text).toContain('type SOS');
    expect(text).toContain('type 0');
    expect(text).toContain('type EXIT');
  });

  it('should not repeat the quick exit in the footer when the message offers it as a numbered choice', () => {
    const [text] = renderWhatsapp(prompt({ choices: [{ id: 'exit', label: '🚪 Quick exit' }] }), translator);
    expect(text).toContain('1 – 🚪 Quick exit');
    expect(text).not.toContain('type EXIT');
  });

  it('should write the footer in the message language', () => {
    const [text] = renderWhatsapp(
      prompt({ lang: 'kk', globalChoices: [{ id: 'sos', label: 'X' }] }),
      translator,
    );
    expect(text).toContain(translator.t('kk', 'whatsapp:reply_with_number'));
    expect(text).toContain(translator.t('kk', 'whatsapp:global.sos', { label: 'X' }));
    expect(text).not.toContain(translator.t('en', 'whatsapp:reply_with_number'));
  });

  it('should send a plain text unchanged when there is nothing to choose', () => {
    expect(renderWhatsapp(prompt({ choices: [], globalChoices: [] }), translator)).toEqual([
      'Is it safe to write now?',
    ]);
  });

  it('should number twenty regions up to 21 lines', () => {
    const choices = Array.from({ length: 21 }, (_, i) => ({ id: `r${i}`, label: `Region ${i}` }));
    const list = numberedList(choices).split('\n');
    expect(list).toHaveLength(21);
    expect(list[0]).toBe('1 – Region 0');
    expect(list[20]).toBe('21 – Region 20');
  });

  it('should split a long text into parts within the limit, the list in the last part', () => {
    const paragraph = `${'word '.repeat(199)}end`; // 999 characters
    const text = Array.from({ length: 9 }, () => paragraph).join('\n\n');
    const parts = renderWhatsapp(prompt({ text }), translator);
    expect(parts.length).toBeGreaterThan(2);
    for (const part of parts) expect(part.length).toBeLessThanOrEqual(WHATSAPP_MAX_TEXT);
    expect(parts.at(-1)).toContain('1 – Yes, it is safe');
    expect(parts.slice(0, -1).join('')).not.toContain('1 – ');
    // nothing lost: every word is still there
    expect(parts.join(' ').match(/word/g)).toHaveLength(9 * 199);
  });
});

describe('splitText', () => {
  it('should prefer paragraph breaks, then spaces, and never cut an emoji in half', () => {
    expect(splitText('aaaa\n\nbbbb', 8)).toEqual(['aaaa', 'bbbb']);
    expect(splitText('aaa bbb ccc', 8)).toEqual(['aaa bbb', 'ccc']);
    const emoji = splitText(`${'x'.repeat(7)}🆘🆘`, 8);
    expect(emoji.join('')).toBe(`${'x'.repeat(7)}🆘🆘`);
    for (const part of emoji) expect(part).not.toMatch(/[\uD800-\uDBFF]$/);
  });
});

describe('toWhatsappEmphasis', () => {
  it('should turn markdown emphasis into WhatsApp formatting and leave plain text alone', () => {
    expect(toWhatsappEmphasis('**Call 112** now, __please__, ~~not~~')).toBe(
      '*Call 112* now, _please_, ~not~',
    );
    expect(toWhatsappEmphasis('2 * 3 = 6, snake_case')).toBe('2 * 3 = 6, snake_case');
  });
});
