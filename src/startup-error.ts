/**
 * One line for a fatal start-up problem (a busy port, a database that cannot be opened, a bad
 * setting), so a service manager's log says what to fix instead of a stack trace.
 */
import type { Config } from './config.js';
import { ConfigError } from './core/errors.js';
import { scrub } from './logger.js';

type StartConfig = Pick<Config, 'HOST' | 'PORT' | 'DATABASE_PATH' | 'DATABASE_URL'>;

const codeOf = (error: unknown): string | undefined => {
  for (let e = error as { code?: unknown; cause?: unknown } | undefined, i = 0; e && i < 5; i++) {
    if (typeof e.code === 'string') return e.code;
    e = e.cause as typeof e;
  }
  return undefined;
};

/** The line to print for an error that stopped the start; never the error's stack or content. */
export function describeStartupError(error: unknown, config?: StartConfig): string {
  if (error instanceof ConfigError) return error.message;
  const code = codeOf(error);
  const message = scrub(error instanceof Error ? error.message : String(error));
  const where = config ? `${config.HOST}:${config.PORT}` : 'the configured address';
  const database = config?.DATABASE_URL
    ? 'the PostgreSQL database (DATABASE_URL)'
    : `the database ${config?.DATABASE_PATH ?? ''} (DATABASE_PATH)`.replace('  ', ' ');
  switch (code) {
    case 'EADDRINUSE':
      return `Cannot listen on ${where}: the port is already in use (another Tirek running?). Set PORT to a free port or stop the other program.`;
    case 'EADDRNOTAVAIL':
      return `Cannot listen on ${where}: no such address on this machine. Check HOST.`;
    case 'EACCES':
    case 'EPERM':
      return `Permission denied (${code}): cannot open ${config && /listen/.test(message) ? where : database} as this user. Check the owner and mode of the data directory.`;
    case 'SQLITE_CANTOPEN':
    case 'SQLITE_READONLY':
    case 'SQLITE_PERM':
    case 'SQLITE_READONLY_DIRECTORY':
      return `Cannot open ${database} (${code}): check that the directory exists and this user may write to it.`;
    case 'SQLITE_NOTADB':
    case 'SQLITE_CORRUPT':
      return `Cannot read ${database} (${code}): the file is not a Tirek database or is damaged. Restore a backup (README: Running in production).`;
    case 'ECONNREFUSED':
    case 'ENOTFOUND':
    case 'ETIMEDOUT':
    case '28P01':
    case '3D000':
      return `Cannot reach ${database} (${code}): check DATABASE_URL and that PostgreSQL is running.`;
    default:
      // first line only: a message may be long, never a stack
      return `Tirek could not start: ${message.split('\n')[0]}${code ? ` (${code})` : ''}`;
  }
}
