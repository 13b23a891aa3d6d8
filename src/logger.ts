/**
 * Structured logs with redaction. Callers never pass message text, names, phone numbers or
 * platform ids; the redact list is a second line of defence for fields that slip through.
 */
import { type Logger, pino } from 'pino';

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
];

export function createLogger(level: string, destination?: pino.DestinationStream): Logger {
  return pino(
    {
      level,
      base: { app: 'tirek' },
      redact: { paths: REDACTED_FIELDS, censor: '[redacted]' },
      // Errors from HTTP clients can embed request URLs with the bot token: keep only name/message/code.
      serializers: {
        err: (e: unknown) =>
          e instanceof Error
            ? { type: e.name, message: scrub(e.message), code: (e as { code?: unknown }).code }
            : { message: scrub(String(e)) },
      },
    },
    destination,
  );
}

/** Removes Telegram bot tokens from a string. */
export function scrub(s: string): string {
  return s.replace(/\d{5,}:[\w-]{20,}/g, '[token]');
}

export type { Logger };
