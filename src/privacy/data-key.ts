/**
 * Where the encryption key comes from: DATA_KEY, or in development a key generated once into a
 * 0600 file beside the database (so `npm start` works with no setup, and says so loudly).
 */

import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

export interface DataKeyResult {
  key: Buffer;
  /** Set when a development key file was created or used. */
  keyFile?: string;
  created: boolean;
}

export function resolveDataKey(dataKey: string | undefined, databasePath: string): DataKeyResult {
  if (dataKey) return { key: Buffer.from(dataKey, 'base64'), created: false };
  const dir = databasePath === ':memory:' ? '.' : dirname(databasePath);
  const keyFile = join(dir, 'tirek.key');
  if (existsSync(keyFile)) {
    const key = Buffer.from(readFileSync(keyFile, 'utf8').trim(), 'base64');
    if (key.length !== 32) throw new Error(`${keyFile} does not hold a 32-byte base64 key`);
    return { key, keyFile, created: false };
  }
  mkdirSync(dir, { recursive: true });
  const key = randomBytes(32);
  writeFileSync(keyFile, `${key.toString('base64')}\n`, { mode: 0o600, flag: 'wx' });
  chmodSync(keyFile, 0o600);
  return { key, keyFile, created: true };
}
