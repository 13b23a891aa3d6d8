/**
 * The only name a counsellor sees for a person: "Person K7F2", derived from the pseudonym (itself a
 * keyed hash), so it is stable across cases and says nothing about the person.
 */
import { createHash } from 'node:crypto';

/** Crockford's base32: no I, L, O, U (nothing to misread aloud). */
const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

export function aliasCode(contactId: string): string {
  const digest = createHash('sha256').update(`alias:${contactId}`).digest();
  let code = '';
  for (let i = 0; i < 4; i++) code += ALPHABET[(digest[i] as number) % 32];
  return code;
}

export function aliasOf(contactId: string): string {
  return `Person ${aliasCode(contactId)}`;
}
