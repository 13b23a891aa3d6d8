/**
 * Campaign broadcasts in the database, written once against `SqlDb` for SQLite and PostgreSQL:
 * campaigns, their audience, one delivery row per recipient (claimed before sending), reports,
 * and the one-time codes that link an admin's own chat for test sends.
 *
 * Delivery rows: pending -> sending (claimed, with a time) -> sent / failed / blocked; a row still
 * 'sending' when its sender died becomes 'unknown' and is never sent again; 'skipped' when the
 * person stopped (or the campaign was cancelled) before their turn.
 */
import type { Channel, Lang } from '../core/types.js';
import type { Cipher } from '../privacy/cipher.js';
import { type SqlDb, type SqlValue, sqlLimit } from './sql.js';

export const CAMPAIGN_STATUSES = ['draft', 'scheduled', 'running', 'paused', 'done', 'cancelled'] as const;
export type CampaignStatus = (typeof CAMPAIGN_STATUSES)[number];
export const DELIVERY_STATUSES = [
  'pending',
  'sending',
  'sent',
  'failed',
  'blocked',
  'unknown',
  'skipped',
] as const;
export type DeliveryStatus = (typeof DELIVERY_STATUSES)[number];

/** Who receives a campaign: opted-in people, narrowed by any of these (empty = no narrowing). */
export interface AudienceFilter {
  langs: Lang[];
  channels: Channel[];
  /** Campaign source tags (contacts.source, from `?start=` links). */
  sources: string[];
}

export interface CampaignLink {
  /** Button label per language (falls back to the default language). */
  label: Partial<Record<Lang, string>>;
  url: string;
}

export interface CampaignInput {
  name: string;
  texts: Partial<Record<Lang, string>>;
  link: CampaignLink | null;
  filter: AudienceFilter;
  /** When to start (epoch ms); null = when confirmed. */
  sendAt: number | null;
}

export interface Campaign extends CampaignInput {
  id: number;
  status: CampaignStatus;
  createdBy: number | null;
  createdAt: number;
  updatedAt: number;
  startedAt: number | null;
  finishedAt: number | null;
}

/** A claimed delivery, ready to send. */
export interface ClaimedDelivery {
  id: number;
  campaignId: number;
  contactId: string;
  channel: Channel;
  lang: Lang;
  address: string;
  attempts: number;
}

export type DeliveryCounts = Record<DeliveryStatus, number>;

export interface CampaignReport {
  campaign: Campaign;
  counts: DeliveryCounts;
  total: number;
  /** Rows still to go (pending + sending). */
  remaining: number;
}

/** What the audience query needs beyond the campaign's own filter. */
export interface AudienceRules {
  /** Channels broadcasts may use at all (WhatsApp only when enabled). */
  channels: readonly Channel[];
  /** Language of a person whose language is unknown. */
  defaultLang: Lang;
  /** Nobody gets more than this many campaign messages in 30 days (the promise of the opt-in text). */
  maxPerMonth: number;
  now: number;
}

const MONTH_MS = 30 * 24 * 3_600_000;

interface CampaignRow {
  id: number;
  name: string;
  texts_json: string;
  link_json: string | null;
  filter_json: string;
  status: CampaignStatus;
  send_at: number | null;
  created_by: number | null;
  created_at: number;
  updated_at: number;
  started_at: number | null;
  finished_at: number | null;
}

const toCampaign = (r: CampaignRow): Campaign => ({
  id: Number(r.id),
  name: r.name,
  texts: JSON.parse(r.texts_json),
  link: r.link_json ? JSON.parse(r.link_json) : null,
  filter: JSON.parse(r.filter_json),
  status: r.status,
  sendAt: r.send_at == null ? null : Number(r.send_at),
  createdBy: r.created_by == null ? null : Number(r.created_by),
  createdAt: Number(r.created_at),
  updatedAt: Number(r.updated_at),
  startedAt: r.started_at == null ? null : Number(r.started_at),
  finishedAt: r.finished_at == null ? null : Number(r.finished_at),
});

export type BroadcastStore = ReturnType<typeof createBroadcastStore>;

export function createBroadcastStore(db: SqlDb, cipher: Pick<Cipher, 'decrypt' | 'pseudonym'>) {
  const skipLocked = db.dialect === 'postgres' ? ' FOR UPDATE OF d SKIP LOCKED' : '';
  // The claim walks the small partial index of due rows in order (`broadcast_deliveries_ready`);
  // the unary + keeps SQLite from preferring the per-campaign index and sorting every row instead.
  const marks = (n: number) => Array.from({ length: n }, () => '?').join(', ');

  /** FROM/WHERE of the audience: subscribed, reachable, on an allowed channel, matching the filter. */
  function audienceSql(filter: AudienceFilter, rules: AudienceRules): { sql: string; params: SqlValue[] } {
    const channels = filter.channels.length
      ? rules.channels.filter((c) => filter.channels.includes(c))
      : [...rules.channels];
    if (channels.length === 0) return { sql: 'FROM contacts c WHERE 1 = 0', params: [] };
    const lang = 'COALESCE(c.lang, s.lang, ?)';
    let sql = `FROM contacts c JOIN broadcast_subscriptions s ON s.contact_id = c.id
      WHERE c.subscribed = 1 AND c.unreachable = 0 AND c.channel IN (${marks(channels.length)})
      AND (SELECT count(*) FROM broadcast_deliveries d WHERE d.contact_id = c.id
           AND d.status IN ('sent','sending','unknown') AND d.claimed_at >= ?) < ?`;
    const params: SqlValue[] = [...channels, rules.now - MONTH_MS, rules.maxPerMonth];
    if (filter.langs.length) {
      sql += ` AND ${lang} IN (${marks(filter.langs.length)})`;
      params.push(rules.defaultLang, ...filter.langs);
    }
    if (filter.sources.length) {
      sql += ` AND c.source IN (${marks(filter.sources.length)})`;
      params.push(...filter.sources);
    }
    return { sql, params };
  }

  /** Ends a claimed row. */
  async function finish(
    id: number,
    status: 'sent' | 'failed' | 'blocked' | 'skipped' | 'unknown',
    error: string | null,
    now: number,
  ): Promise<void> {
    await db.run(
      `UPDATE broadcast_deliveries SET status = ?, error = ?, done_at = ? WHERE id = ? AND status = 'sending'`,
      [status, error, now, id],
    );
  }

  async function getCampaign(id: number): Promise<Campaign | undefined> {
    const row = await db.get<CampaignRow>('SELECT * FROM broadcast_campaigns WHERE id = ?', [id]);
    return row ? toCampaign(row) : undefined;
  }

  /** Writes one delivery row per recipient (ON CONFLICT: never a second one) and starts the campaign. */
  async function begin(id: number, rules: AudienceRules): Promise<number> {
    return db.transaction(async (q) => {
      const row = await q.get<CampaignRow>('SELECT * FROM broadcast_campaigns WHERE id = ?', [id]);
      if (!row || (row.status !== 'scheduled' && row.status !== 'draft')) return 0;
      const c = toCampaign(row);
      const { sql, params } = audienceSql(c.filter, rules);
      const r = await q.run(
        `INSERT INTO broadcast_deliveries (campaign_id, contact_id, channel, lang, status, next_attempt_at)
         SELECT ?, c.id, c.channel, COALESCE(c.lang, s.lang, ?), 'pending', ? ${sql}
         ON CONFLICT (campaign_id, contact_id) DO NOTHING`,
        [id, rules.defaultLang, rules.now, ...params],
      );
      await q.run(
        `UPDATE broadcast_campaigns SET status = 'running', started_at = ?, updated_at = ? WHERE id = ?`,
        [rules.now, rules.now, id],
      );
      return r.changes;
    }, `broadcast-campaign:${id}`);
  }

  return {
    async createCampaign(input: CampaignInput, createdBy: number | null, now: number): Promise<Campaign> {
      const row = await db.get<{ id: number }>(
        `INSERT INTO broadcast_campaigns (name, texts_json, link_json, filter_json, status, send_at, created_by,
           created_at, updated_at) VALUES (?, ?, ?, ?, 'draft', ?, ?, ?, ?) RETURNING id`,
        [
          input.name,
          JSON.stringify(input.texts),
          input.link ? JSON.stringify(input.link) : null,
          JSON.stringify(input.filter),
          input.sendAt,
          createdBy,
          now,
          now,
        ],
      );
      return (await getCampaign(Number(row?.id))) as Campaign;
    },

    /** Changes a draft; false if it is no longer a draft. */
    async updateCampaign(id: number, input: CampaignInput, now: number): Promise<boolean> {
      const r = await db.run(
        `UPDATE broadcast_campaigns SET name = ?, texts_json = ?, link_json = ?, filter_json = ?, send_at = ?,
           updated_at = ? WHERE id = ? AND status = 'draft'`,
        [
          input.name,
          JSON.stringify(input.texts),
          input.link ? JSON.stringify(input.link) : null,
          JSON.stringify(input.filter),
          input.sendAt,
          now,
          id,
        ],
      );
      return r.changes === 1;
    },

    getCampaign,

    async listCampaigns(limit = 100): Promise<Campaign[]> {
      const rows = await db.all<CampaignRow>('SELECT * FROM broadcast_campaigns ORDER BY id DESC LIMIT ?', [
        limit,
      ]);
      return rows.map(toCampaign);
    },

    /** How many people the filter reaches now. */
    async countAudience(filter: AudienceFilter, rules: AudienceRules): Promise<number> {
      const { sql, params } = audienceSql(filter, rules);
      const row = await db.get<{ n: number }>(`SELECT count(*) AS n ${sql}`, params);
      return Number(row?.n ?? 0);
    },

    /**
     * Confirms a draft: scheduled when `sendAt` is in the future, else started at once
     * (its delivery rows written). Returns the new status, or undefined if it was not a draft.
     */
    async confirm(id: number, rules: AudienceRules): Promise<CampaignStatus | undefined> {
      const c = await getCampaign(id);
      if (c?.status !== 'draft') return undefined;
      if (c.sendAt !== null && c.sendAt > rules.now) {
        const r = await db.run(
          `UPDATE broadcast_campaigns SET status = 'scheduled', updated_at = ? WHERE id = ? AND status = 'draft'`,
          [rules.now, id],
        );
        return r.changes === 1 ? 'scheduled' : undefined;
      }
      await begin(id, rules);
      return 'running';
    },

    /** Starts scheduled campaigns whose time has come; returns their ids. */
    async startDue(rules: AudienceRules): Promise<number[]> {
      const due = await db.all<{ id: number }>(
        `SELECT id FROM broadcast_campaigns WHERE status = 'scheduled' AND send_at <= ? ORDER BY send_at`,
        [rules.now],
      );
      for (const { id } of due) await begin(Number(id), rules);
      return due.map((d) => Number(d.id));
    },

    /** running <-> paused, scheduled -> draft on pause; cancel skips every row not yet sent. */
    async setStatus(id: number, action: 'pause' | 'resume' | 'cancel', now: number): Promise<boolean> {
      const from: Record<typeof action, CampaignStatus[]> = {
        pause: ['running', 'scheduled'],
        resume: ['paused'],
        cancel: ['draft', 'scheduled', 'running', 'paused'],
      };
      return db.transaction(async (q) => {
        const row = await q.get<{ status: CampaignStatus; started_at: number | null }>(
          'SELECT status, started_at FROM broadcast_campaigns WHERE id = ?',
          [id],
        );
        if (!row || !from[action].includes(row.status)) return false;
        const to: CampaignStatus =
          action === 'cancel'
            ? 'cancelled'
            : action === 'resume'
              ? row.started_at == null
                ? 'scheduled'
                : 'running'
              : 'paused';
        await q.run(
          `UPDATE broadcast_campaigns SET status = ?, updated_at = ?${action === 'cancel' ? ', finished_at = ?' : ''} WHERE id = ?`,
          action === 'cancel' ? [to, now, now, id] : [to, now, id],
        );
        if (action === 'cancel')
          await q.run(
            `UPDATE broadcast_deliveries SET status = 'skipped', error = 'cancelled', done_at = ?
             WHERE campaign_id = ? AND status = 'pending'`,
            [now, id],
          );
        return true;
      }, `broadcast-campaign:${id}`);
    },

    /**
     * Claims up to `limit` due rows of running campaigns on `channels`, oldest first. A claimed row
     * is 'sending' with the claim time: no other sender (this process or another instance) can take it.
     */
    async claim(now: number, limit: number, channels: readonly Channel[]): Promise<ClaimedDelivery[]> {
      if (channels.length === 0 || limit <= 0) return [];
      const rows = await db.all<{
        id: number;
        campaign_id: number;
        contact_id: string;
        channel: Channel;
        lang: Lang;
        attempts: number;
      }>(
        `UPDATE broadcast_deliveries SET status = 'sending', claimed_at = ?, attempts = attempts + 1
         WHERE id IN (
           SELECT d.id FROM broadcast_deliveries d
           WHERE d.status = 'pending' AND d.next_attempt_at <= ? AND d.channel IN (${marks(channels.length)})
             AND +d.campaign_id IN (SELECT k.id FROM broadcast_campaigns k WHERE k.status = 'running')
           ORDER BY d.next_attempt_at, d.id ${sqlLimit(limit)}${skipLocked})
         AND status = 'pending'
         RETURNING id, campaign_id, contact_id, channel, lang, attempts`,
        [now, now, ...channels],
      );
      const out: ClaimedDelivery[] = [];
      for (const r of rows) {
        const contact = await db.get<{ address_enc: Buffer; subscribed: number; unreachable: number }>(
          'SELECT address_enc, subscribed, unreachable FROM contacts WHERE id = ?',
          [r.contact_id],
        );
        // stopped (or blocked) after the rows were written: never send
        if (contact?.subscribed !== 1 || contact.unreachable === 1) {
          await finish(Number(r.id), 'skipped', 'stopped', now);
          continue;
        }
        try {
          out.push({
            id: Number(r.id),
            campaignId: Number(r.campaign_id),
            contactId: r.contact_id,
            channel: r.channel,
            lang: r.lang,
            address: cipher.decrypt(contact.address_enc),
            attempts: r.attempts,
          });
        } catch {
          await finish(Number(r.id), 'failed', 'unreadable address', now);
        }
      }
      return out;
    },

    finish,

    /** A claimed row goes back to pending: it was certainly not delivered (429, 5xx, never connected). */
    async retry(id: number, error: string, nextAttemptAt: number): Promise<void> {
      await db.run(
        `UPDATE broadcast_deliveries SET status = 'pending', error = ?, next_attempt_at = ?, claimed_at = NULL
         WHERE id = ? AND status = 'sending'`,
        [error, Math.round(nextAttemptAt), id],
      );
    },

    /** The person blocked the bot: the row is 'blocked' and their subscription ends (same as stop). */
    async blocked(id: number, contactId: string, now: number): Promise<void> {
      await db.transaction(async (q) => {
        await q.run(
          `UPDATE broadcast_deliveries SET status = 'blocked', error = 'blocked', done_at = ? WHERE id = ?`,
          [now, id],
        );
        await q.run('UPDATE contacts SET subscribed = 0, unreachable = 1 WHERE id = ?', [contactId]);
        await q.run('DELETE FROM broadcast_subscriptions WHERE contact_id = ?', [contactId]);
        await q.run(
          `UPDATE broadcast_deliveries SET status = 'skipped', error = 'stopped', done_at = ?
           WHERE contact_id = ? AND status = 'pending'`,
          [now, contactId],
        );
      }, contactId);
    },

    /**
     * Rows claimed before `before` and never finished: their sender died while they were in
     * flight, so they may or may not have arrived. They become 'unknown' and are never sent again.
     */
    async expireClaims(before: number, now: number): Promise<number> {
      const r = await db.run(
        `UPDATE broadcast_deliveries SET status = 'unknown', error = 'in flight when its sender stopped', done_at = ?
         WHERE status = 'sending' AND claimed_at < ?`,
        [now, before],
      );
      return r.changes;
    },

    /** Running campaigns with nothing left to send are done; returns their ids. */
    async finishCampaigns(now: number): Promise<number[]> {
      const rows = await db.all<{ id: number }>(
        `SELECT k.id FROM broadcast_campaigns k WHERE k.status = 'running' AND NOT EXISTS (
           SELECT 1 FROM broadcast_deliveries d WHERE d.campaign_id = k.id AND d.status IN ('pending','sending'))`,
      );
      for (const { id } of rows)
        await db.run(
          `UPDATE broadcast_campaigns SET status = 'done', finished_at = ?, updated_at = ? WHERE id = ? AND status = 'running'`,
          [now, now, id],
        );
      return rows.map((r) => Number(r.id));
    },

    async report(id: number): Promise<CampaignReport | undefined> {
      const campaign = await getCampaign(id);
      if (!campaign) return undefined;
      const rows = await db.all<{ status: DeliveryStatus; n: number }>(
        'SELECT status, count(*) AS n FROM broadcast_deliveries WHERE campaign_id = ? GROUP BY status',
        [id],
      );
      const counts = Object.fromEntries(DELIVERY_STATUSES.map((s) => [s, 0])) as DeliveryCounts;
      for (const r of rows) counts[r.status] = Number(r.n);
      const total = Object.values(counts).reduce((a, b) => a + b, 0);
      return { campaign, counts, total, remaining: counts.pending + counts.sending };
    },

    /** Messages of a campaign delivered since `since` (for the rate shown in the progress bar). */
    async sentSince(id: number, since: number): Promise<number> {
      const row = await db.get<{ n: number }>(
        `SELECT count(*) AS n FROM broadcast_deliveries WHERE campaign_id = ? AND status = 'sent' AND done_at >= ?`,
        [id, since],
      );
      return Number(row?.n ?? 0);
    },

    /** Sent (or possibly sent) messages of a contact, for tests and reports of duplicates. */
    async deliveriesOf(contactId: string): Promise<Array<{ campaignId: number; status: DeliveryStatus }>> {
      const rows = await db.all<{ campaign_id: number; status: DeliveryStatus }>(
        'SELECT campaign_id, status FROM broadcast_deliveries WHERE contact_id = ? ORDER BY id',
        [contactId],
      );
      return rows.map((r) => ({ campaignId: Number(r.campaign_id), status: r.status }));
    },

    // ---- an admin's own chat for test sends ----

    /** Stores a one-time code (as a keyed hash) for `adminId`, replacing any earlier one. */
    async createLinkCode(adminId: number, code: string, expiresAt: number): Promise<void> {
      await db.transaction(async (q) => {
        await q.run('DELETE FROM broadcast_link_codes WHERE admin_id = ? OR expires_at < ?', [
          adminId,
          expiresAt - 24 * 3_600_000,
        ]);
        await q.run('INSERT INTO broadcast_link_codes (code_hash, admin_id, expires_at) VALUES (?, ?, ?)', [
          cipher.pseudonym('broadcast-link', code),
          adminId,
          expiresAt,
        ]);
      });
    },

    /** Uses a code (once): links the sender's chat to the admin who asked for it. */
    async consumeLinkCode(code: string, contactId: string, now: number): Promise<number | undefined> {
      return db.transaction(async (q) => {
        const hash = cipher.pseudonym('broadcast-link', code);
        const row = await q.get<{ admin_id: number; expires_at: number }>(
          'SELECT admin_id, expires_at FROM broadcast_link_codes WHERE code_hash = ?',
          [hash],
        );
        if (!row) return undefined;
        await q.run('DELETE FROM broadcast_link_codes WHERE code_hash = ?', [hash]);
        if (Number(row.expires_at) < now) return undefined;
        const adminId = Number(row.admin_id);
        await q.run(
          `INSERT INTO broadcast_admin_links (admin_id, contact_id, linked_at) VALUES (?, ?, ?)
           ON CONFLICT (admin_id) DO UPDATE SET contact_id = excluded.contact_id, linked_at = excluded.linked_at`,
          [adminId, contactId, now],
        );
        return adminId;
      });
    },

    /** The admin's linked chat (channel and decrypted address), if any. */
    async adminChat(
      adminId: number,
    ): Promise<{ contactId: string; channel: Channel; address: string; lang: Lang | null } | undefined> {
      const row = await db.get<{
        contact_id: string;
        channel: Channel;
        address_enc: Buffer;
        lang: Lang | null;
      }>(
        `SELECT c.id AS contact_id, c.channel, c.address_enc, c.lang FROM broadcast_admin_links l
         JOIN contacts c ON c.id = l.contact_id WHERE l.admin_id = ?`,
        [adminId],
      );
      if (!row) return undefined;
      return {
        contactId: row.contact_id,
        channel: row.channel,
        address: cipher.decrypt(row.address_enc),
        lang: row.lang,
      };
    },
  };
}
