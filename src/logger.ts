/**
 * Structured logs with redaction. Callers never pass message text, names, phone numbers or
 * platform ids; what follows is the second line of defence for what slips through, at any depth:
 *
 * - fields whose name says they hold personal data (text, address, chatId, username, …) are
 *   replaced by "[redacted]" wherever they sit in the logged object (pino's own `redact` covers
 *   the top two levels fast; `formatters.log` walks the rest);
 * - every other string, the message included, is scrubbed of bot tokens, WhatsApp ids, phone
 *   numbers and long numeric ids (src/privacy/scrub.ts);
 * - errors are reduced to name, scrubbed message, code and the same for their causes: no stack, no
 *   library fields (grammY's GrammyError carries the whole request `payload`, chat id and text).
 */
import { type Logger, pino } from 'pino';
import { scrubText } from './privacy/scrub.js';

/** Field names that hold personal data or secrets, compared in lower case. */
export const REDACTED_KEYS = [
  'text',
  'caption',
  'body',
  'address',
  'userid',
  'user_id',
  'chatid',
  'chat_id',
  'phone',
  'phone_number',
  'username',
  'first_name',
  'last_name',
  'name',
  'token',
  'from',
  'to',
  'author',
  'payload',
  'snapshot',
  'note',
] as const;

export const REDACTED_FIELDS = [
  'text',
  'address',
  'userId',
  'chatId',
  'phone',
  'username',
  'first_name',
  'last_name',
  'token',
  'from',
  'body',
  'payload',
  '*.text',
  '*.address',
  '*.userId',
  '*.chatId',
  '*.phone',
  '*.username',
  '*.first_name',
  '*.last_name',
  '*.token',
  '*.from',
  '*.body',
  '*.payload',
];

const CENSOR = '[redacted]';
const MAX_DEPTH = 8;
const redactedKeys = new Set<string>(REDACTED_KEYS);

/** An error as it may be logged: its name, scrubbed message, code, and the same for its cause. */
export function serializeError(e: unknown, depth = 0): Record<string, unknown> {
  if (!(e instanceof Error)) return { message: scrubText(String(e)) };
  const code = (e as { code?: unknown }).code;
  const out: Record<string, unknown> = { type: e.name, message: scrubText(e.message) };
  if (typeof code === 'string' || typeof code === 'number') out.code = scrubText(String(code));
  if (e.cause !== undefined && depth < 3) out.cause = serializeError(e.cause, depth + 1);
  return out;
}

/** A copy of a logged value with personal fields redacted and every string scrubbed, at any depth. */
export function cleanLogValue(value: unknown, depth = 0): unknown {
  if (typeof value === 'string') return scrubText(value);
  if (value === null || typeof value !== 'object') return value;
  if (value instanceof Error) return serializeError(value);
  if (depth >= MAX_DEPTH) return '[too deep]';
  if (Array.isArray(value)) return value.map((v) => cleanLogValue(v, depth + 1));
  if (value instanceof Date) return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) {
    out[k] = redactedKeys.has(k.toLowerCase()) ? CENSOR : cleanLogValue(v, depth + 1);
  }
  return out;
}

export function createLogger(level: string, destination?: pino.DestinationStream): Logger {
  return pino(
    {
      level,
      base: { app: 'tirek' },
      redact: { paths: REDACTED_FIELDS, censor: CENSOR },
      formatters: { log: (obj) => cleanLogValue(obj) as Record<string, unknown> },
      serializers: {
        // formatters.log has already reduced errors; this catches one logged as the only argument
        err: (e: unknown) => (e instanceof Error ? serializeError(e) : e),
        // the message: a constant in our code, or an error's message when only an error is logged
        msg: (m: unknown) => (typeof m === 'string' ? scrubText(m) : m),
      },
    },
    destination,
  );
}

/** Removes bot tokens, WhatsApp ids, phone numbers and long numeric ids from a string. */
export const scrub = scrubText;

export type { Logger };
