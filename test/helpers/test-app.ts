/**
 * Starts the real app (same wiring as `npm start`) on a fresh SQLite file in a temp dir,
 * listening on a random 127.0.0.1 port. Logs are silent unless TIREK_TEST_LOGS=1.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { MiddlewareHandler } from 'hono';
import { inject } from 'vitest';
import { type App, createApp } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import type { Channel, ChannelAdapter } from '../../src/core/types.js';
import { createLogger, type Logger } from '../../src/logger.js';
import { freshDatabase } from './postgres-cluster.js';

export interface TestApp {
  app: App;
  dir: string;
  dbPath: string;
  env: Record<string, string>;
  baseUrl: string;
  stop(): Promise<void>;
}

export function testEnv(overrides: Record<string, string> = {}): {
  env: Record<string, string>;
  dir: string;
} {
  const dir = mkdtempSync(join(tmpdir(), 'tirek-test-'));
  return {
    dir,
    env: {
      NODE_ENV: 'test',
      LOG_LEVEL: process.env.TIREK_TEST_LOGS ? 'debug' : 'silent',
      DATABASE_PATH: join(dir, 'tirek.db'),
      DATA_KEY: randomBytes(32).toString('base64'),
      HOST: '127.0.0.1',
      PORT: '0',
      // counsellors always on duty unless a test says otherwise
      DUTY_HOURS: 'always',
      DUTY_DAYS: '1-7',
      // tests type faster than people; the flood tests set their own limit
      FLOOD_MAX_PER_MINUTE: '1000',
      ...overrides,
    },
  };
}

export async function startTestApp(
  options: {
    env?: Record<string, string>;
    dir?: string;
    channelOverrides?: Partial<Record<Channel, ChannelAdapter>>;
    clock?: () => number;
    /** Instead of a logger at the configured level on stdout (e.g. one writing to a file). */
    logger?: Logger;
    /** The console's admin check, for the routes mounted behind it (campaigns). */
    adminGuard?: MiddlewareHandler;
  } = {},
): Promise<TestApp> {
  const base = options.env && options.dir ? { env: options.env, dir: options.dir } : testEnv(options.env);
  // `npm run test:postgres` runs the app-level tests again on a fresh PostgreSQL database each
  if (process.env.TIREK_TEST_STORE === 'postgres' && !base.env.DATABASE_URL)
    base.env.DATABASE_URL = await freshDatabase(inject('postgresUrl'));
  const config = loadConfig(base.env);
  const app = await createApp({
    config,
    logger: options.logger ?? createLogger(config.LOG_LEVEL),
    channelOverrides: options.channelOverrides,
    clock: options.clock,
    adminGuard: options.adminGuard,
  });
  await app.start();
  return {
    app,
    dir: base.dir,
    dbPath: config.DATABASE_PATH,
    env: base.env,
    baseUrl: `http://127.0.0.1:${app.http?.port}`,
    async stop() {
      await app.stop();
    },
  };
}

export function removeDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}
