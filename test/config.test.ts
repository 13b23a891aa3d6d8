import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { EXAMPLE_DATA_KEY, loadConfig } from '../src/config.js';
import { ConfigError } from '../src/core/errors.js';

const message = (env: Record<string, string>) => {
  try {
    loadConfig(env);
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    return (e as Error).message;
  }
  throw new Error('expected a ConfigError');
};

describe('config', () => {
  it('should apply the defaults from DESIGN.md', () => {
    const c = loadConfig({});
    expect(c.DATABASE_PATH).toBe('./data/tirek.db');
    expect(c.PORT).toBe(3000);
    expect(c.HOST).toBe('127.0.0.1');
    expect(c.TELEGRAM_API_ROOT).toBe('https://api.telegram.org');
    expect(c.TELEGRAM_BOT_TOKEN).toBeUndefined();
    expect(c.WHATSAPP_ENABLED).toBe(false);
    expect(c.WHATSAPP_SESSION_DIR).toBe('./data/whatsapp');
    expect(c.CHROMIUM_PATH).toBe('/usr/bin/chromium');
    expect(c.RETENTION_DAYS).toBe(30);
    expect(c.DUTY_HOURS).toEqual({ from: '09:00', to: '18:00' });
  });

  it('should say in one line that PORT=abc is not a port', () => {
    expect(message({ PORT: 'abc' })).toMatch(/^ {2}PORT: must be a port number$/m);
  });

  it('should reject a DATA_KEY that is not 32 bytes of base64', () => {
    expect(message({ DATA_KEY: 'short' })).toMatch(/DATA_KEY: must be 32 random bytes in base64/);
    expect(message({ DATA_KEY: randomBytes(16).toString('base64') })).toMatch(/DATA_KEY/);
    expect(loadConfig({ DATA_KEY: randomBytes(32).toString('base64') }).DATA_KEY).toBeDefined();
  });

  it('should require DATA_KEY in production', () => {
    expect(message({ NODE_ENV: 'production' })).toMatch(/DATA_KEY: is required when NODE_ENV=production/);
  });

  it('should list every bad value at once', () => {
    const m = message({
      PORT: '99999',
      RETENTION_DAYS: 'soon',
      WHATSAPP_ENABLED: 'maybe',
      DUTY_HOURS: '9-18',
    });
    expect(m).toMatch(/PORT/);
    expect(m).toMatch(/RETENTION_DAYS/);
    expect(m).toMatch(/WHATSAPP_ENABLED/);
    expect(m).toMatch(/DUTY_HOURS: must look like 09:00-18:00/);
  });

  it('should require a webhook secret with a webhook URL, and check the token shape', () => {
    expect(message({ TELEGRAM_WEBHOOK_URL: 'https://example.org/telegram/webhook' })).toMatch(
      /TELEGRAM_WEBHOOK_SECRET: is required/,
    );
    expect(message({ TELEGRAM_BOT_TOKEN: 'not-a-token' })).toMatch(/TELEGRAM_BOT_TOKEN/);
    expect(message({ TIMEZONE: 'Mars/Olympus' })).toMatch(/TIMEZONE/);
  });
});

describe('duty hours all day', () => {
  it('should accept always and 00:00-24:00 as on duty all day, and refuse 24:00 as a start', () => {
    expect(loadConfig({ DUTY_HOURS: 'always' }).DUTY_HOURS).toEqual({ from: '00:00', to: '24:00' });
    expect(loadConfig({ DUTY_HOURS: '00:00-24:00' }).DUTY_HOURS).toEqual({ from: '00:00', to: '24:00' });
    expect(() => loadConfig({ DUTY_HOURS: '24:00-08:00' })).toThrow(/DUTY_HOURS/);
  });
});

describe('keys in production', () => {
  const prod = (DATA_KEY: string) => ({ NODE_ENV: 'production', DATA_KEY });
  it('should refuse the example key, a made-up key and a key shorter than 32 bytes', () => {
    expect(message(prod(EXAMPLE_DATA_KEY))).toMatch(/DATA_KEY: is an example or made-up value/);
    expect(message(prod(Buffer.alloc(32).toString('base64')))).toMatch(/DATA_KEY: is an example/);
    expect(message(prod(Buffer.alloc(32, 'ab').toString('base64')))).toMatch(/DATA_KEY: is an example/);
    expect(message(prod(randomBytes(24).toString('base64')))).toMatch(/DATA_KEY: must be 32 random bytes/);
    expect(loadConfig(prod(randomBytes(32).toString('base64'))).NODE_ENV).toBe('production');
    expect(message({ ...prod(randomBytes(32).toString('base64')), PSEUDONYM_KEY: EXAMPLE_DATA_KEY })).toMatch(
      /PSEUDONYM_KEY: is an example/,
    );
  });

  it('should refuse an old key equal to the new one', () => {
    const k = randomBytes(32).toString('base64');
    expect(message({ DATA_KEY: k, DATA_KEY_OLD: k })).toMatch(/DATA_KEY_OLD: is the same as DATA_KEY/);
  });
});

describe('DATA_KEY_FILE', () => {
  it('should read the key from a file (systemd credentials), DATA_KEY winning, and name an unreadable file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'tirek-keyfile-'));
    const key = randomBytes(32).toString('base64');
    writeFileSync(join(dir, 'data-key'), `${key}\n`);
    expect(loadConfig({ DATA_KEY_FILE: join(dir, 'data-key') }).DATA_KEY).toBe(key);
    const other = randomBytes(32).toString('base64');
    expect(loadConfig({ DATA_KEY_FILE: join(dir, 'data-key'), DATA_KEY: other }).DATA_KEY).toBe(other);
    expect(message({ DATA_KEY_FILE: join(dir, 'missing') })).toMatch(/DATA_KEY_FILE: cannot read .*ENOENT/);
    rmSync(dir, { recursive: true });
  });
});

describe('PSEUDONYM_KEY_FILE and DATA_KEY_OLD_FILE', () => {
  it('should read the pseudonym key and the old key from files too', () => {
    const dir = mkdtempSync(join(tmpdir(), 'tirek-keyfile-'));
    const [a, b] = [randomBytes(32).toString('base64'), randomBytes(32).toString('base64')];
    writeFileSync(join(dir, 'p'), a);
    writeFileSync(join(dir, 'o'), b);
    const c = loadConfig({ PSEUDONYM_KEY_FILE: join(dir, 'p'), DATA_KEY_OLD_FILE: join(dir, 'o') });
    expect([c.PSEUDONYM_KEY, c.DATA_KEY_OLD]).toEqual([a, b]);
    rmSync(dir, { recursive: true });
  });
});
