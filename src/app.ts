/**
 * Wiring: builds the store, engine, dispatcher, channels and HTTP server from a validated config.
 * Used by src/main.ts and by end-to-end tests, so tests run exactly what `npm start` runs.
 */
import type { MiddlewareHandler } from 'hono';
import { flows } from '../flows/index.js';
import { type Broadcasting, createBroadcasting } from './broadcast/index.js';
import { channelFactories } from './channels/index.js';
import type { Config } from './config.js';
import { createConsoleApi } from './console/api.js';
import { seedCannedReplies } from './console/canned.js';
import type { ConsoleDeps } from './console/deps.js';
import { createConsolePages } from './console/pages.js';
import { consoleAdminGuard } from './console/session.js';
import type { ConsoleStore } from './core/console-ports.js';
import { OutboxDispatcher } from './core/dispatcher.js';
import { createDutySchedule } from './core/duty.js';
import { Engine } from './core/engine.js';
import { LiveOutbox } from './core/live-outbox.js';
import { startLongWaitNotices } from './core/long-wait.js';
import type { Notifier, Store } from './core/ports.js';
import type { Channel, ChannelAdapter } from './core/types.js';
import { createHealthRoutes } from './http/health.js';
import { createHttpApp, type HttpMountable, listen, type RunningServer } from './http/server.js';
import { createTranslator, type Translator } from './i18n/translator.js';
import type { Logger } from './logger.js';
import { ChannelStatus } from './metrics/channel-status.js';
import { createMetrics, type Metrics } from './metrics/metrics.js';
import { createCipher } from './privacy/cipher.js';
import { resolveDataKey } from './privacy/data-key.js';
import { startRetention } from './privacy/retention.js';
import { runSingleInstance } from './single-instance.js';
import { openStore } from './store/index.js';

export interface AppDeps {
  config: Config;
  logger: Logger;
  clock?: () => number;
  /** Adapters to use instead of the configured ones (tests pass fakes of a platform's client). */
  channelOverrides?: Partial<Record<Channel, ChannelAdapter>>;
  /**
   * The console's admin check (sets `c.get('user')`); when given, the campaign API and page are
   * mounted behind it at /api/campaigns and /console/campaigns.
   */
  adminGuard?: MiddlewareHandler;
}

export interface App {
  config: Config;
  store: Store;
  notifier: Notifier;
  /** The counsellor console's tables (accounts, sessions, audit log…), on the same database. */
  consoleStore: ConsoleStore;
  /** Keyed hash of (channel, platform id) = a person's contact id (tools and tests). */
  pseudonym: (...parts: string[]) => string;
  engine: Engine;
  dispatcher: OutboxDispatcher;
  live: LiveOutbox;
  broadcasting: Broadcasting;
  translator: Translator;
  adapters: Map<Channel, ChannelAdapter>;
  /** Prometheus metrics (GET /metrics) and each channel's state (GET /readyz). */
  metrics: Metrics;
  channelStatus: ChannelStatus;
  /** Set once start() has the server listening. */
  http: RunningServer | undefined;
  start(): Promise<void>;
  stop(): Promise<void>;
}

export async function createApp({
  config,
  logger,
  clock = Date.now,
  channelOverrides = {},
  adminGuard,
}: AppDeps): Promise<App> {
  const { key, keyFile, created } = resolveDataKey(config.DATA_KEY, config.DATABASE_PATH);
  if (keyFile) {
    logger.warn(
      { keyFile, created },
      'DATA_KEY is not set: using a development key file. Set DATA_KEY in production and keep it secret.',
    );
  }
  // During a key rotation DATA_KEY_OLD still reads what is not re-encrypted yet (npm run rotate-key).
  const cipher = createCipher(key, {
    oldKeys: config.DATA_KEY_OLD ? [Buffer.from(config.DATA_KEY_OLD, 'base64')] : [],
    pseudonymKey: config.PSEUDONYM_KEY ? Buffer.from(config.PSEUDONYM_KEY, 'base64') : undefined,
  });
  if (config.DATA_KEY_OLD) logger.warn('DATA_KEY_OLD is set: remove it once npm run rotate-key has finished');
  const { store, notifier, consoleStore, db } = await openStore(config, cipher, (err) =>
    logger.error({ err }, 'database connection error'),
  );
  const translator = createTranslator(undefined, (lang, k) =>
    logger.warn({ lang, key: k }, 'missing locale key'),
  );
  const duty = createDutySchedule({
    hours: config.DUTY_HOURS,
    days: config.DUTY_DAYS,
    timeZone: config.TIMEZONE,
  });

  const adapters = new Map<Channel, ChannelAdapter>();
  let dispatcher: OutboxDispatcher | undefined;
  // campaigns have their own sender and delivery rows, never the conversation outbox
  const broadcasting = createBroadcasting({ config, db, store, cipher, adapters, translator, logger, clock });
  const engine = new Engine({
    store,
    translator,
    flows,
    duty,
    pseudonym: cipher.pseudonym,
    logger,
    clock,
    textParams: {
      retentionDays: config.RETENTION_DAYS,
      broadcastHours: broadcasting.hours.label,
      broadcastMaxPerMonth: config.BROADCAST_MAX_PER_MONTH,
    },
    floodMaxPerMinute: config.FLOOD_MAX_PER_MINUTE,
    broadcastChannels: broadcasting.channels,
    onAdminLink: (code, contactId) => broadcasting.onAdminLink(code, contactId),
    onOutbox: () => dispatcher?.wake(),
    delivery: { reserve: (channel) => dispatcher?.reserve(channel) },
    notifier,
  });
  const live = new LiveOutbox({
    store,
    notifier,
    pseudonym: cipher.pseudonym,
    deliver: (item, adapter) => (dispatcher as OutboxDispatcher).deliver(item, adapter),
    logger,
    clock,
  });
  const presence = (userId: string) => store.markStreamSeen(cipher.pseudonym('webchat', userId), clock());
  for (const [channel, factory] of Object.entries(channelFactories)) {
    const adapter =
      channelOverrides[channel as Channel] ?? (await factory({ config, logger, translator, live, presence }));
    if (adapter) adapters.set(channel as Channel, adapter);
  }
  for (const [channel, adapter] of Object.entries(channelOverrides))
    adapters.set(channel as Channel, adapter);
  const channelStatus = new ChannelStatus(adapters);
  const metrics = createMetrics({ store, channels: channelStatus, clock });
  dispatcher = new OutboxDispatcher({
    observer: metrics.delivery,
    store,
    adapters,
    logger,
    clock,
    claimLeaseMs: config.OUTBOX_CLAIM_LEASE_SECONDS * 1000,
    maxAgeMs: config.OUTBOX_MAX_AGE_HOURS * 3_600_000,
    pulledChannels: [...adapters.values()].filter((a) => a.delivery === 'pull').map((a) => a.channel),
  });

  await seedCannedReplies(consoleStore, translator, clock());
  const consoleDeps: ConsoleDeps = {
    config,
    store,
    consoleStore,
    engine,
    notifier,
    translator,
    logger,
    clock,
    pseudonym: cipher.pseudonym,
    whatsappState: () => {
      const wa = adapters.get('whatsapp') as Partial<{ linkingState(): { status: string; since: number } }>;
      return wa?.linkingState?.();
    },
  };
  const consoleApi = createConsoleApi(consoleDeps);

  let stopRetention: (() => void) | undefined;
  let stopLongWait: (() => void) | undefined;
  const stopSingles: Array<() => Promise<void>> = [];
  const app: App = {
    config,
    store,
    notifier,
    consoleStore,
    pseudonym: cipher.pseudonym,
    engine,
    dispatcher,
    live,
    broadcasting,
    translator,
    adapters,
    metrics,
    channelStatus,
    http: undefined,
    async start() {
      const mountables: HttpMountable[] = [...adapters.values()].filter(
        (a): a is ChannelAdapter & HttpMountable => 'mount' in a,
      );
      // Campaigns sit behind the console's admin check; mounted before the console's own /api tree.
      const guard = adminGuard ?? consoleAdminGuard(consoleDeps);
      mountables.push({ mount: (http) => broadcasting.mount(http, guard) });
      const health = createHealthRoutes({
        store,
        channels: channelStatus,
        metrics,
        metricsToken: config.METRICS_TOKEN,
      });
      app.http = await listen(
        createHttpApp([health, ...mountables, consoleApi, createConsolePages()], logger),
        config.HOST,
        config.PORT,
      );
      stopRetention = startRetention(store, config.RETENTION_DAYS, logger, clock);
      stopLongWait = startLongWaitNotices({
        store,
        engine,
        maxWaitMinutes: config.HANDOFF_MAX_WAIT_MINUTES,
        logger,
        clock,
      });
      const sink = async (m: Parameters<Engine['receive']>[0]) => {
        const began = Date.now();
        try {
          const r = await engine.receive(m);
          metrics.turn(m.channel, r.status, Date.now() - began);
        } catch (error) {
          metrics.turn(m.channel, 'error', Date.now() - began);
          throw error;
        }
      };
      for (const adapter of adapters.values()) {
        if (adapter.singleInstance) {
          // Long polling and the WhatsApp client run on one instance only: a database lock decides.
          const single = runSingleInstance(store, adapter, sink, logger, undefined, (state) =>
            channelStatus.set(adapter.channel, state),
          );
          stopSingles.push(single.stop);
          await single.ready;
          continue;
        }
        // One channel failing to start (e.g. WhatsApp unreachable) must not take the others down.
        await adapter.start(sink).then(
          () => channelStatus.set(adapter.channel, 'running'),
          (err: unknown) => {
            channelStatus.set(adapter.channel, 'failed');
            logger.error({ err, channel: adapter.channel }, 'channel failed to start');
          },
        );
      }
      await dispatcher?.start();
      broadcasting.sender.start();
    },
    async stop() {
      for (const channel of adapters.keys()) channelStatus.set(channel, 'stopped');
      stopRetention?.();
      stopLongWait?.();
      await broadcasting.sender.stop();
      for (const stopSingle of stopSingles) await stopSingle();
      for (const adapter of adapters.values()) {
        if (adapter.singleInstance) continue;
        await adapter
          .stop()
          .catch((err: unknown) => logger.warn({ err, channel: adapter.channel }, 'channel stop failed'));
      }
      await engine.idle();
      await dispatcher?.stop();
      await app.http?.close();
      await notifier.close();
      await store.close();
    },
  };
  return app;
}
