/**
 * A campaign through the real app to 2,000 subscribers on the fake Telegram Bot API: each gets
 * exactly one message, in their language, silent, with the link button and the stop line; people
 * who never opted in or who stopped get nothing; the overall rate stays under the limit in every
 * sliding second; and a person who writes meanwhile is answered as fast as on a quiet day.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LANGS, type Lang } from '../../src/core/types.js';
import type { FakeUser } from '../helpers/fake-telegram-api.js';
import {
  broadcastCalls,
  type CampaignBed,
  campaignBody,
  expectedText,
  i18n,
  startCampaignBed,
  subscribe,
  toMenu,
} from './bed.js';
import { maxInWindow, seedPeople } from './seed.js';

/** Raised for the test (Telegram's own is about 25–30): 2,000 messages in about 20 s. */
const RATE = 100;
const SUBSCRIBERS = 2000;

let bed: CampaignBed;
const subscribers: Array<{ id: number; lang: Lang }> = [];
const neverOptedIn: number[] = [];
let viaFlow: FakeUser;
const stopped: FakeUser[] = [];
let talker: FakeUser;
let quietLatencyMs = 0;
let busyLatencyMs = 0;
let sentWhenAnswered = 0;
let report: { status: string; counts: Record<string, number>; total: number; remaining: number };

/** Time from the person's press to the bot's reply at the fake. */
async function replyLatency(user: FakeUser, data: string): Promise<number> {
  const before = bed.fake.messagesTo(user.id).length;
  const start = Date.now();
  bed.fake.pressButton(user, data);
  await bed.fake.waitFor(() => bed.fake.messagesTo(user.id).length > before, 20_000, 'a reply');
  const call = bed.fake
    .callsTo('sendMessage')
    .find((c) => c.payload.chat_id === user.id && c.at >= start && !c.fault);
  return (call?.at ?? Date.now()) - start;
}

beforeAll(async () => {
  bed = await startCampaignBed({ BROADCAST_RATE_PER_SECOND: String(RATE) });
  const people = Array.from({ length: SUBSCRIBERS }, (_, i) => ({
    userId: String(8_000_000_000 + i),
    lang: LANGS[i % 3] as Lang,
  }));
  for (const p of people) subscribers.push({ id: Number(p.userId), lang: p.lang as Lang });
  const others = Array.from({ length: 50 }, (_, i) => ({
    userId: String(8_100_000_000 + i),
    lang: LANGS[i % 3] as Lang,
    subscribed: false,
  }));
  for (const p of others) neverOptedIn.push(Number(p.userId));
  await seedPeople(bed.app.app.store, bed.cipher, [...people, ...others]);

  // Real people through the bot: one subscribes in Kazakh; three subscribe and stop again, with
  // each stop word; one only talks.
  viaFlow = bed.fake.newUser('kk');
  await toMenu(bed.fake, viaFlow, 'kk');
  await subscribe(bed.fake, viaFlow, 'kk');
  const stops: Array<[Lang, string | null]> = [
    ['ru', 'стоп'],
    ['kk', 'тоқта'],
    ['en', null],
  ];
  for (const [lang, word] of stops) {
    const user = bed.fake.newUser(lang);
    await toMenu(bed.fake, user, lang);
    await subscribe(bed.fake, user, lang);
    const id = word === null ? bed.fake.sendCommand(user, 'stop') : bed.fake.sendText(user, word);
    await bed.fake.waitHandled(id);
    const done = i18n.t(lang, 'common:stopped');
    await bed.fake.waitFor(
      () => bed.fake.messagesTo(user.id).some((m) => m.text === done),
      20_000,
      'stopped',
    );
    stopped.push(user);
  }
  talker = bed.fake.newUser('en');
  await toMenu(bed.fake, talker, 'en');

  // a quiet day: the same press three times, the slowest counts
  for (let i = 0; i < 3; i++) {
    quietLatencyMs = Math.max(quietLatencyMs, await replyLatency(talker, 'c:legal'));
    await replyLatency(talker, 'c:menu');
  }

  const { campaign } = await bed.json<{ campaign: { id: number } }>('POST', '', campaignBody());
  const { recipients } = await bed.json<{ recipients: number }>('GET', `/${campaign.id}/audience`);
  expect(recipients).toBe(SUBSCRIBERS + 1);
  await bed.json('POST', `/${campaign.id}/confirm`, { recipients });

  // the campaign is under way: the person writes
  await bed.fake.waitFor(() => broadcastCalls(bed.fake).length >= 200, 30_000, 'the campaign to start');
  busyLatencyMs = await replyLatency(talker, 'c:legal');
  sentWhenAnswered = broadcastCalls(bed.fake).length;

  await bed.fake.waitFor(
    async () => {
      const p = await bed.json<typeof report>('GET', `/${campaign.id}/progress`);
      if (p.status === 'done') report = p;
      return p.status === 'done';
    },
    60_000,
    'the campaign to finish',
  );
}, 120_000);

afterAll(() => bed?.stop());

describe('a campaign to 2,000 subscribers', () => {
  it('should give every subscriber exactly one message, in their language', () => {
    for (const s of subscribers) {
      const got = bed.fake.messagesTo(s.id);
      expect(got.map((m) => m.text)).toEqual([expectedText(s.lang)]);
    }
    const kk = bed.fake.messagesTo(viaFlow.id).filter((m) => m.text === expectedText('kk'));
    expect(kk).toHaveLength(1);
    expect(report.counts).toMatchObject({ sent: SUBSCRIBERS + 1, failed: 0, unknown: 0, pending: 0 });
    expect(report.remaining).toBe(0);
  });

  it('should send silently, without a link preview, with the https button and the stop line last', () => {
    const call = broadcastCalls(bed.fake)[0];
    expect(call?.payload).toMatchObject({
      disable_notification: true,
      link_preview_options: { is_disabled: true },
      reply_markup: { inline_keyboard: [[{ url: 'https://example.org/news' }]] },
    });
    for (const lang of LANGS)
      expect(expectedText(lang).endsWith(i18n.t(lang, 'broadcast:stop_line'))).toBe(true);
  });

  it('should send nothing to people who never opted in or who stopped', () => {
    for (const id of neverOptedIn) expect(bed.fake.messagesTo(id)).toEqual([]);
    const campaignTexts = new Set(LANGS.map(expectedText));
    for (const user of [...stopped, talker])
      expect(bed.fake.messagesTo(user.id).filter((m) => campaignTexts.has(m.text))).toEqual([]);
  });

  it('should never exceed the configured rate in any sliding second', () => {
    const times = broadcastCalls(bed.fake).map((c) => c.at);
    expect(times.length).toBe(SUBSCRIBERS + 1);
    const peak = maxInWindow(times, 1000);
    expect(peak).toBeLessThanOrEqual(RATE);
    // and it does use the limit (at least three quarters of it at the peak)
    expect(peak).toBeGreaterThan(RATE * 0.75);
  });

  it('should answer a person who writes during the campaign as fast as on a quiet day', () => {
    // deterministic: the reply went out while the campaign was far from half done
    expect(sentWhenAnswered).toBeLessThan(SUBSCRIBERS / 2);
    // and about as fast: a reply stuck behind the campaign would wait for seconds
    expect(busyLatencyMs).toBeLessThan(quietLatencyMs + 500);
    console.info(`reply latency: quiet ${quietLatencyMs} ms, during the campaign ${busyLatencyMs} ms`);
  });
});
