/**
 * Campaign broadcasts, wired: the store of campaigns and deliveries, the paced sender, the admin
 * chat link (`/start link-CODE`), the JSON API and the compose page (/console/campaigns).
 */
import { readFileSync } from 'node:fs';
import type { Hono, MiddlewareHandler } from 'hono';
import type { Config } from '../config.js';
import type { Store } from '../core/ports.js';
import { type Channel, type ChannelAdapter, LANGS } from '../core/types.js';
import type { Translator } from '../i18n/translator.js';
import type { Logger } from '../logger.js';
import type { Cipher } from '../privacy/cipher.js';
import { type BroadcastStore, createBroadcastStore } from '../store/broadcast-store.js';
import type { SqlDb } from '../store/sql.js';
import { createCampaignApi } from './api.js';
import { createSendingHours, type SendingHours } from './hours.js';
import { BroadcastSender, type ChannelPace } from './sender.js';

export type { ConsoleUser } from './api.js';
export { createCampaignApi } from './api.js';

export const CAMPAIGN_API_PATH = '/api/campaigns';
export const CAMPAIGN_PAGE_PATH = '/console/campaigns';

export interface BroadcastingDeps {
  config: Config;
  db: SqlDb;
  store: Store;
  cipher: Cipher;
  adapters: ReadonlyMap<Channel, ChannelAdapter>;
  translator: Translator;
  logger: Logger;
  clock?: () => number;
  /** Sender options tests tune (poll interval, backoff). */
  senderOptions?: Partial<ConstructorParameters<typeof BroadcastSender>[0]>;
}

export interface Broadcasting {
  broadcasts: BroadcastStore;
  sender: BroadcastSender;
  hours: SendingHours;
  /** Channels whose people may subscribe (the engine offers the subscribe flow only there). */
  channels: Channel[];
  /** The engine's hook for `/start link-CODE`. */
  onAdminLink(code: string, contactId: string): Promise<void>;
  /** Mounts the JSON API (behind the console's admin `guard`) and the compose page. */
  mount(app: Hono, guard: MiddlewareHandler): void;
}

/** Paces per channel from the configuration; WhatsApp only when BROADCAST_WHATSAPP is on. */
export function channelPaces(config: Config): Partial<Record<Channel, ChannelPace>> {
  const paces: Partial<Record<Channel, ChannelPace>> = {
    telegram: { ratePerSecond: config.BROADCAST_RATE_PER_SECOND, perChatMs: config.BROADCAST_PER_CHAT_MS },
  };
  if (config.BROADCAST_WHATSAPP) {
    const gap = config.BROADCAST_WHATSAPP_INTERVAL_SECONDS * 1000;
    // slow and irregular: one message every `gap` plus up to as much again at random
    paces.whatsapp = { ratePerSecond: 1000 / gap, perChatMs: gap, jitterMs: gap };
  }
  return paces;
}

export function createBroadcasting(deps: BroadcastingDeps): Broadcasting {
  const { config, logger } = deps;
  const clock = deps.clock ?? Date.now;
  const log = logger.child({ part: 'broadcast' });
  const broadcasts = createBroadcastStore(deps.db, deps.cipher);
  const hours = createSendingHours(config.BROADCAST_HOURS, config.TIMEZONE);
  const pace = channelPaces(config);
  const sender = new BroadcastSender({
    broadcasts,
    store: deps.store,
    adapters: deps.adapters,
    translator: deps.translator,
    hours,
    pace,
    defaultLang: config.BROADCAST_DEFAULT_LANG,
    maxPerMonth: config.BROADCAST_MAX_PER_MONTH,
    logger: log,
    clock,
    concurrency: config.BROADCAST_CONCURRENCY,
    claimLeaseMs: config.BROADCAST_CLAIM_LEASE_SECONDS * 1000,
    ...deps.senderOptions,
  });
  const page = {
    html: asset('campaigns.html'),
    js: asset('campaigns.js'),
    css: asset('campaigns.css'),
    texts: JSON.stringify(
      Object.fromEntries(
        LANGS.map((lang) => [
          lang,
          Object.fromEntries(PAGE_KEYS.map((k) => [k, deps.translator.t(lang, `broadcast:page.${k}`)])),
        ]),
      ),
    ),
  };

  return {
    broadcasts,
    sender,
    hours,
    channels: Object.keys(pace) as Channel[],
    async onAdminLink(code, contactId) {
      const admin = await broadcasts.consumeLinkCode(code, contactId, clock());
      log.info({ linked: admin !== undefined }, 'admin chat link code used');
    },
    mount(app, guard) {
      const api = createCampaignApi(
        {
          broadcasts,
          sender,
          translator: deps.translator,
          defaultLang: config.BROADCAST_DEFAULT_LANG,
          hours: { label: hours.label, timeZone: config.TIMEZONE },
          clock,
        },
        guard,
      );
      app.route(CAMPAIGN_API_PATH, api);
      // The page holds no data; everything it shows comes from the API behind the guard.
      const html = { 'Content-Type': 'text/html; charset=utf-8', 'Cache-Control': 'no-store' };
      app.get(CAMPAIGN_PAGE_PATH, (c) => c.body(page.html, 200, html));
      app.get(`${CAMPAIGN_PAGE_PATH}/campaigns.js`, (c) =>
        c.body(page.js, 200, { 'Content-Type': 'text/javascript; charset=utf-8' }),
      );
      app.get(`${CAMPAIGN_PAGE_PATH}/campaigns.css`, (c) =>
        c.body(page.css, 200, { 'Content-Type': 'text/css; charset=utf-8' }),
      );
      app.get(`${CAMPAIGN_PAGE_PATH}/texts.json`, (c) =>
        c.body(page.texts, 200, { 'Content-Type': 'application/json; charset=utf-8' }),
      );
    },
  };
}

const asset = (name: string) => readFileSync(new URL(`./public/${name}`, import.meta.url), 'utf8');

/** Texts of the page (locales/<lang>/broadcast.json, `page.*`). */
export const PAGE_KEYS = [
  'title',
  'new',
  'name',
  'texts',
  'text_hint',
  'link_label',
  'link_url',
  'filter',
  'langs',
  'channels',
  'sources',
  'send_at',
  'save',
  'preview',
  'lock_screen',
  'not_neutral',
  'recipients',
  'confirm',
  'confirm_question',
  'test',
  'link_chat',
  'link_hint',
  'test_sent',
  'pause',
  'resume',
  'cancel',
  'cancel_question',
  'progress',
  'rate',
  'report',
  'status',
  'hours',
  'error',
  'list',
  'none',
] as const;
