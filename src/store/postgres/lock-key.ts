/**
 * Advisory-lock key space: 64-bit keys from a hash of the name, so names never collide in
 * practice. Its own module, so SQL shared by both stores can name a lock without loading `pg`.
 */
import { createHash } from 'node:crypto';

export function lockKey(name: string): string {
  return createHash('sha256').update(`tirek:${name}`).digest().readBigInt64BE(0).toString();
}
