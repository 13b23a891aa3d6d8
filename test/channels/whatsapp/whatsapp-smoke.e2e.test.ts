/**
 * Smoke test of our whatsapp-web.js configuration: the real Client starts Debian's chromium
 * (CHROMIUM_PATH) with our flags and a LocalAuth session directory. WhatsApp itself is not
 * reachable from the test machine, so initialize() is expected to fail after the browser is up:
 * this proves the configuration, not the login. CI installs chromium (apt-get install chromium).
 */
import { existsSync, mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  chromiumArgs,
  createWhatsappClient,
  type RealWhatsappClient,
} from '../../../src/channels/whatsapp/client.js';
import type { WhatsappAdapter } from '../../../src/channels/whatsapp/index.js';
import { removeDir, startTestApp, testEnv } from '../../helpers/test-app.js';

const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

describe('whatsapp-web.js with Debian chromium', () => {
  const sessionDir = mkdtempSync(join(tmpdir(), 'tirek-wa-'));
  let client: RealWhatsappClient | undefined;

  afterAll(async () => {
    await client?.destroy().catch(() => undefined);
    removeDir(sessionDir);
  });

  it('should launch chromium headless with a LocalAuth session directory', async () => {
    expect(
      existsSync(CHROMIUM_PATH),
      `chromium not found at ${CHROMIUM_PATH}: run apt-get install -y chromium (or set CHROMIUM_PATH)`,
    ).toBe(true);

    client = createWhatsappClient({ WHATSAPP_SESSION_DIR: sessionDir, CHROMIUM_PATH });
    // Without internet this rejects once web.whatsapp.com cannot load; with it, it would wait for a QR.
    const outcome = await Promise.race([
      client.initialize().then(
        () => 'initialized',
        (err: unknown) => `failed: ${err instanceof Error ? err.message : String(err)}`,
      ),
      new Promise<string>((resolve) => setTimeout(() => resolve('still running'), 60_000)),
    ]);
    expect(outcome).toBeTypeOf('string');

    const browser = client.pupBrowser;
    expect(browser, `the browser did not start (initialize: ${outcome})`).toBeTruthy();
    expect(await browser?.version()).toMatch(/Chrom(e|ium)\/\d+/);
    expect(browser?.process()?.spawnfile).toBe(CHROMIUM_PATH);
    const spawnargs = browser?.process()?.spawnargs ?? [];
    for (const flag of chromiumArgs()) expect(spawnargs).toContain(flag);
    expect(spawnargs.some((a) => a.startsWith('--headless'))).toBe(true);
    // LocalAuth keeps the browser profile (the login) under <WHATSAPP_SESSION_DIR>/session
    expect(readdirSync(sessionDir)).toContain('session');
    expect(spawnargs).toContain(`--user-data-dir=${join(sessionDir, 'session')}`);
  });
});

describe('the app with WHATSAPP_ENABLED=true and WhatsApp unreachable', () => {
  it('should keep serving the other channels and report WhatsApp as disconnected', async () => {
    const base = testEnv({ WHATSAPP_ENABLED: 'true', CHROMIUM_PATH });
    base.env.WHATSAPP_SESSION_DIR = join(base.dir, 'whatsapp');
    const started = Date.now();
    const test = await startTestApp({ env: base.env, dir: base.dir });
    try {
      // start() does not wait for WhatsApp: linking can take minutes
      expect(Date.now() - started).toBeLessThan(5_000);
      const adapter = test.app.adapters.get('whatsapp') as WhatsappAdapter | undefined;
      expect(adapter?.linkingState().status).toBe('starting');
      const page = await fetch(`${test.baseUrl}/chat`);
      expect(page.status).toBe(200);

      const until = Date.now() + 60_000;
      while (adapter?.linkingState().status === 'starting' && Date.now() < until)
        await new Promise((r) => setTimeout(r, 200));
      expect(adapter?.linkingState().status).toBe('disconnected');
      expect((await fetch(`${test.baseUrl}/chat`)).status).toBe(200);
    } finally {
      await test.stop();
      removeDir(base.dir);
    }
  });
});
