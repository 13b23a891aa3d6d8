/**
 * The campaign API behind the console's admin guard: compose validation (4xx, never 500), the
 * lock-screen preview and the neutral first line, the confirmation that states the number of
 * recipients, pause / resume / cancel, the admin's chat linked with `/start link-CODE` and a
 * silent test send to it, and the page served without inline scripts.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LANGS } from '../../src/core/types.js';
import { type CampaignBed, campaignBody, i18n, startCampaignBed, TEXTS } from './bed.js';
import { seedPeople } from './seed.js';

let bed: CampaignBed;
beforeAll(async () => {
  // a slow pace, so a campaign is still running while the test pauses it
  bed = await startCampaignBed({ BROADCAST_RATE_PER_SECOND: '2', BROADCAST_CONCURRENCY: '1' });
  await seedPeople(bed.app.app.store, bed.cipher, [
    ...Array.from({ length: 20 }, (_, i) => ({
      userId: String(8_400_000_000 + i),
      lang: LANGS[i % 3] ?? 'ru',
    })),
    { userId: '8400000100', lang: 'kk', source: 'sixteen' },
    { userId: '8400000101', lang: 'ru', subscribed: false },
  ]);
});
afterAll(() => bed?.stop());

const create = async (over: Record<string, unknown> = {}) =>
  (await bed.json<{ campaign: { id: number } }>('POST', '', campaignBody(over))).campaign.id;

describe('compose', () => {
  it.each([
    ['no text at all', { texts: {} }],
    ['an http link', { link: { label: { en: 'More' }, url: 'http://example.org' } }],
    ['a javascript link', { link: { label: { en: 'More' }, url: 'javascript:alert(1)' } }],
    ['an unknown language', { texts: { de: 'Hallo' } }],
    ['a text too long', { texts: { en: `News\n${'x'.repeat(3600)}` } }],
    ['an unknown field', { extra: true }],
    ['a bad source tag', { filter: { sources: ['no spaces allowed'] } }],
    ['an empty name', { name: ' ' }],
  ])('should refuse %s with 400', async (_what, over) => {
    const res = await bed.api('POST', '', campaignBody(over));
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: string }).error.length).toBeGreaterThan(3);
  });

  it('should refuse a body that is not JSON, and one over 16 kB', async () => {
    expect((await bed.api('POST', '', '{not json')).status).toBe(400);
    expect((await bed.api('POST', '', { name: 'x'.repeat(20_000) })).status).toBe(413);
  });

  it('should answer 404 for an unknown campaign and 403 to a counsellor, 401 without a session', async () => {
    expect((await bed.api('GET', '/999999')).status).toBe(404);
    expect((await bed.api('GET', '/abc')).status).toBe(404);
    expect((await bed.api('GET', '', undefined, { 'X-Test-Role': 'counsellor' })).status).toBe(403);
    expect((await bed.api('GET', '', undefined, { 'X-Test-Role': 'none' })).status).toBe(401);
  });

  it('should preview each language as a lock screen shows it and flag a telling first line', async () => {
    const { previews } = await bed.json<{
      previews: Array<{
        lang: string;
        lockScreen: string;
        full: string;
        neutral: boolean;
        flagged: string[];
      }>;
    }>('POST', '/preview', campaignBody({ texts: { ...TEXTS, ru: '16 дней против насилия\nподробности' } }));
    const ru = previews.find((p) => p.lang === 'ru');
    expect(ru?.neutral).toBe(false);
    expect(ru?.flagged).toEqual(expect.arrayContaining(['насил']));
    expect(ru?.lockScreen).toBe('Tirek: 16 дней против насилия');
    const en = previews.find((p) => p.lang === 'en');
    expect(en).toMatchObject({ neutral: true, lockScreen: 'Tirek: News from Tirek' });
    expect(en?.full).toContain(i18n.t('en', 'broadcast:stop_line'));
  });

  it('should refuse to confirm a campaign whose first line is not neutral', async () => {
    const id = await create({ texts: { en: 'Help for victims of abuse\nmore' } });
    const res = await bed.api('POST', `/${id}/confirm`, { recipients: 21 });
    expect(res.status).toBe(422);
    expect(((await res.json()) as { reason: string }).reason).toBe('not_neutral');
  });
});

describe('confirm, pause, resume, cancel', () => {
  it('should count the recipients of the filter and confirm only the number shown', async () => {
    const all = await create();
    expect((await bed.json<{ recipients: number }>('GET', `/${all}/audience`)).recipients).toBe(21);
    const kk = await create({ filter: { langs: ['kk'] } });
    expect((await bed.json<{ recipients: number }>('GET', `/${kk}/audience`)).recipients).toBe(8);
    const tagged = await create({ filter: { sources: ['sixteen'] } });
    expect((await bed.json<{ recipients: number }>('GET', `/${tagged}/audience`)).recipients).toBe(1);

    expect((await bed.api('POST', `/${tagged}/confirm`, {})).status).toBe(400);
    const wrong = await bed.api('POST', `/${tagged}/confirm`, { recipients: 5 });
    expect(wrong.status).toBe(409);
    expect(await wrong.json()).toMatchObject({ reason: 'recipients_changed', recipients: 1 });
    for (const id of [all, kk]) await bed.json('POST', `/${id}/cancel`);
  });

  it('should pause, resume and cancel a running campaign, and refuse what its state does not allow', async () => {
    const id = await create();
    expect((await bed.api('POST', `/${id}/resume`)).status).toBe(409); // a draft is not paused
    await bed.json('POST', `/${id}/confirm`, { recipients: 21 });
    expect((await bed.api('POST', `/${id}/confirm`, { recipients: 21 })).status).toBe(409);
    expect((await bed.api('PUT', `/${id}`, campaignBody())).status).toBe(409); // no edits once sent
    await bed.fake.waitFor(() => bed.fake.callsTo('sendMessage').length > 0, 10_000, 'a first send');
    const paused = await bed.json<{ campaign: { status: string } }>('POST', `/${id}/pause`);
    expect(paused.campaign.status).toBe('paused');
    await new Promise((r) => setTimeout(r, 1000)); // a send already claimed may still land
    const sentWhilePaused = bed.fake.callsTo('sendMessage').length;
    await new Promise((r) => setTimeout(r, 1500));
    expect(bed.fake.callsTo('sendMessage').length).toBe(sentWhilePaused);
    await bed.json('POST', `/${id}/resume`);
    await bed.fake.waitFor(
      () => bed.fake.callsTo('sendMessage').length > sentWhilePaused,
      10_000,
      'sending again',
    );
    const cancelled = await bed.json<{ campaign: { status: string } }>('POST', `/${id}/cancel`);
    expect(cancelled.campaign.status).toBe('cancelled');
    await new Promise((r) => setTimeout(r, 800));
    const afterCancel = bed.fake.callsTo('sendMessage').length;
    await new Promise((r) => setTimeout(r, 1500));
    expect(bed.fake.callsTo('sendMessage').length).toBe(afterCancel);
    const progress = await bed.json<{ counts: Record<string, number>; remaining: number }>(
      'GET',
      `/${id}/progress`,
    );
    expect(progress.remaining).toBe(0);
    expect(progress.counts.skipped).toBeGreaterThan(0);
    expect((await bed.api('POST', `/${id}/pause`)).status).toBe(409);
  });

  it('should schedule a campaign for later instead of sending it', async () => {
    const id = await create({ sendAt: Date.now() + 3_600_000 });
    const { campaign } = await bed.json<{ campaign: { status: string } }>('POST', `/${id}/confirm`, {
      recipients: 21,
    });
    expect(campaign.status).toBe('scheduled');
    await bed.json('POST', `/${id}/cancel`);
  });
});

describe('test send to the admin own chat', () => {
  it('should refuse before a chat is linked, then link it with /start link-CODE and send silently', async () => {
    const id = await create();
    const first = await bed.api('POST', `/${id}/test`, { lang: 'en' });
    expect(first.status).toBe(409);
    expect(await first.json()).toMatchObject({ reason: 'not_linked' });

    const { code, command } = await bed.json<{ code: string; command: string }>('POST', '/link-code');
    expect(command).toBe(`/start link-${code}`);
    const admin = bed.fake.newUser('en');
    await bed.fake.waitHandled(bed.fake.sendCommand(admin, 'start', `link-${code}`));
    await bed.fake.waitFor(
      async () => (await bed.json<{ linked: boolean }>('GET', '/link')).linked,
      10_000,
      'the link',
    );
    // the code is not a campaign source tag
    const contact = await bed.app.app.store.getContact(bed.cipher.pseudonym('telegram', String(admin.id)));
    expect(contact?.source).toBeNull();

    const res = await bed.api('POST', `/${id}/test`, { lang: 'kk' });
    expect(res.status).toBe(200);
    const call = bed.fake
      .callsTo('sendMessage')
      .find((c) => c.payload.chat_id === admin.id && c.payload.disable_notification === true);
    expect(call?.payload.text).toBe(`${TEXTS.kk}\n\n${i18n.t('kk', 'broadcast:stop_line')}`);
    expect((await bed.api('POST', `/${id}/test`, { lang: 'kk' })).status).toBe(429);
    await bed.json('POST', `/${id}/cancel`);
  });
});

describe('the compose page', () => {
  it('should serve the page with its script and texts, and no inline script', async () => {
    const html = await (await fetch(`${bed.app.baseUrl}/console/campaigns`)).text();
    expect(html).toContain('<script src="/console/campaigns/campaigns.js"');
    expect(html).not.toMatch(/<script>|\son[a-z]+=/);
    const js = await fetch(`${bed.app.baseUrl}/console/campaigns/campaigns.js`);
    expect(js.headers.get('content-type')).toContain('javascript');
    const texts = (await (await fetch(`${bed.app.baseUrl}/console/campaigns/texts.json`)).json()) as Record<
      string,
      Record<string, string>
    >;
    expect(texts.kk?.title).toBe(i18n.t('kk', 'broadcast:page.title'));
    expect(texts.ru?.progress).toContain('{{sent}}');
  });
});
