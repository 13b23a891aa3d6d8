/**
 * /healthz, /readyz and /metrics on the real app with the fake Bot API: the figures move as a
 * person talks (turns, reply latency, queue, backlog, failures), no id or text ever appears in
 * them, /readyz answers 503 when the database does not, and /metrics is for this machine only
 * (or a bearer token).
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { Lang } from '../../src/core/types.js';
import { createTranslator } from '../../src/i18n/translator.js';
import {
  startTelegramTestBed,
  stopTelegramTestBed,
  TelegramPerson,
  type TelegramTestBed,
} from '../helpers/telegram-harness.js';

const i18n = createTranslator();
const t = (lang: Lang, key: string) => i18n.t(lang, key, { retentionDays: 30 });
let bed: TelegramTestBed | undefined;
afterEach(async () => {
  await stopTelegramTestBed(bed);
  bed = undefined;
});

const scrape = async (b: TelegramTestBed, headers: Record<string, string> = {}) => {
  const r = await fetch(`${b.app.baseUrl}/metrics`, { headers });
  return { status: r.status, text: await r.text() };
};
/** The value of one series, e.g. value(text, 'tirek_turns_total', {channel: 'telegram'}). */
const value = (text: string, name: string, labels: Record<string, string> = {}): number => {
  let sum = 0;
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
    if (!Object.entries(labels).every(([k, v]) => line.includes(`${k}="${v}"`))) continue;
    sum += Number(line.split(' ').at(-1));
  }
  return sum;
};

describe('health and metrics', () => {
  it('should count turns, reply latency, the queue and failures, with no id or text in them', async () => {
    bed = await startTelegramTestBed();
    const marker = 'MARKER-7731-private-words';
    const p = new TelegramPerson(bed, bed.fake.newUser('en'));
    const before = (await scrape(bed)).text;
    expect(value(before, 'tirek_turns_total')).toBe(0);
    expect(value(before, 'tirek_channel_connected', { channel: 'telegram' })).toBe(1);

    await p.command('start');
    await p.choose(t('en', 'language:choices.en'));
    await p.choose(t('en', 'intake:safety.yes'));
    await p.choose(t('en', 'intake:who.me'));
    await p.sendText(marker);
    await p.choose(t('en', 'menu:main.counsellor'));
    await p.replies();

    const after = await scrape(bed);
    expect(after.status).toBe(200);
    expect(value(after.text, 'tirek_turns_total', { channel: 'telegram', status: 'handled' })).toBe(6);
    expect(value(after.text, 'tirek_reply_latency_seconds_count', { channel: 'telegram' })).toBeGreaterThan(
      5,
    );
    expect(value(after.text, 'tirek_turn_duration_seconds_count', { channel: 'telegram' })).toBe(6);
    expect(value(after.text, 'tirek_handoff_queue_length', { risk: 'standard' })).toBe(1);
    expect(value(after.text, 'tirek_handoff_queue_length', { risk: 'high' })).toBe(0);
    expect(value(after.text, 'tirek_outbox_backlog', { lane: 'live' })).toBe(0);

    // a person who blocked the bot: one failure, reason "blocked"
    const q = new TelegramPerson(bed, bed.fake.newUser('en'));
    bed.fake.block(q.chatId);
    await bed.fake.sendCommand(q.user, 'start');
    let blocked = 0;
    for (let i = 0; i < 100 && blocked === 0; i++) {
      blocked = value((await scrape(bed)).text, 'tirek_deliveries_failed_total', { reason: 'blocked' });
      if (blocked === 0) await new Promise((r) => setTimeout(r, 50));
    }
    expect(blocked).toBe(1);

    // Telegram answers 502 three times: the reply waits in the backlog, ageing, and one retry of
    // the outbox is counted (the adapter absorbs the first two itself), then it is delivered
    bed.fake.failNext('sendMessage', { status: 502 }, 3);
    await bed.fake.sendText(p.user, 'another message');
    let oldest = 0;
    for (let i = 0; i < 200 && oldest === 0; i++) {
      const m = (await scrape(bed)).text;
      if (value(m, 'tirek_outbox_backlog') > 0) oldest = value(m, 'tirek_outbox_oldest_pending_seconds');
      if (oldest === 0) await new Promise((r) => setTimeout(r, 50));
    }
    expect(oldest).toBeGreaterThan(0);
    let retries = 0;
    for (let i = 0; i < 300 && retries === 0; i++) {
      retries = value((await scrape(bed)).text, 'tirek_delivery_retries_total', { channel: 'telegram' });
      if (retries === 0) await new Promise((r) => setTimeout(r, 100));
    }
    expect(retries).toBe(1);
    await p.replies();
    expect(value((await scrape(bed)).text, 'tirek_outbox_backlog')).toBe(0);

    const all = (await scrape(bed)).text;
    for (const secret of [marker, String(p.chatId), String(q.chatId), 'another message'])
      expect(all).not.toContain(secret);
    // every label is one of a known, fixed set
    const labels = new Set([...all.matchAll(/(\w+)="([^"]*)"/g)].map((m) => `${m[1]}=${m[2]}`));
    for (const l of labels)
      expect(l).toMatch(
        /^(channel=(telegram|webchat|whatsapp)|status=\w+|lane=(live|bulk)|risk=(immediate|high|standard)|reason=(blocked|expired|permanent|unreadable)|state=\w+|le=[\d.+Inf]+)$/,
      );
  }, 90_000);

  it('should answer /readyz 200 with the database and each channel, and 503 when the database is down', async () => {
    bed = await startTelegramTestBed();
    expect((await fetch(`${bed.app.baseUrl}/healthz`)).status).toBe(200);
    const ok = await fetch(`${bed.app.baseUrl}/readyz`);
    expect(ok.status).toBe(200);
    expect(await ok.json()).toMatchObject({
      ready: true,
      database: 'ok',
      channels: expect.arrayContaining([
        { channel: 'telegram', state: 'running', connected: true },
        { channel: 'webchat', state: 'running', connected: true },
      ]),
    });
    bed.app.app.store.ping = async () => {
      throw new Error('SQLITE_IOERR');
    };
    const down = await fetch(`${bed.app.baseUrl}/readyz`);
    expect(down.status).toBe(503);
    expect(await down.json()).toMatchObject({ ready: false, database: 'down' });
  });

  it('should serve /metrics to this machine only, or with the bearer token when METRICS_TOKEN is set', async () => {
    bed = await startTelegramTestBed();
    expect((await scrape(bed)).status).toBe(200);
    // came through a reverse proxy: not this machine
    expect((await scrape(bed, { 'X-Forwarded-For': '203.0.113.7' })).status).toBe(404);
    await stopTelegramTestBed(bed);
    const token = 'metrics-token-0123456789abcdef';
    bed = await startTelegramTestBed({ METRICS_TOKEN: token });
    expect((await scrape(bed)).status).toBe(404);
    expect((await scrape(bed, { Authorization: 'Bearer wrong-token-0123456789abc' })).status).toBe(404);
    const ok = await scrape(bed, { Authorization: `Bearer ${token}`, 'X-Forwarded-For': '203.0.113.7' });
    expect(ok.status).toBe(200);
    expect(ok.text).toContain('tirek_turns_total');
  });
});
