import { describe, expect, it } from 'vitest';
import { decodeChoice, MAX_CALLBACK_DATA_BYTES } from '../../../src/channels/telegram/callback-data.js';
import {
  buildKeyboard,
  buttonLabel,
  MAX_BUTTON_LABEL,
  MAX_KEYBOARD_BUTTONS,
  renderMessage,
  splitText,
  TELEGRAM_MAX_TEXT,
} from '../../../src/channels/telegram/render.js';
import type { OutboundMessage, RenderedChoice } from '../../../src/core/types.js';

const SOS: RenderedChoice = { id: 'sos', label: '🆘 Экстренная помощь' };
const MENU: RenderedChoice = { id: 'menu', label: '☰ Меню' };

function message(text: string, choices: RenderedChoice[] = [], globalChoices = [SOS, MENU]) {
  return { type: 'message', text, choices, globalChoices, lang: 'ru' } satisfies OutboundMessage;
}

describe('splitText', () => {
  it('should keep a short text in one part', () => {
    expect(splitText('Привет')).toEqual(['Привет']);
  });

  it('should split a long text into parts within the limit, at paragraph breaks, losing no words', () => {
    const paragraph = `${'слово '.repeat(150).trim()}.`;
    const text = Array.from({ length: 12 }, (_, i) => `${i}. ${paragraph}`).join('\n\n');
    expect(text.length).toBeGreaterThan(2 * TELEGRAM_MAX_TEXT);
    const parts = splitText(text);
    expect(parts.length).toBeGreaterThanOrEqual(3);
    for (const part of parts) {
      expect(part.length).toBeLessThanOrEqual(TELEGRAM_MAX_TEXT);
      expect(part).toMatch(/^\d+\. /); // each part starts at a paragraph
    }
    expect(parts.join('\n\n')).toBe(text);
  });

  it('should split text without spaces at the limit without breaking an emoji', () => {
    const text = `a${'😀'.repeat(5000)}`;
    const parts = splitText(text);
    for (const part of parts) {
      expect(part.length).toBeLessThanOrEqual(TELEGRAM_MAX_TEXT);
      expect(part).not.toMatch(/^[\uDC00-\uDFFF]|[\uD800-\uDBFF]$/);
    }
    expect(parts.join('')).toBe(text);
  });

  it('should never produce an empty part', () => {
    expect(splitText('')).toEqual(['…']);
    expect(splitText('   ')).toEqual(['…']);
  });
});

describe('buildKeyboard', () => {
  it('should put long labels one per row and short ones two per row, then SOS and menu last', () => {
    const { rows, fallback } = buildKeyboard(
      [
        { id: 'yes', label: 'Да' },
        { id: 'no', label: 'Нет' },
        { id: 'unsure', label: 'Не знаю' },
        { id: 'stop', label: '⏹ Остановить вопросы, пожалуйста' },
      ],
      [SOS, MENU],
    );
    expect(fallback).toEqual([]);
    expect(rows.map((r) => r.map((b) => b.text))).toEqual([
      ['Да', 'Нет'],
      ['Не знаю'],
      ['⏹ Остановить вопросы, пожалуйста'],
      [SOS.label, MENU.label],
    ]);
    expect(rows.flat().map((b) => ('callback_data' in b ? decodeChoice(b.callback_data) : null))).toEqual([
      'yes',
      'no',
      'unsure',
      'stop',
      'sos',
      'menu',
    ]);
  });

  it('should not repeat a global choice the flow already offers', () => {
    const { rows } = buildKeyboard([{ id: 'sos', label: '🆘 Экстренные номера' }], [SOS]);
    expect(rows.flat().map((b) => b.text)).toEqual(['🆘 Экстренные номера']);
  });

  it('should fall back to numbered lines for choices that cannot be buttons', () => {
    const m = message('Вопрос', [
      { id: 'ok', label: 'Хорошо' },
      { id: 'Not A Valid Id', label: 'Другое' },
    ]);
    const [part] = renderMessage(m);
    expect(part?.text).toBe('Вопрос\n\n2. Другое');
    const texts = part?.reply_markup?.inline_keyboard.flat().map((b) => b.text);
    expect(texts).toEqual(['Хорошо', SOS.label, MENU.label]);
  });

  it('should keep a keyboard within the button limit, the rest as numbered lines', () => {
    const many = Array.from({ length: 120 }, (_, i) => ({ id: `r${i}`, label: `Регион ${i}` }));
    const { rows, fallback } = buildKeyboard(many, [SOS, MENU]);
    expect(rows.flat().length).toBe(MAX_KEYBOARD_BUTTONS);
    expect(rows.at(-1)?.map((b) => b.text)).toEqual([SOS.label, MENU.label]);
    expect(fallback[0]).toBe('99. Регион 98');
    expect(fallback).toHaveLength(22);
  });

  it('should cut labels to the limit and keep callback data within 64 bytes', () => {
    const long = `${'Очень длинная подпись кнопки '.repeat(5)}😀`;
    expect([...buttonLabel(long)].length).toBe(MAX_BUTTON_LABEL);
    expect(buttonLabel(long).endsWith('…')).toBe(true);
    const { rows } = buildKeyboard([{ id: 'a'.repeat(32), label: long }], []);
    const button = rows[0]?.[0];
    expect(
      button && 'callback_data' in button && Buffer.byteLength(button.callback_data),
    ).toBeLessThanOrEqual(MAX_CALLBACK_DATA_BYTES);
  });
});

describe('renderMessage', () => {
  it('should attach the keyboard to the last part only', () => {
    const text = `${'а'.repeat(4000)}\n\n${'б'.repeat(4000)}`;
    const parts = renderMessage(message(text, [{ id: 'back', label: 'Назад' }]));
    expect(parts).toHaveLength(2);
    expect(parts[0]?.reply_markup).toBeUndefined();
    expect(parts[1]?.reply_markup?.inline_keyboard.flat().map((b) => b.text)).toEqual([
      'Назад',
      SOS.label,
      MENU.label,
    ]);
  });

  it('should send a message without choices as plain text', () => {
    expect(renderMessage(message('Хорошо.', [], []))).toEqual([{ text: 'Хорошо.' }]);
  });
});
