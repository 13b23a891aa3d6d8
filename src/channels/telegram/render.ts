/**
 * OutboundMessage -> sendMessage parameters. Plain text (no parse_mode, so nothing a flow or a
 * counsellor writes can break the markup), split at Telegram's length limit, with the choices as
 * an inline keyboard on the last part. Choices that cannot be buttons fall back to numbered lines,
 * which the engine accepts when typed ("2").
 */
import type { InlineKeyboardButton, InlineKeyboardMarkup } from 'grammy/types';
import type { OutboundMessage, RenderedChoice } from '../../core/types.js';
import { encodeChoice } from './callback-data.js';

/** Longest text of one message (https://core.telegram.org/bots/api#sendmessage), counted in UTF-16 units. */
export const TELEGRAM_MAX_TEXT = 4096;
/** Button labels longer than this are cut with "…": Telegram clips them on screen anyway. */
export const MAX_BUTTON_LABEL = 64;
/** Labels up to this many characters go two to a row. */
export const SHORT_BUTTON_LABEL = 20;
/** Buttons per keyboard: Telegram rejects keyboards above about 100 buttons. */
export const MAX_KEYBOARD_BUTTONS = 100;
/** Telegram rejects an empty text; a prompt that only has buttons still needs a character. */
const EMPTY_TEXT = '…';

export interface TelegramMessagePart {
  text: string;
  reply_markup?: InlineKeyboardMarkup;
  /** Silent delivery: no sound or vibration (https://core.telegram.org/bots/api#sendmessage). */
  disable_notification?: true;
}

/** The parts to send for one outbound message, in order (the keyboard rides on the last one). */
export function renderMessage(message: Extract<OutboundMessage, { type: 'message' }>): TelegramMessagePart[] {
  const { rows, fallback } = buildKeyboard(message.choices, message.globalChoices);
  // a link rides as a URL button above the choices (only https: composed links are checked)
  if (message.link && /^https:\/\//.test(message.link.url))
    rows.unshift([{ text: buttonLabel(message.link.label), url: message.link.url }]);
  const text = fallback.length > 0 ? `${message.text}\n\n${fallback.join('\n')}` : message.text;
  const parts: TelegramMessagePart[] = splitText(text).map((t) =>
    message.silent ? { text: t, disable_notification: true } : { text: t },
  );
  const last = parts[parts.length - 1];
  if (last && rows.length > 0) last.reply_markup = { inline_keyboard: rows };
  return parts;
}

/**
 * Flow choices one per row, or two per row when both labels are short; then one row with the
 * always-present choices (SOS, menu), leaving out any the flow already offers.
 * Choices that cannot be buttons become numbered text lines (`fallback`).
 */
export function buildKeyboard(
  choices: readonly RenderedChoice[],
  globalChoices: readonly RenderedChoice[],
): { rows: InlineKeyboardButton[][]; fallback: string[] } {
  const globals = globalChoices.filter((g) => !choices.some((c) => c.id === g.id));
  const budget = MAX_KEYBOARD_BUTTONS - globals.length;
  const buttons: InlineKeyboardButton.CallbackButton[] = [];
  const fallback: string[] = [];
  choices.forEach((choice, i) => {
    const data = encodeChoice(choice.id);
    if (data && buttons.length < budget)
      buttons.push({ text: buttonLabel(choice.label), callback_data: data });
    else fallback.push(`${i + 1}. ${choice.label}`);
  });

  const rows: InlineKeyboardButton[][] = [];
  for (let i = 0; i < buttons.length; i++) {
    const a = buttons[i] as InlineKeyboardButton.CallbackButton;
    const b = buttons[i + 1];
    if (b && isShort(a.text) && isShort(b.text)) {
      rows.push([a, b]);
      i++;
    } else rows.push([a]);
  }
  const globalRow = globals.flatMap((g) => {
    const data = encodeChoice(g.id);
    return data ? [{ text: buttonLabel(g.label), callback_data: data }] : [];
  });
  if (globalRow.length > 0) rows.push(globalRow);
  return { rows, fallback };
}

const isShort = (label: string) => [...label].length <= SHORT_BUTTON_LABEL;

/** A label within MAX_BUTTON_LABEL characters (code points, so no emoji is cut in half). */
export function buttonLabel(label: string): string {
  const chars = [...label.trim()];
  if (chars.length === 0) return EMPTY_TEXT;
  return chars.length <= MAX_BUTTON_LABEL
    ? chars.join('')
    : `${chars.slice(0, MAX_BUTTON_LABEL - 1).join('')}…`;
}

/**
 * Splits text into parts of at most `max` UTF-16 units, preferring paragraph breaks, then line
 * breaks, then spaces; never inside a surrogate pair.
 */
export function splitText(text: string, max = TELEGRAM_MAX_TEXT): string[] {
  const parts: string[] = [];
  let rest = text.trim() === '' ? EMPTY_TEXT : text;
  while (rest.length > max) {
    let cut = -1;
    for (const sep of ['\n\n', '\n', ' ']) {
      const at = rest.lastIndexOf(sep, max);
      if (at > max / 2) {
        cut = at;
        break;
      }
    }
    if (cut === -1) {
      cut = max;
      // do not separate a high surrogate from its low half
      const code = rest.charCodeAt(cut - 1);
      if (code >= 0xd800 && code <= 0xdbff) cut--;
    }
    const head = rest.slice(0, cut).trimEnd();
    if (head !== '') parts.push(head);
    rest = rest.slice(cut).replace(/^\s+/, '');
  }
  if (rest.trim() !== '' || parts.length === 0) parts.push(rest.trim() === '' ? EMPTY_TEXT : rest);
  return parts;
}
