/** What the console's server needs from the app (built in src/app.ts). */
import type { Config } from '../config.js';
import type { ConsoleSession, ConsoleStore } from '../core/console-ports.js';
import type { Engine } from '../core/engine.js';
import type { Notifier, Store } from '../core/ports.js';
import type { Translator } from '../i18n/translator.js';
import type { Logger } from '../logger.js';

export interface ConsoleDeps {
  config: Pick<
    Config,
    | 'CONSOLE_IDLE_MINUTES'
    | 'CONSOLE_SECURE_COOKIE'
    | 'CONSOLE_TRUST_PROXY'
    | 'DIRECTORY_RECHECK_DAYS'
    | 'WHATSAPP_ENABLED'
  >;
  store: Store;
  consoleStore: ConsoleStore;
  engine: Engine;
  notifier: Notifier;
  translator: Translator;
  logger: Logger;
  clock: () => number;
  /** Keyed hash (the app's pseudonym function): login failures are counted under it. */
  pseudonym: (...parts: string[]) => string;
  /** The WhatsApp adapter's linking state, if WhatsApp is configured. */
  whatsappState?: () => { status: string; qr?: string; since: number } | undefined;
}

export interface ConsoleEnv {
  Variables: { session: ConsoleSession; tokenHash: string };
}
