/**
 * OutboundMessage -> WhatsApp text. WhatsApp Web has no reliable buttons for unofficial clients,
 * so choices become a numbered list ("1 – …") the person answers by typing the number (or the
 * label, in any language: the engine's input matcher reads both).
 */
import type { OutboundMessage, RenderedChoice } from '../../core/types.js';
import type { Translator } from '../../i18n/translator.js';

/**
 * Longest text we send in one WhatsApp message. WhatsApp accepts far more (about 65,000
 * characters) but folds long messages behind "Read more"; 4000 keeps each part readable and
 * matches the other channels. Longer texts are split at paragraph, line or word boundaries.
 */
export const WHATSAPP_MAX_TEXT = 4000;

/** The typed shortcut for the menu, shown in the footer of every prompt. */
export const WHATSAPP_MENU_SHORTCUT = '0';

type TextMessage = Extract<OutboundMessage, { type: 'message' }>;

/** Render a message as one or more WhatsApp texts (in sending order). */
export function renderWhatsapp(
  message: TextMessage,
  translator: Translator,
  max = WHATSAPP_MAX_TEXT,
): string[] {
  const parts = [withLink(toWhatsappEmphasis(message.text).trim(), message.link)];
  if (message.choices.length > 0) {
    parts.push(numberedList(message.choices));
  }
  const footer = globalsLine(message, translator);
  if (message.choices.length > 0 || footer) {
    const hint =
      message.choices.length > 0 ? `_${translator.t(message.lang, 'whatsapp:reply_with_number')}_` : '';
    parts.push([hint, footer].filter(Boolean).join('\n'));
  }
  return splitText(parts.filter(Boolean).join('\n\n'), max);
}

/**
 * WhatsApp Web has no link buttons: the link is a plain line (sent with linkPreview: false),
 * placed before the last paragraph so a broadcast still ends with how to stop.
 */
function withLink(text: string, link: TextMessage['link']): string {
  if (!link) return text;
  const line = `${link.label}: ${link.url}`;
  const cut = text.lastIndexOf('\n\n');
  return cut === -1 ? `${text}\n\n${line}` : `${text.slice(0, cut)}\n\n${line}${text.slice(cut)}`;
}

/** "1 – Yes\n2 – No": the number is the answer the person types. */
export function numberedList(choices: readonly RenderedChoice[]): string {
  return choices.map((c, i) => `${i + 1} – ${c.label}`).join('\n');
}

/**
 * The always-available commands (SOS, menu) as one line saying what to type. The quick exit is in
 * every footer too (typed as a word), unless the message offers it as a numbered choice.
 */
function globalsLine(message: TextMessage, translator: Translator): string {
  const offered = [...message.choices, ...message.globalChoices].some((c) => c.id === 'exit');
  const globals =
    message.globalChoices.length > 0 && !offered
      ? [...message.globalChoices, { id: 'exit', label: translator.t(message.lang, 'common:choices.exit') }]
      : message.globalChoices;
  return globals
    .map((c) => {
      const key = `whatsapp:global.${c.id}`;
      return translator.has(key, message.lang)
        ? translator.t(message.lang, key, { label: c.label })
        : c.label;
    })
    .join(' · ');
}

/**
 * Markdown-style emphasis -> WhatsApp's (*bold*, _italic_, ~strike~). Locale texts are plain
 * today; this keeps them correct if an editor writes **bold** or __italic__.
 * https://faq.whatsapp.com/539178204879377
 */
export function toWhatsappEmphasis(text: string): string {
  return text
    .replace(/\*\*(\S(?:[^*\n]*\S)?)\*\*/g, '*$1*')
    .replace(/__(\S(?:[^_\n]*\S)?)__/g, '_$1_')
    .replace(/~~(\S(?:[^~\n]*\S)?)~~/g, '~$1~');
}

/** Split at the last paragraph break, else line break, else space, before `max`; never mid-word if avoidable. */
export function splitText(text: string, max = WHATSAPP_MAX_TEXT): string[] {
  const out: string[] = [];
  let rest = text;
  while (rest.length > max) {
    const window = rest.slice(0, max + 1);
    let cut = window.lastIndexOf('\n\n');
    if (cut < max / 2) cut = window.lastIndexOf('\n');
    if (cut < max / 2) cut = window.lastIndexOf(' ');
    if (cut <= 0) {
      cut = max;
      // do not cut an emoji (a surrogate pair) in half
      const code = rest.charCodeAt(cut - 1);
      if (code >= 0xd800 && code <= 0xdbff) cut--;
    }
    out.push(rest.slice(0, cut).trimEnd());
    rest = rest.slice(cut).trimStart();
  }
  if (rest.length > 0 || out.length === 0) out.push(rest);
  return out;
}
