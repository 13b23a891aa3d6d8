/**
 * Removes what must never reach a log line or a stored error text: bot tokens, WhatsApp ids
 * (`77015550123@c.us`), phone numbers and long numeric ids (a Telegram chat id). Error texts are
 * written by libraries, not by us: grammY quotes the method and Telegram's description,
 * whatsapp-web.js and puppeteer can quote the chat id they failed on.
 */

const TOKEN = /\d{5,}:[\w-]{20,}/g;
/** A WhatsApp address: a number or a group/linked id with its server suffix. */
const WHATSAPP_ID = /[\d-]{5,}@(?:c\.us|g\.us|lid|s\.whatsapp\.net|broadcast)\b/g;
/**
 * A phone number or a numeric id: 7 or more digits, optionally with a leading +, spaces,
 * brackets or dashes between them (+7 701 555 01 23, 8 (701) 555-01-23, 7000000123).
 * Dots are not joined, so an IP address or a version stays readable.
 */
const NUMBER = /\+?\d(?:[\s()-]*\d){6,}/g;

/** 2026-12-03: a date, kept. */
const ISO_DATE = /^\d{4}-\d{2}-\d{2}$/;

export function scrubText(s: string): string {
  return s
    .replace(TOKEN, '[token]')
    .replace(WHATSAPP_ID, '[whatsapp-id]')
    .replace(NUMBER, (m) => (ISO_DATE.test(m) ? m : '[number]'));
}
