/**
 * Entry point (`node dist/src/main.js` in production, `npm start` / `npm run dev` from source):
 * validate config, start every configured channel, stop cleanly on SIGTERM / SIGINT.
 * A fatal start-up problem prints one line and exits with code 1.
 */
import { type App, createApp } from './app.js';
import { type Config, loadConfig } from './config.js';
import { ConfigError } from './core/errors.js';
import { tuneHeapForServer } from './heap.js';
import { createLogger } from './logger.js';
import { describeStartupError } from './startup-error.js';

/** Longest a stop may take before the process exits anyway (a service manager waits longer). */
const STOP_TIMEOUT_MS = 8_000;

function fail(error: unknown, config?: Config): never {
  process.stderr.write(`${describeStartupError(error, config)}\n`);
  if (error instanceof ConfigError) process.stderr.write('See .env.example for every setting.\n');
  process.exit(1);
}

async function main(): Promise<void> {
  tuneHeapForServer();
  let config: Config;
  try {
    config = loadConfig();
  } catch (error) {
    fail(error);
  }
  const logger = createLogger(config.LOG_LEVEL);
  let app: App;
  try {
    app = await createApp({ config, logger });
    await app.start();
  } catch (error) {
    logger.debug({ err: error }, 'start-up failed');
    fail(error, config);
  }
  // Before the address is printed: whoever waits for it may send a signal at once.
  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down');
    const force = setTimeout(() => {
      logger.error(
        { signal },
        'stop took too long; exiting anyway (pending replies go out at the next start)',
      );
      process.exit(1);
    }, STOP_TIMEOUT_MS);
    force.unref();
    // Finishes the turn in flight; rows still pending stay in the outbox for the next start.
    await app.stop();
    process.exit(0);
  };
  process.on('SIGINT', () => void shutdown('SIGINT'));
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  const url = `http://${config.HOST.includes(':') ? `[${config.HOST}]` : config.HOST}:${app.http?.port}`;
  logger.info({ channels: [...app.adapters.keys()] }, 'Tirek is running');
  // Printed plainly (not only as JSON) so a newcomer sees where to click.
  process.stdout.write(`\nTirek web chat: ${url}/chat\n\n`);
  process.on('unhandledRejection', (err) => logger.error({ err }, 'unhandled rejection'));
}

void main();
