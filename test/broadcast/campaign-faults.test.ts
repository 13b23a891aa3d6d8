/**
 * A campaign meets Telegram's failures: a 429 makes every send wait its retry_after (not only the
 * one chat's), 500s are retried, a 403 (bot blocked) unsubscribes the person; everyone else still
 * gets exactly one message. And sending hours: nothing goes out at night (test clock).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LANGS, type Lang } from '../../src/core/types.js';
import { broadcastCalls, type CampaignBed, campaignBody, expectedText, startCampaignBed } from './bed.js';
import { maxInWindow, seedPeople } from './seed.js';

const RATE = 100;
const PEOPLE = 300;
const CONCURRENCY = 4;

describe('a campaign through 429, 500 and 403', () => {
  let bed: CampaignBed;
  const people: Array<{ id: number; lang: Lang }> = [];
  const blocked: number[] = [];
  let progress: { counts: Record<string, number>; status: string };

  beforeAll(async () => {
    bed = await startCampaignBed({
      BROADCAST_RATE_PER_SECOND: String(RATE),
      BROADCAST_CONCURRENCY: String(CONCURRENCY),
    });
    const seeded = Array.from({ length: PEOPLE }, (_, i) => ({
      userId: String(8_200_000_000 + i),
      lang: LANGS[i % 3] as Lang,
    }));
    await seedPeople(bed.app.app.store, bed.cipher, seeded);
    for (const p of seeded) people.push({ id: Number(p.userId), lang: p.lang });
    for (let i = 0; i < 10; i++) {
      const id = people[i * 25 + 7]?.id as number;
      blocked.push(id);
      bed.fake.block(id);
    }
    bed.fake.failNext('sendMessage', { status: 429, retry_after: 1 }, 1, 60);
    bed.fake.failNext('sendMessage', { status: 500 }, 2);
    const { campaign } = await bed.json<{ campaign: { id: number } }>('POST', '', campaignBody());
    await bed.json('POST', `/${campaign.id}/confirm`, { recipients: PEOPLE });
    await bed.fake.waitFor(
      async () => {
        const p = await bed.json<typeof progress>('GET', `/${campaign.id}/progress`);
        if (p.status === 'done') progress = p;
        return p.status === 'done';
      },
      60_000,
      'the campaign to finish',
    );
  }, 90_000);
  afterAll(() => bed?.stop());

  it('should give everyone who did not block the bot exactly one message, in their language', () => {
    for (const p of people) {
      const texts = bed.fake.messagesTo(p.id).map((m) => m.text);
      expect(texts).toEqual(blocked.includes(p.id) ? [] : [expectedText(p.lang)]);
    }
    expect(progress.counts).toMatchObject({ sent: PEOPLE - 10, blocked: 10, failed: 0, unknown: 0 });
  });

  it('should make every send wait for the retry_after of a 429', () => {
    const calls = broadcastCalls(bed.fake);
    const limited = calls.find((c) => c.fault && 'status' in c.fault && c.fault.status === 429);
    expect(limited).toBeDefined();
    const at = limited?.at as number;
    // only sends already on their way when the 429 came back may arrive after it
    const during = calls.filter((c) => c.at > at && c.at < at + 1000);
    expect(during.length).toBeLessThan(CONCURRENCY);
    expect(calls.filter((c) => c.at >= at + 1000).length).toBeGreaterThan(100);
  });

  it('should retry after 500s and stay under the limit in every sliding second', () => {
    const calls = broadcastCalls(bed.fake);
    expect(calls.filter((c) => c.fault && 'status' in c.fault && c.fault.status === 500)).toHaveLength(2);
    expect(maxInWindow(calls.map((c) => c.at))).toBeLessThanOrEqual(RATE);
  });

  it('should unsubscribe the people who blocked the bot', async () => {
    const { recipients } = await bed.json<{ recipients: number }>('POST', '/preview', campaignBody());
    expect(recipients).toBe(PEOPLE - 10);
    for (const id of blocked) {
      const contact = await bed.app.app.store.getContact(bed.cipher.pseudonym('telegram', String(id)));
      expect(contact).toMatchObject({ subscribed: false, unreachable: true });
    }
  });
});

describe('sending hours', () => {
  // 21:00 in Almaty (UTC+5): outside 10:00–19:00
  let now = Date.UTC(2026, 10, 25, 16, 0);
  let bed: CampaignBed;
  beforeAll(async () => {
    bed = await startCampaignBed({ BROADCAST_HOURS: '10:00-19:00', TIMEZONE: 'Asia/Almaty' }, () => now);
  });
  afterAll(() => bed?.stop());

  it('should hold a campaign at night and send it when the hours begin', async () => {
    const ids = Array.from({ length: 5 }, (_, i) => 8_300_000_000 + i);
    await seedPeople(
      bed.app.app.store,
      bed.cipher,
      ids.map((id) => ({ userId: String(id), lang: 'en' as const })),
      now,
    );
    const { campaign } = await bed.json<{ campaign: { id: number } }>('POST', '', campaignBody());
    await bed.json('POST', `/${campaign.id}/confirm`, { recipients: 5 });
    await new Promise((r) => setTimeout(r, 2500)); // the sender looks every second
    expect(broadcastCalls(bed.fake)).toEqual([]);
    now = Date.UTC(2026, 10, 26, 4, 59); // 09:59 next morning: still closed
    await new Promise((r) => setTimeout(r, 1500));
    expect(broadcastCalls(bed.fake)).toEqual([]);
    now = Date.UTC(2026, 10, 26, 5, 0); // 10:00
    await bed.fake.waitFor(() => broadcastCalls(bed.fake).length === 5, 10_000, 'the morning sends');
    for (const id of ids) expect(bed.fake.messagesTo(id).map((m) => m.text)).toEqual([expectedText('en')]);
  });
});
