/**
 * Creates the real whatsapp-web.js client: the session is kept by LocalAuth under
 * WHATSAPP_SESSION_DIR (<dir>/session), the browser is Debian's chromium at CHROMIUM_PATH.
 * Only this file loads whatsapp-web.js (and with it puppeteer); the adapter and its tests
 * depend on the narrow `WhatsappClient` type.
 */
import wweb from 'whatsapp-web.js';
import type { Config } from '../../config.js';

// In ESM the named imports fail: whatsapp-web.js is CommonJS.
const { Client, LocalAuth } = wweb;

/** Chromium flags: quiet in a closed network, no GPU, small /dev/shm in containers. */
export const CHROMIUM_ARGS = [
  '--disable-gpu',
  '--disable-dev-shm-usage',
  '--disable-background-networking',
  '--disable-component-update',
  '--no-first-run',
];

/** Chromium refuses to run as root with its sandbox on; only then do we turn it off. */
export function chromiumArgs(isRoot = process.getuid?.() === 0): string[] {
  return isRoot ? ['--no-sandbox', ...CHROMIUM_ARGS] : [...CHROMIUM_ARGS];
}

/** The real client; it satisfies the adapter's narrow `WhatsappClient` (checked where index.ts assigns it). */
export type RealWhatsappClient = InstanceType<typeof Client>;

export function createWhatsappClient(
  config: Pick<Config, 'WHATSAPP_SESSION_DIR' | 'CHROMIUM_PATH'>,
): RealWhatsappClient {
  return new Client({
    // Do not also pass puppeteer.userDataDir: LocalAuth sets it to <dataPath>/session.
    authStrategy: new LocalAuth({ dataPath: config.WHATSAPP_SESSION_DIR }),
    puppeteer: {
      executablePath: config.CHROMIUM_PATH,
      headless: true,
      args: chromiumArgs(),
    },
  });
}
