/** Opted-in (or not) people written straight into the store, as the subscribe flow leaves them. */
import type { Store } from '../../src/core/ports.js';
import type { Channel, Lang } from '../../src/core/types.js';
import type { Cipher } from '../../src/privacy/cipher.js';

export interface SeedPerson {
  /** Platform chat id (Telegram: a number as text). */
  userId: string;
  lang: Lang | null;
  channel?: Channel;
  source?: string;
  /** false: a person who never opted in. */
  subscribed?: boolean;
}

/** Writes the people; returns their contact ids (the engine's pseudonyms), in order. */
export async function seedPeople(
  store: Store,
  cipher: Pick<Cipher, 'pseudonym'>,
  people: SeedPerson[],
  now = Date.now(),
): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < people.length; i += 500) {
    await store.transaction(async (tx) => {
      for (const p of people.slice(i, i + 500)) {
        const channel = p.channel ?? 'telegram';
        const id = cipher.pseudonym(channel, p.userId);
        ids.push(id);
        await tx.upsertContact({ id, channel, address: p.userId, now });
        if (p.lang) await tx.setContactLang(id, p.lang);
        if (p.source) await tx.setContactSource(id, p.source);
        if (p.subscribed !== false)
          await tx.setContactSubscribed(id, true, { lang: p.lang ?? 'ru', channel, now });
      }
    });
  }
  return ids;
}

/** Largest number of timestamps inside any window of `windowMs` (sliding over every timestamp). */
export function maxInWindow(times: number[], windowMs = 1000): number {
  const t = [...times].sort((a, b) => a - b);
  let best = 0;
  let start = 0;
  for (let end = 0; end < t.length; end++) {
    while ((t[end] as number) - (t[start] as number) >= windowMs) start++;
    best = Math.max(best, end - start + 1);
  }
  return best;
}
