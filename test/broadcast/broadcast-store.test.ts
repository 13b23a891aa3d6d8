/**
 * The campaign store on SQLite and PostgreSQL: who is in the audience, one delivery row per
 * person, claims that never hand a row out twice (also to two senders at once), rows in flight at
 * a crash counted 'unknown' and never claimed again, and what stop, 403, erase and retention do.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { Store } from '../../src/core/ports.js';
import { type Cipher, createCipher } from '../../src/privacy/cipher.js';
import {
  type AudienceRules,
  type BroadcastStore,
  type CampaignInput,
  createBroadcastStore,
} from '../../src/store/broadcast-store.js';
import { openStore } from '../../src/store/index.js';
import type { SqlDb } from '../../src/store/sql.js';
import { BACKENDS } from '../helpers/backends.js';
import { seedPeople } from './seed.js';

const NOW = Date.UTC(2026, 10, 25, 6, 0); // 11:00 in Almaty
const rules = (over: Partial<AudienceRules> = {}): AudienceRules => ({
  channels: ['telegram'],
  defaultLang: 'ru',
  maxPerMonth: 4,
  now: NOW,
  ...over,
});
const input = (over: Partial<CampaignInput> = {}): CampaignInput => ({
  name: 'news',
  texts: { ru: 'Новости Tirek\nтекст', en: 'News from Tirek\ntext', kk: 'Tirek жаңалықтары\nмәтін' },
  link: null,
  filter: { langs: [], channels: [], sources: [] },
  sendAt: null,
  ...over,
});

interface Bed {
  store: Store;
  db: SqlDb;
  cipher: Cipher;
  b: BroadcastStore;
}
const open: Bed[] = [];
afterEach(async () => {
  for (const bed of open.splice(0)) await bed.store.close();
});

for (const backend of BACKENDS) {
  describe(`broadcast store (${backend.name})`, () => {
    async function bed(): Promise<Bed> {
      const { databaseUrl } = await backend.fresh();
      const cipher = createCipher(randomBytes(32));
      const opened = await openStore(
        {
          DATABASE_PATH: join(mkdtempSync(join(tmpdir(), 'tirek-bc-')), 'tirek.db'),
          DATABASE_URL: databaseUrl,
        },
        cipher,
        () => {},
      );
      const x = { ...opened, cipher, b: createBroadcastStore(opened.db, cipher) };
      open.push(x);
      return x;
    }

    it('should count only opted-in, reachable people on allowed channels, narrowed by the filter', async () => {
      const { store, cipher, b } = await bed();
      const ids = await seedPeople(store, cipher, [
        { userId: '1', lang: 'ru' },
        { userId: '2', lang: 'kk', source: 'sixteen' },
        { userId: '3', lang: 'en' },
        { userId: '4', lang: 'ru', subscribed: false },
        { userId: '5', lang: null },
        { userId: 'w6', lang: 'ru', channel: 'whatsapp' },
      ]);
      await store.setContactUnreachable(ids[2] as string, true); // blocked the bot (conversation outbox)
      expect(await store.getContact(ids[2] as string)).toMatchObject({
        subscribed: false,
        unreachable: true,
      });
      const none = { langs: [], channels: [], sources: [] };
      expect(await b.countAudience(none, rules())).toBe(3);
      expect(await b.countAudience(none, rules({ channels: ['telegram', 'whatsapp'] }))).toBe(4);
      // the person with no language counts as the consent's language ('ru' here)
      expect(await b.countAudience({ ...none, langs: ['ru'] }, rules())).toBe(2);
      expect(await b.countAudience({ ...none, langs: ['kk', 'en'] }, rules())).toBe(1);
      expect(await b.countAudience({ ...none, sources: ['sixteen'] }, rules())).toBe(1);
      // a channel the filter names but broadcasts may not use stays out
      expect(await b.countAudience({ ...none, channels: ['whatsapp'] }, rules())).toBe(0);
    });

    it('should write one delivery row per recipient, once, and hand each row out once', async () => {
      const { store, cipher, b } = await bed();
      await seedPeople(
        store,
        cipher,
        Array.from({ length: 30 }, (_, i) => ({ userId: String(100 + i), lang: 'ru' as const })),
      );
      const c = await b.createCampaign(input(), 1, NOW);
      expect(await b.confirm(c.id, rules())).toBe('running');
      expect(await b.confirm(c.id, rules())).toBeUndefined(); // a second confirm does nothing
      expect((await b.report(c.id))?.total).toBe(30);
      // two senders claim at the same moment: every row goes to exactly one of them
      const [x, y] = await Promise.all([b.claim(NOW, 20, ['telegram']), b.claim(NOW, 20, ['telegram'])]);
      const claimed = [...(x ?? []), ...(y ?? [])].map((r) => r.id);
      expect(claimed).toHaveLength(30);
      expect(new Set(claimed).size).toBe(30);
      expect(await b.claim(NOW, 20, ['telegram'])).toEqual([]);
      expect(x?.[0]?.address).toMatch(/^1\d\d$/); // the chat id, decrypted
    });

    it('should count rows in flight at a crash as unknown and never hand them out again', async () => {
      const { store, cipher, b } = await bed();
      await seedPeople(store, cipher, [
        { userId: '1', lang: 'ru' },
        { userId: '2', lang: 'ru' },
        { userId: '3', lang: 'ru' },
      ]);
      const c = await b.createCampaign(input(), 1, NOW);
      await b.confirm(c.id, rules());
      const rows = await b.claim(NOW, 2, ['telegram']);
      await b.finish(rows[0]?.id as number, 'sent', null, NOW + 10);
      // the sender dies with rows[1] in flight; its lease runs out
      expect(await b.expireClaims(NOW + 1000, NOW + 1000)).toBe(1);
      const rest = await b.claim(NOW + 1000, 10, ['telegram']);
      expect(rest).toHaveLength(1);
      expect(rest[0]?.id).not.toBe(rows[1]?.id);
      await b.finish(rest[0]?.id as number, 'sent', null, NOW + 1000);
      expect(await b.finishCampaigns(NOW + 2000)).toEqual([c.id]);
      const report = await b.report(c.id);
      expect(report?.counts).toMatchObject({ sent: 2, unknown: 1, pending: 0, sending: 0 });
      expect(report?.campaign.status).toBe('done');
    });

    it('should not hand out rows of a paused or cancelled campaign, and resume where it stopped', async () => {
      const { store, cipher, b } = await bed();
      await seedPeople(store, cipher, [
        { userId: '1', lang: 'ru' },
        { userId: '2', lang: 'ru' },
      ]);
      const c = await b.createCampaign(input(), 1, NOW);
      await b.confirm(c.id, rules());
      expect(await b.setStatus(c.id, 'pause', NOW)).toBe(true);
      expect(await b.claim(NOW, 10, ['telegram'])).toEqual([]);
      expect(await b.setStatus(c.id, 'pause', NOW)).toBe(false);
      expect(await b.setStatus(c.id, 'resume', NOW)).toBe(true);
      expect(await b.claim(NOW, 1, ['telegram'])).toHaveLength(1);
      expect(await b.setStatus(c.id, 'cancel', NOW)).toBe(true);
      expect(await b.claim(NOW, 10, ['telegram'])).toEqual([]);
      expect((await b.report(c.id))?.counts).toMatchObject({ skipped: 1, sending: 1 });
      expect(await b.setStatus(c.id, 'resume', NOW)).toBe(false);
    });

    it('should start a scheduled campaign only when its time has come', async () => {
      const { store, cipher, b } = await bed();
      await seedPeople(store, cipher, [{ userId: '1', lang: 'ru' }]);
      const c = await b.createCampaign(input({ sendAt: NOW + 60_000 }), 1, NOW);
      expect(await b.confirm(c.id, rules())).toBe('scheduled');
      expect(await b.startDue(rules())).toEqual([]);
      expect(await b.claim(NOW, 10, ['telegram'])).toEqual([]);
      expect(await b.startDue(rules({ now: NOW + 60_000 }))).toEqual([c.id]);
      expect(await b.claim(NOW + 60_000, 10, ['telegram'])).toHaveLength(1);
    });

    it('should skip people who stop before their turn, and unsubscribe on a block', async () => {
      const { store, cipher, b } = await bed();
      const ids = await seedPeople(store, cipher, [
        { userId: '1', lang: 'ru' },
        { userId: '2', lang: 'ru' },
        { userId: '3', lang: 'ru' },
      ]);
      const c = await b.createCampaign(input(), 1, NOW);
      await b.confirm(c.id, rules());
      await store.setContactSubscribed(ids[0] as string, false); // "стоп"
      const rows = await b.claim(NOW, 10, ['telegram']);
      expect(rows.map((r) => r.contactId).sort()).toEqual([ids[1], ids[2]].sort());
      const blocked = rows.find((r) => r.contactId === ids[1]);
      await b.blocked(blocked?.id as number, ids[1] as string, NOW);
      const contact = await store.getContact(ids[1] as string);
      expect(contact).toMatchObject({ subscribed: false, unreachable: true });
      expect(await b.countAudience({ langs: [], channels: [], sources: [] }, rules())).toBe(1);
      expect((await b.report(c.id))?.counts).toMatchObject({ skipped: 1, blocked: 1, sending: 1 });
    });

    it('should keep at most the promised number of campaign messages a month', async () => {
      const { store, cipher, b } = await bed();
      await seedPeople(store, cipher, [{ userId: '1', lang: 'ru' }]);
      for (let i = 0; i < 2; i++) {
        const c = await b.createCampaign(input(), 1, NOW);
        await b.confirm(c.id, rules({ maxPerMonth: 2 }));
        const [row] = await b.claim(NOW, 1, ['telegram']);
        await b.finish(row?.id as number, 'sent', null, NOW);
      }
      expect(await b.countAudience({ langs: [], channels: [], sources: [] }, rules({ maxPerMonth: 2 }))).toBe(
        0,
      );
      const later = NOW + 31 * 24 * 3_600_000;
      expect(
        await b.countAudience(
          { langs: [], channels: [], sources: [] },
          rules({ maxPerMonth: 2, now: later }),
        ),
      ).toBe(1);
    });

    it('should erase the subscription and deliveries with the person, and keep an idle subscriber', async () => {
      const { store, db, cipher, b } = await bed();
      const ids = await seedPeople(store, cipher, [
        { userId: '1', lang: 'ru' },
        { userId: '2', lang: 'ru' },
        { userId: '3', lang: 'ru', subscribed: false },
      ]);
      const c = await b.createCampaign(input(), 1, NOW);
      await b.confirm(c.id, rules());
      const count = async (table: string, id: string) =>
        Number(
          (await db.get<{ n: number }>(`SELECT count(*) AS n FROM ${table} WHERE contact_id = ?`, [id]))?.n,
        );
      await store.transaction((tx) => tx.eraseContact(ids[0] as string));
      expect(await count('broadcast_subscriptions', ids[0] as string)).toBe(0);
      expect(await count('broadcast_deliveries', ids[0] as string)).toBe(0);
      // retention a year later: the idle subscriber keeps only the consent, the other goes
      await store.purgeExpired(NOW + 365 * 24 * 3_600_000);
      expect(await store.getContact(ids[1] as string)).toMatchObject({ subscribed: true });
      expect(await count('broadcast_subscriptions', ids[1] as string)).toBe(1);
      expect(await store.getContact(ids[2] as string)).toBeUndefined();
    });

    it('should link an admin chat with a code used once, and refuse an expired one', async () => {
      const { store, cipher, b } = await bed();
      const [admin] = await seedPeople(store, cipher, [{ userId: '42', lang: 'en', subscribed: false }]);
      await b.createLinkCode(7, 'CODE123456', NOW + 600_000);
      expect(await b.consumeLinkCode('CODE123456', admin as string, NOW)).toBe(7);
      expect(await b.consumeLinkCode('CODE123456', admin as string, NOW)).toBeUndefined();
      expect(await b.adminChat(7)).toMatchObject({ channel: 'telegram', address: '42' });
      await b.createLinkCode(8, 'OLDCODE999', NOW - 1);
      expect(await b.consumeLinkCode('OLDCODE999', admin as string, NOW)).toBeUndefined();
      expect(await b.adminChat(8)).toBeUndefined();
    });
  });
}
