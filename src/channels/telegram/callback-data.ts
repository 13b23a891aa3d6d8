/**
 * Callback data of inline buttons: `c:<choiceId>`. Telegram allows 1–64 bytes of callback data
 * (https://core.telegram.org/bots/api#inlinekeyboardbutton) and hands back whatever a client sends,
 * so decoding must accept anything: old keyboards, other flow versions, forged bytes.
 */

/** Telegram's limit for `callback_data`, in bytes (UTF-8). */
export const MAX_CALLBACK_DATA_BYTES = 64;

const PREFIX = 'c:';
/** Choice ids as flows declare them (flows/contract.ts). */
const CHOICE_ID = /^[a-z0-9_]{1,32}$/;

/**
 * A choice id that no flow can offer (it has characters ids never have). Undecodable button
 * presses become this choice so the engine answers them as a button from an earlier message.
 */
export const STALE_CHOICE_ID = '~stale';

/** Callback data for a choice id, or undefined when the id cannot travel in a button. */
export function encodeChoice(id: string): string | undefined {
  if (!CHOICE_ID.test(id)) return undefined;
  const data = `${PREFIX}${id}`;
  return Buffer.byteLength(data, 'utf8') <= MAX_CALLBACK_DATA_BYTES ? data : undefined;
}

/** The choice id in callback data, or undefined when the data is not ours. */
export function decodeChoice(data: string | undefined): string | undefined {
  if (typeof data !== 'string' || !data.startsWith(PREFIX)) return undefined;
  if (Buffer.byteLength(data, 'utf8') > MAX_CALLBACK_DATA_BYTES) return undefined;
  const id = data.slice(PREFIX.length);
  return CHOICE_ID.test(id) ? id : undefined;
}
