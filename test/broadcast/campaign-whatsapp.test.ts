/**
 * A campaign on WhatsApp (BROADCAST_WHATSAPP=true) through the real app and the WhatsApp adapter
 * on the fake whatsapp-web.js client: every opted-in WhatsApp person gets it exactly once, in
 * their language, with the link written out (WhatsApp has no buttons) and the stop line; a person
 * who never opted in gets nothing; and two campaign messages are never closer than the configured
 * gap (BROADCAST_WHATSAPP_INTERVAL_SECONDS). Without BROADCAST_WHATSAPP, WhatsApp people are not
 * in the audience at all.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { Lang } from '../../src/core/types.js';
import { createCipher } from '../../src/privacy/cipher.js';
import { createWhatsappHarness, type WhatsappHarness } from '../helpers/whatsapp-harness.js';
import { campaignBody, i18n, TEXTS, testGuard } from './bed.js';
import { seedPeople } from './seed.js';

const PEOPLE: Array<{ userId: string; lang: Lang }> = [
  { userId: '77010000001@c.us', lang: 'kk' },
  { userId: '77010000002@c.us', lang: 'ru' },
  { userId: '77010000003@c.us', lang: 'en' },
];
const NOT_OPTED_IN = '77010000009@c.us';

let harness: WhatsappHarness | undefined;
afterEach(async () => {
  await harness?.stop();
  harness = undefined;
});

async function start(env: Record<string, string>) {
  harness = createWhatsappHarness({ env: { BROADCAST_HOURS: '00:00-23:59', ...env }, adminGuard: testGuard });
  await harness.start();
  const { app } = harness;
  const cipher = createCipher(Buffer.from(app.env.DATA_KEY as string, 'base64'));
  await seedPeople(app.app.store, cipher, [
    ...PEOPLE.map((p) => ({ ...p, channel: 'whatsapp' as const })),
    { userId: NOT_OPTED_IN, lang: 'ru', channel: 'whatsapp', subscribed: false },
  ]);
  const api = async <T>(method: string, path: string, body?: unknown): Promise<T> => {
    const res = await fetch(`${app.baseUrl}/api/campaigns${path}`, {
      method,
      headers: { 'Content-Type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${await res.text()}`);
    return (await res.json()) as T;
  };
  return { harness, api };
}

describe('a campaign on WhatsApp', () => {
  it('should reach each opted-in WhatsApp person once, paced by the configured gap', async () => {
    const { harness: h, api } = await start({
      BROADCAST_WHATSAPP: 'true',
      BROADCAST_WHATSAPP_INTERVAL_SECONDS: '1',
    });
    const { campaign } = await api<{ campaign: { id: number } }>(
      'POST',
      '',
      campaignBody({ filter: { langs: [], channels: ['whatsapp'], sources: [] } }),
    );
    const { recipients } = await api<{ recipients: number }>('GET', `/${campaign.id}/audience`);
    expect(recipients).toBe(PEOPLE.length);
    await api('POST', `/${campaign.id}/confirm`, { recipients });
    const until = Date.now() + 30_000;
    for (;;) {
      const p = await api<{ status: string }>('GET', `/${campaign.id}/progress`);
      if (p.status === 'done') break;
      if (Date.now() > until) throw new Error(`campaign still ${p.status}`);
      await new Promise((r) => setTimeout(r, 200));
    }
    const sends = PEOPLE.map((p) => h.client.sentTo(p.userId));
    PEOPLE.forEach((p, i) => {
      const mine = sends[i] ?? [];
      expect(mine).toHaveLength(1);
      const text = mine[0]?.text ?? '';
      expect(text.startsWith(TEXTS[p.lang])).toBe(true);
      expect(text).toContain('https://example.org/news');
      expect(text.endsWith(i18n.t(p.lang, 'broadcast:stop_line'))).toBe(true);
    });
    expect(h.client.sentTo(NOT_OPTED_IN)).toEqual([]);
    const times = sends.map((s) => s[0]?.at ?? 0).sort((a, b) => a - b);
    for (let i = 1; i < times.length; i++)
      expect((times[i] as number) - (times[i - 1] as number)).toBeGreaterThanOrEqual(1000 - 20);
  });

  it('should leave WhatsApp people out of every campaign while BROADCAST_WHATSAPP is off', async () => {
    const { api } = await start({});
    const { campaign } = await api<{ campaign: { id: number } }>(
      'POST',
      '',
      campaignBody({ filter: { langs: [], channels: ['whatsapp'], sources: [] } }),
    );
    const { recipients } = await api<{ recipients: number }>('GET', `/${campaign.id}/audience`);
    expect(recipients).toBe(0);
  });
});
