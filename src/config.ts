/**
 * The only reader of process.env. Validates every variable once at start-up and fails with
 * one clear line per bad value, so a misconfigured server never half-starts.
 * A `.env` file in the working directory is read too; the environment wins over the file.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseEnv } from 'node:util';
import { z } from 'zod';
import { ConfigError } from './core/errors.js';

/**
 * The example key shown (commented out) in .env.example: refused in production, like any key
 * with hardly any distinct bytes (all zeros, a repeated letter), which nobody generated at random.
 */
export const EXAMPLE_DATA_KEY = 'dGlyZWstZXhhbXBsZS1rZXktZG8tbm90LXVzZSEhISE=';
const looksMadeUp = (key: string) => key === EXAMPLE_DATA_KEY || new Set(Buffer.from(key, 'base64')).size < 8;

const bool = z
  .enum(['true', 'false', '1', '0', 'yes', 'no', ''])
  .transform((v) => v === 'true' || v === '1' || v === 'yes');

const optionalString = z
  .string()
  .optional()
  .transform((v) => (v === undefined || v.trim() === '' ? undefined : v.trim()));

const dataKey = optionalString.refine(
  (v) => v === undefined || (/^[A-Za-z0-9+/]+={0,2}$/.test(v) && Buffer.from(v, 'base64').length === 32),
  { message: 'must be 32 random bytes in base64 (generate one with: openssl rand -base64 32)' },
);

const hhmm = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, { message: 'must be HH:MM (24-hour clock)' });
/** The end of a shift may be 24:00 (midnight at the end of the day), so "all day" is 00:00-24:00. */
const hhmmEnd = z.string().regex(/^(([01]\d|2[0-3]):[0-5]\d|24:00)$/);

const schema = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  DATABASE_PATH: z.string().min(1).default('./data/tirek.db'),
  /** PostgreSQL instead of SQLite (several instances on one database). */
  DATABASE_URL: optionalString.refine((v) => v === undefined || /^postgres(ql)?:\/\//.test(v), {
    message: 'must be a postgres:// URL',
  }),
  /** How long an outbox claim of an instance that stopped answering blocks its row (several instances). */
  OUTBOX_CLAIM_LEASE_SECONDS: z.coerce
    .number({ message: 'must be a number of seconds' })
    .int()
    .min(1)
    .max(86_400)
    .default(300),
  /** How long a reply keeps being retried while its channel is down (then it fails, kept for re-sending). */
  OUTBOX_MAX_AGE_HOURS: z.coerce
    .number({ message: 'must be a number of hours' })
    .int()
    .min(1)
    .max(720)
    .default(24),
  /** Incoming messages per person per minute that get an answer; past it they are only stored (SOS always answered). */
  FLOOD_MAX_PER_MINUTE: z.coerce
    .number({ message: 'must be a number of messages' })
    .int()
    .min(1)
    .max(10_000)
    .default(20),
  DATA_KEY: dataKey,
  /** Files holding the keys (read once at start; see withKeyFiles). */
  DATA_KEY_FILE: optionalString,
  DATA_KEY_OLD_FILE: optionalString,
  PSEUDONYM_KEY_FILE: optionalString,
  /** The previous key while `npm run rotate-key` re-encrypts (rows are read with either key). */
  DATA_KEY_OLD: dataKey,
  /**
   * The secret pseudonyms are keyed from. Unset: DATA_KEY (as before). Kept apart so a new
   * DATA_KEY leaves every person linked to their conversation (see README, key rotation).
   */
  PSEUDONYM_KEY: dataKey,
  /** Bearer token for /metrics from other hosts; unset = /metrics answers on loopback only. */
  METRICS_TOKEN: optionalString.refine((v) => v === undefined || v.length >= 16, {
    message: 'must be at least 16 characters',
  }),
  PORT: z.coerce.number({ message: 'must be a port number' }).int().min(0).max(65535).default(3000),
  HOST: z.string().min(1).default('127.0.0.1'),
  TELEGRAM_BOT_TOKEN: optionalString.refine((v) => v === undefined || /^\d+:[\w-]{20,}$/.test(v), {
    message: 'does not look like a bot token from @BotFather (digits:letters)',
  }),
  TELEGRAM_API_ROOT: z.url({ message: 'must be a URL' }).default('https://api.telegram.org'),
  TELEGRAM_WEBHOOK_URL: optionalString.pipe(z.url({ message: 'must be an https URL' }).optional()),
  TELEGRAM_WEBHOOK_SECRET: optionalString.refine(
    (v) => v === undefined || /^[A-Za-z0-9_-]{16,256}$/.test(v),
    {
      message: 'must be 16–256 characters of A-Z, a-z, 0-9, _ and -',
    },
  ),
  WHATSAPP_ENABLED: bool.default(false),
  WHATSAPP_SESSION_DIR: z.string().min(1).default('./data/whatsapp'),
  CHROMIUM_PATH: z.string().min(1).default('/usr/bin/chromium'),
  RETENTION_DAYS: z.coerce.number({ message: 'must be a number of days' }).int().min(1).max(3650).default(30),
  /** A person waiting longer than this for a counsellor is told so once, with 111 / 150. */
  HANDOFF_MAX_WAIT_MINUTES: z.coerce
    .number({ message: 'must be a number of minutes' })
    .int()
    .min(1)
    .max(1440)
    .default(20),
  /** The counsellor console: a session unused for this long ends (the counsellor logs in again). */
  CONSOLE_IDLE_MINUTES: z.coerce
    .number({ message: 'must be a number of minutes' })
    .int()
    .min(1)
    .max(1440)
    .default(30),
  /** Always mark the console's cookie Secure (it is anyway when a request came over https). */
  CONSOLE_SECURE_COOKIE: bool.default(false),
  /** Behind a reverse proxy: take the client's address from X-Forwarded-For (login rate limit). */
  CONSOLE_TRUST_PROXY: bool.default(false),
  /** Help directory entries checked longer ago than this are flagged for re-checking in the console. */
  DIRECTORY_RECHECK_DAYS: z.coerce
    .number({ message: 'must be a number of days' })
    .int()
    .min(1)
    .max(3650)
    .default(180),
  DUTY_HOURS: z
    .string()
    .default('09:00-18:00')
    .transform((v, ctx) => {
      if (v.trim() === 'always') return { from: '00:00', to: '24:00' };
      const [from, to] = v.split('-');
      if (!hhmm.safeParse(from).success || !hhmmEnd.safeParse(to).success) {
        ctx.addIssue({ code: 'custom', message: 'must look like 09:00-18:00 (or always, = 00:00-24:00)' });
        return z.NEVER;
      }
      return { from: from as string, to: to as string };
    }),
  DUTY_DAYS: z
    .string()
    .default('1-5')
    .transform((v, ctx) => {
      const m = /^([1-7])-([1-7])$/.exec(v);
      if (!m) {
        ctx.addIssue({
          code: 'custom',
          message: 'must look like 1-5 (Monday to Friday; 1 = Monday, 7 = Sunday)',
        });
        return z.NEVER;
      }
      return { from: Number(m[1]), to: Number(m[2]) };
    }),
  /** Campaign broadcasts go out only between these times (TIMEZONE clock). */
  BROADCAST_HOURS: z
    .string()
    .default('10:00-19:00')
    .transform((v, ctx) => {
      const [from, to] = v.split('-');
      if (!hhmm.safeParse(from).success || !hhmm.safeParse(to).success || from === to) {
        ctx.addIssue({ code: 'custom', message: 'must look like 10:00-19:00' });
        return z.NEVER;
      }
      return { from: from as string, to: to as string };
    }),
  /** Campaign messages per second overall on Telegram (Telegram allows about 30). */
  BROADCAST_RATE_PER_SECOND: z.coerce
    .number({ message: 'must be a number' })
    .positive()
    .max(10_000)
    .default(25),
  /** Least time between two campaign messages to one chat (Telegram: 1 per second). */
  BROADCAST_PER_CHAT_MS: z.coerce
    .number({ message: 'must be milliseconds' })
    .int()
    .min(0)
    .max(60_000)
    .default(1000),
  /** Campaign sends in flight at once (also the most rows a crash can leave 'unknown'). */
  BROADCAST_CONCURRENCY: z.coerce.number({ message: 'must be a number' }).int().min(1).max(256).default(8),
  /** A claim of a sender that stopped answering turns 'unknown' after this (several instances). */
  BROADCAST_CLAIM_LEASE_SECONDS: z.coerce
    .number({ message: 'must be seconds' })
    .int()
    .min(1)
    .max(86_400)
    .default(120),
  /** Language of a campaign for people whose language it has no text in. */
  BROADCAST_DEFAULT_LANG: z.enum(['kk', 'ru', 'en']).default('ru'),
  /** The opt-in text promises at most this many campaign messages in 30 days; the audience keeps it. */
  BROADCAST_MAX_PER_MONTH: z.coerce.number({ message: 'must be a number' }).int().min(1).max(100).default(4),
  /** WhatsApp broadcasts: off by default (bulk sending through an unofficial client risks a ban). */
  BROADCAST_WHATSAPP: bool.default(false),
  /** When on: least seconds between two campaign messages on WhatsApp, plus as much again at random. */
  BROADCAST_WHATSAPP_INTERVAL_SECONDS: z.coerce
    .number({ message: 'must be seconds' })
    .min(1)
    .max(3600)
    .default(20),
  TIMEZONE: z
    .string()
    .default('Asia/Almaty')
    .refine(
      (tz) => {
        try {
          new Intl.DateTimeFormat('en', { timeZone: tz });
          return true;
        } catch {
          return false;
        }
      },
      { message: 'must be an IANA time zone such as Asia/Almaty' },
    ),
});

export type Config = z.infer<typeof schema>;

/**
 * What the configuration is read from: the `.env` file of `cwd` (if there is one) under the
 * environment, so a variable set by the service manager or the shell wins over the file.
 */
export function readEnvironment(
  cwd: string = process.cwd(),
  env: Record<string, string | undefined> = process.env,
): Record<string, string | undefined> {
  const file = resolve(cwd, '.env');
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return env;
    throw new ConfigError(`Invalid configuration:\n  .env: cannot read ${file} (${code ?? 'error'})`);
  }
  return { ...parseEnv(text), ...env };
}

/** Secrets that may also come from a file: `<NAME>_FILE` (systemd's LoadCredential). */
const FILE_SECRETS = ['DATA_KEY', 'DATA_KEY_OLD', 'PSEUDONYM_KEY'] as const;

/**
 * DATA_KEY_FILE (and DATA_KEY_OLD_FILE, PSEUDONYM_KEY_FILE): the key read from a file, so it
 * never sits in an environment (systemd's LoadCredential puts it in $CREDENTIALS_DIRECTORY).
 * The variable itself, if set, wins.
 */
function withKeyFiles(env: Record<string, string | undefined>): Record<string, string | undefined> {
  const out = { ...env };
  for (const name of FILE_SECRETS) {
    const file = env[`${name}_FILE`]?.trim();
    if (!file || env[name]?.trim()) continue;
    try {
      out[name] = readFileSync(file, 'utf8').trim();
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code ?? 'error';
      throw new ConfigError(`Invalid configuration:\n  ${name}_FILE: cannot read ${file} (${code})`);
    }
  }
  return out;
}

/** Parse and validate a configuration (process.env by default). Throws ConfigError listing every bad value. */
export function loadConfig(env: Record<string, string | undefined> = readEnvironment()): Config {
  const result = schema.safeParse(withKeyFiles(env));
  if (!result.success) {
    const lines = result.error.issues.map((i) => `${i.path.join('.') || 'config'}: ${i.message}`);
    throw new ConfigError(`Invalid configuration:\n  ${lines.join('\n  ')}`);
  }
  const config = result.data;
  if (config.NODE_ENV === 'production' && !config.DATA_KEY) {
    throw new ConfigError('Invalid configuration:\n  DATA_KEY: is required when NODE_ENV=production');
  }
  if (config.NODE_ENV === 'production' && config.DATA_KEY && looksMadeUp(config.DATA_KEY)) {
    throw new ConfigError(
      'Invalid configuration:\n  DATA_KEY: is an example or made-up value; generate one with: openssl rand -base64 32',
    );
  }
  if (config.NODE_ENV === 'production' && config.PSEUDONYM_KEY && looksMadeUp(config.PSEUDONYM_KEY)) {
    throw new ConfigError(
      'Invalid configuration:\n  PSEUDONYM_KEY: is an example or made-up value; it must be a key generated at random',
    );
  }
  if (config.DATA_KEY_OLD && config.DATA_KEY_OLD === config.DATA_KEY) {
    throw new ConfigError('Invalid configuration:\n  DATA_KEY_OLD: is the same as DATA_KEY');
  }
  if (config.TELEGRAM_WEBHOOK_URL && !config.TELEGRAM_WEBHOOK_SECRET) {
    throw new ConfigError(
      'Invalid configuration:\n  TELEGRAM_WEBHOOK_SECRET: is required when TELEGRAM_WEBHOOK_URL is set',
    );
  }
  return config;
}
