/**
 * JSON routes of campaign broadcasts, as a Hono sub-app mounted at /api/campaigns. Sign-in,
 * sessions and CSRF belong to the console: `guard` is its admin check and must set
 * `c.get('user')` = `{id, username, displayName, role}` (role 'admin'); POST/PUT/DELETE carry the
 * console's `X-CSRF-Token` (docs/console-api.md), checked by that guard.
 */
import { randomBytes } from 'node:crypto';
import { Hono, type MiddlewareHandler } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { LANGS, type Lang } from '../core/types.js';
import type { Translator } from '../i18n/translator.js';
import type { BroadcastStore, Campaign, CampaignInput } from '../store/broadcast-store.js';
import { campaignInputSchema, campaignMessage, preview } from './compose.js';
import type { BroadcastSender } from './sender.js';

/** What the console's guard puts in the context. */
export interface ConsoleUser {
  id: number;
  username: string;
  displayName: string;
  role: 'counsellor' | 'admin';
}

export interface CampaignApiDeps {
  broadcasts: BroadcastStore;
  sender: BroadcastSender;
  translator: Translator;
  defaultLang: Lang;
  hours: { label: string; timeZone: string };
  clock?: () => number;
  /** Name shown on the lock-screen preview. */
  botName?: string;
}

/** A one-time code for `/start link-CODE` is valid this long. */
export const LINK_CODE_TTL_MS = 10 * 60_000;
/** Least time between two test sends of one admin. */
export const TEST_SEND_INTERVAL_MS = 3000;
const MAX_BODY = 16 * 1024;

type Env = { Variables: { user: ConsoleUser } };

export function createCampaignApi(deps: CampaignApiDeps, guard: MiddlewareHandler): Hono<Env> {
  const { broadcasts, sender, translator, defaultLang } = deps;
  const clock = deps.clock ?? Date.now;
  const lastTest = new Map<number, number>();
  const app = new Hono<Env>();

  app.use('*', guard);
  app.use('*', async (c, next) => {
    const user = c.get('user');
    if (user?.role !== 'admin') return c.json({ error: 'only an admin can send campaigns' }, 403);
    await next();
  });
  app.use(
    '*',
    bodyLimit({ maxSize: MAX_BODY, onError: (c) => c.json({ error: 'the request is too large' }, 413) }),
  );
  app.onError((err, c) => {
    if (err instanceof BadRequest) return c.json({ error: err.message }, 400);
    throw err;
  });

  const previews = (c: Pick<Campaign, 'texts' | 'link'>) =>
    LANGS.map((lang) => preview(c, lang, defaultLang, translator, deps.botName));

  async function body(c: { req: { json(): Promise<unknown> } }): Promise<CampaignInput> {
    let raw: unknown;
    try {
      raw = await c.req.json();
    } catch {
      throw new BadRequest('the body must be JSON');
    }
    const parsed = campaignInputSchema.safeParse(raw);
    if (!parsed.success)
      throw new BadRequest(
        parsed.error.issues.map((i) => `${i.path.join('.') || 'body'}: ${i.message}`).join('; '),
      );
    return parsed.data as CampaignInput;
  }

  async function found(id: string): Promise<Campaign | undefined> {
    if (!/^\d{1,12}$/.test(id)) return undefined;
    return broadcasts.getCampaign(Number(id));
  }

  async function progress(campaign: Campaign) {
    const report = await broadcasts.report(campaign.id);
    const now = clock();
    const window = 10_000;
    const recent = await broadcasts.sentSince(campaign.id, now - window);
    const rate = campaign.status === 'running' ? recent / (window / 1000) : 0;
    const remaining = report?.remaining ?? 0;
    return {
      status: campaign.status,
      counts: report?.counts,
      total: report?.total ?? 0,
      remaining,
      rate,
      secondsLeft: rate > 0 ? Math.ceil(remaining / rate) : null,
      startedAt: campaign.startedAt,
      finishedAt: campaign.finishedAt,
    };
  }

  app.get('/', async (c) => {
    const campaigns = await broadcasts.listCampaigns();
    return c.json({
      campaigns,
      hours: deps.hours,
      channels: sender.channels(),
    });
  });

  app.post('/', async (c) => {
    const input = await body(c);
    const campaign = await broadcasts.createCampaign(input, c.get('user').id, clock());
    return c.json({ campaign, previews: previews(campaign) }, 201);
  });

  /** Previews of a text not saved yet (the compose form). */
  app.post('/preview', async (c) => {
    const input = await body(c);
    const recipients = await broadcasts.countAudience(input.filter, sender.rules());
    return c.json({ previews: previews(input), recipients });
  });

  app.post('/link-code', async (c) => {
    const code = randomBytes(9).toString('base64url').replace(/[-_]/g, 'x').slice(0, 12);
    const expiresAt = clock() + LINK_CODE_TTL_MS;
    await broadcasts.createLinkCode(c.get('user').id, code, expiresAt);
    return c.json({ code, command: `/start link-${code}`, expiresAt });
  });

  app.get('/link', async (c) => {
    const chat = await broadcasts.adminChat(c.get('user').id);
    return c.json({ linked: Boolean(chat), channel: chat?.channel ?? null });
  });

  app.get('/:id', async (c) => {
    const campaign = await found(c.req.param('id'));
    if (!campaign) return c.json({ error: 'no such campaign' }, 404);
    const recipients =
      campaign.status === 'draft' || campaign.status === 'scheduled'
        ? await broadcasts.countAudience(campaign.filter, sender.rules())
        : null;
    return c.json({ campaign, previews: previews(campaign), recipients, progress: await progress(campaign) });
  });

  app.put('/:id', async (c) => {
    const campaign = await found(c.req.param('id'));
    if (!campaign) return c.json({ error: 'no such campaign' }, 404);
    const input = await body(c);
    if (!(await broadcasts.updateCampaign(campaign.id, input, clock())))
      return c.json({ error: 'only a draft can be changed' }, 409);
    const updated = (await broadcasts.getCampaign(campaign.id)) as Campaign;
    return c.json({ campaign: updated, previews: previews(updated) });
  });

  app.get('/:id/audience', async (c) => {
    const campaign = await found(c.req.param('id'));
    if (!campaign) return c.json({ error: 'no such campaign' }, 404);
    return c.json({ recipients: await broadcasts.countAudience(campaign.filter, sender.rules()) });
  });

  app.get('/:id/progress', async (c) => {
    const campaign = await found(c.req.param('id'));
    if (!campaign) return c.json({ error: 'no such campaign' }, 404);
    return c.json(await progress(campaign));
  });

  /**
   * Confirm and send (or schedule). The body repeats the number of recipients the admin was shown;
   * if the audience changed since, 409 with the new number, so nobody confirms a number they did not see.
   */
  app.post('/:id/confirm', async (c) => {
    const campaign = await found(c.req.param('id'));
    if (!campaign) return c.json({ error: 'no such campaign' }, 404);
    if (campaign.status !== 'draft') return c.json({ error: 'this campaign was already confirmed' }, 409);
    let raw: { recipients?: unknown };
    try {
      raw = (await c.req.json()) as { recipients?: unknown };
    } catch {
      return c.json({ error: 'the body must be JSON' }, 400);
    }
    if (typeof raw?.recipients !== 'number' || !Number.isInteger(raw.recipients))
      return c.json({ error: 'recipients: the number of recipients you were shown' }, 400);
    const unsafe = previews(campaign).filter((p) => campaign.texts[p.lang] && !p.neutral);
    if (unsafe.length > 0)
      return c.json({ error: 'the first line is not neutral', previews: unsafe, reason: 'not_neutral' }, 422);
    const rules = sender.rules();
    const recipients = await broadcasts.countAudience(campaign.filter, rules);
    if (recipients !== raw.recipients)
      return c.json(
        { error: 'the number of recipients changed', recipients, reason: 'recipients_changed' },
        409,
      );
    if (recipients === 0) return c.json({ error: 'nobody would receive this campaign', recipients }, 409);
    const status = await broadcasts.confirm(campaign.id, rules);
    if (!status) return c.json({ error: 'this campaign was already confirmed' }, 409);
    sender.wake();
    return c.json({ campaign: await broadcasts.getCampaign(campaign.id), recipients });
  });

  for (const action of ['pause', 'resume', 'cancel'] as const) {
    app.post(`/:id/${action}`, async (c) => {
      const campaign = await found(c.req.param('id'));
      if (!campaign) return c.json({ error: 'no such campaign' }, 404);
      if (!(await broadcasts.setStatus(campaign.id, action, clock())))
        return c.json({ error: `a ${campaign.status} campaign cannot ${action}` }, 409);
      sender.wake();
      return c.json({ campaign: await broadcasts.getCampaign(campaign.id) });
    });
  }

  /** One message to the admin's own linked chat, in the language asked for. */
  app.post('/:id/test', async (c) => {
    const campaign = await found(c.req.param('id'));
    if (!campaign) return c.json({ error: 'no such campaign' }, 404);
    let raw: { lang?: unknown } = {};
    try {
      raw = (await c.req.json()) as { lang?: unknown };
    } catch {
      // no body: the default language
    }
    const lang = LANGS.find((l) => l === raw?.lang) ?? defaultLang;
    const user = c.get('user');
    const chat = await broadcasts.adminChat(user.id);
    if (!chat) return c.json({ error: 'link your own chat first', reason: 'not_linked' }, 409);
    const now = clock();
    if (now - (lastTest.get(user.id) ?? 0) < TEST_SEND_INTERVAL_MS)
      return c.json({ error: 'wait a few seconds between test sends' }, 429);
    lastTest.set(user.id, now);
    const sent = await sender.sendOne(
      chat.channel,
      chat.address,
      campaignMessage(campaign, lang, defaultLang, translator),
    );
    if (!sent.ok) return c.json({ error: sent.error }, 502);
    return c.json({ sent: true, lang });
  });

  return app;
}

class BadRequest extends Error {}
