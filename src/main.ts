/** Entry point of `npm start`: validate config, start every configured channel, stop cleanly. */
import { createApp } from './app.js';
import { loadConfig } from './config.js';
import { ConfigError } from './core/errors.js';
import { createLogger } from './logger.js';

async function main(): Promise<void> {
  let config: ReturnType<typeof loadConfig>;
  try {
    config = loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\nSee .env.example for every setting.\n`);
      process.exit(1);
    }
    throw error;
  }
  const logger = createLogger(config.LOG_LEVEL);
  const app = await createApp({ config, logger });
  await app.start();
  const url = `http://${config.HOST.includes(':') ? `[${config.HOST}]` : config.HOST}:${app.http?.port}`;
  logger.info({ channels: [...app.adapters.keys()] }, 'Tirek is running');
  // Printed plainly (not only as JSON) so a newcomer sees where to click.
  process.stdout.write(`\nTirek web chat: ${url}/chat\n\n`);

  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down');
    const force = setTimeout(() => process.exit(1), 10_000);
    force.unref();
    await app.stop();
    process.exit(0);
  };
  process.on('SIGINT', () => void shutdown('SIGINT'));
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('unhandledRejection', (err) => logger.error({ err }, 'unhandled rejection'));
}

void main();
