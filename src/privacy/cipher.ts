/**
 * Encryption at rest (AES-256-GCM) and pseudonymous ids (HMAC-SHA256).
 * Keys are expanded with HKDF into separate keys per purpose, so the pseudonym key never doubles
 * as the encryption key. The pseudonym secret defaults to DATA_KEY but may be kept apart
 * (PSEUDONYM_KEY): a new DATA_KEY then leaves every pseudonym, and so every person's link to their
 * conversation, as it was. While a key rotation runs, old keys still decrypt (GCM's tag tells
 * which key sealed a value); new values are always sealed with the current key.
 */
import {
  createCipheriv,
  createDecipheriv,
  createHmac,
  createSecretKey,
  hkdfSync,
  randomBytes,
} from 'node:crypto';

const VERSION = 1;
const IV_BYTES = 12;
const TAG_BYTES = 16;

export interface Cipher {
  encrypt(plain: string): Buffer;
  decrypt(sealed: Buffer): string;
  /** Keyed hash: the same input always gives the same opaque id; without the key it cannot be reversed. */
  pseudonym(...parts: string[]): string;
}

/**
 * Random IVs drawn from a pool refilled 4 kB at a time: the same CSPRNG bytes as one
 * randomBytes(12) per value, without a system call per encryption (it was ~5% of a turn).
 */
const POOL_BYTES = 4096;
let pool = Buffer.alloc(0);
let poolAt = POOL_BYTES;
function freshIv(): Buffer {
  if (poolAt + IV_BYTES > pool.length) {
    pool = randomBytes(POOL_BYTES);
    poolAt = 0;
  }
  const iv = pool.subarray(poolAt, poolAt + IV_BYTES);
  poolAt += IV_BYTES;
  return iv;
}

function derive(master: Buffer, info: string): Buffer {
  return Buffer.from(hkdfSync('sha256', master, Buffer.alloc(0), info, 32));
}

export interface CipherOptions {
  /** Keys of a rotation in progress: tried, in order, when the current key cannot open a value. */
  oldKeys?: readonly Buffer[];
  /** The secret pseudonyms are keyed from (default: the master key). */
  pseudonymKey?: Buffer | undefined;
}

/** Opens a value sealed with one encryption key; throws if that key did not seal it. */
function open(encKey: Buffer, sealed: Buffer): string {
  if (sealed[0] !== VERSION) throw new Error('unknown ciphertext version');
  const iv = sealed.subarray(1, 1 + IV_BYTES);
  const tag = sealed.subarray(1 + IV_BYTES, 1 + IV_BYTES + TAG_BYTES);
  const decipher = createDecipheriv('aes-256-gcm', encKey, iv);
  decipher.setAuthTag(tag);
  return Buffer.concat([
    decipher.update(sealed.subarray(1 + IV_BYTES + TAG_BYTES)),
    decipher.final(),
  ]).toString('utf8');
}

export function createCipher(masterKey: Buffer, options: CipherOptions = {}): Cipher {
  for (const k of [
    masterKey,
    ...(options.oldKeys ?? []),
    ...(options.pseudonymKey ? [options.pseudonymKey] : []),
  ])
    if (k.length !== 32) throw new Error('DATA_KEY must be 32 bytes');
  const encKey = derive(masterKey, 'tirek/encryption/v1');
  const oldEncKeys = (options.oldKeys ?? []).map((k) => derive(k, 'tirek/encryption/v1'));
  // a KeyObject: each HMAC then skips importing the raw key (~40% of a pseudonym's cost)
  const macKey = createSecretKey(derive(options.pseudonymKey ?? masterKey, 'tirek/pseudonym/v1'));
  return {
    encrypt(plain) {
      const iv = freshIv();
      const cipher = createCipheriv('aes-256-gcm', encKey, iv);
      const body = cipher.update(plain, 'utf8');
      const last = cipher.final();
      // version · iv · tag · ciphertext, written once into one buffer
      const out = Buffer.allocUnsafe(1 + IV_BYTES + TAG_BYTES + body.length + last.length);
      out[0] = VERSION;
      iv.copy(out, 1);
      cipher.getAuthTag().copy(out, 1 + IV_BYTES);
      body.copy(out, 1 + IV_BYTES + TAG_BYTES);
      last.copy(out, 1 + IV_BYTES + TAG_BYTES + body.length);
      return out;
    },
    decrypt(sealed) {
      try {
        return open(encKey, sealed);
      } catch (error) {
        for (const old of oldEncKeys) {
          try {
            return open(old, sealed);
          } catch {
            // not this one either
          }
        }
        throw error;
      }
    },
    pseudonym(...parts) {
      const mac = createHmac('sha256', macKey);
      // length-prefix each part so ("ab","c") and ("a","bc") differ
      for (const p of parts) mac.update(`${p.length}:${p};`);
      return mac.digest('base64url');
    },
  };
}
