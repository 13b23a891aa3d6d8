/**
 * The channels, chosen from a plain map keyed by channel name. A factory returns undefined when
 * its channel is not configured. Add a messenger by adding an adapter folder and one line here.
 * Messenger adapters are imported only when configured: grammY or whatsapp-web.js would add
 * ~100-500 ms of module loading to every start that does not use them (test/start-lazy.test.ts).
 */
import type { Config } from '../config.js';
import type { LiveOutbox } from '../core/live-outbox.js';
import type { Channel, ChannelAdapter } from '../core/types.js';
import type { Translator } from '../i18n/translator.js';
import type { Logger } from '../logger.js';
import { createWebchatAdapter } from './webchat/index.js';

export interface ChannelDeps {
  config: Config;
  logger: Logger;
  translator: Translator;
  /** Live delivery to streams held by this instance (needed by the web chat). */
  live?: LiveOutbox;
  /** Records that a web-chat person's page holds its stream now (the console shows "connected"). */
  presence?: (userId: string) => Promise<void>;
}

export type ChannelFactory = (deps: ChannelDeps) => Promise<ChannelAdapter | undefined>;

export const channelFactories: Partial<Record<Channel, ChannelFactory>> = {
  telegram: async (deps) =>
    deps.config.TELEGRAM_BOT_TOKEN
      ? (await import('./telegram/index.js')).createTelegramAdapter(deps)
      : undefined,
  webchat: async (deps) => createWebchatAdapter(deps),
  whatsapp: async (deps) =>
    deps.config.WHATSAPP_ENABLED
      ? (await import('./whatsapp/index.js')).createWhatsappAdapter(deps)
      : undefined,
};
