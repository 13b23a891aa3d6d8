/**
 * The console's SQL (ConsoleStore, src/core/console-ports.ts), written once over `SqlDb` for
 * SQLite and PostgreSQL. Notes and audit details are AES-256-GCM ciphertext (`_enc`); session
 * tokens are stored only as hashes; login failures only under keyed hashes of name and address.
 */
import type { Who } from '../../flows/contract.js';
import type {
  AuditEntry,
  CannedReply,
  ConsoleRole,
  ConsoleStore,
  ConsoleUser,
  ConversationSummary,
  DirectoryAdminEntry,
  DirectoryInput,
  Note,
  TranscriptMessage,
} from '../core/console-ports.js';
import type { ConversationStatus } from '../core/ports.js';
import type { Channel, Lang, RiskLevel } from '../core/types.js';
import type { Cipher } from '../privacy/cipher.js';
import type { SqlDb } from './sql.js';

/** Conversations the bot handles count as "active" while someone wrote within this time. */
export const ACTIVE_WINDOW_MS = 24 * 3_600_000;
const ACTIVE_LIMIT = 200;

interface UserRow {
  id: number;
  username: string;
  display_name: string;
  role: ConsoleRole;
  disabled: number;
  on_duty: number;
  last_login_at: number | null;
  password_hash: string;
}

interface SummaryRow {
  id: number;
  contact_id: string;
  channel: Channel;
  lang: Lang | null;
  status: ConversationStatus;
  risk_level: RiskLevel | null;
  who: Who | null;
  assignee: number | null;
  assignee_name: string | null;
  updated_at: number;
  created_at: number;
  closed_at: number | null;
  outcome: string | null;
  queued_at: number | null;
  stream_seen_at: number | null;
  blocked: number;
  sos: number;
  flow: string;
  snapshot_enc: Buffer | null;
  screening_enc: Buffer | null;
}

interface DirectoryRow {
  id: number;
  region: string | null;
  name_json: string;
  phone: string;
  hours: string | null;
  languages: string | null;
  note_json: string | null;
  source: string;
  checked_on: string;
  hidden: number;
  updated_at: number | null;
}

const SUMMARY_SQL = `
  SELECT c.id, c.contact_id, c.channel, c.lang, c.status, c.risk_level, c.who, c.assignee,
    u.display_name AS assignee_name, c.updated_at, c.created_at, c.closed_at, c.outcome,
    q.queued_at, k.stream_seen_at, k.blocked, c.flow, c.snapshot_enc, c.screening_enc,
    CASE WHEN EXISTS (SELECT 1 FROM messages m WHERE m.conversation_id = c.id AND m.sos = 1) THEN 1 ELSE 0 END AS sos
  FROM conversations c
  JOIN contacts k ON k.id = c.contact_id
  LEFT JOIN handoff_queue q ON q.conversation_id = c.id
  LEFT JOIN console_users u ON u.id = c.assignee`;

const toUser = (r: UserRow): ConsoleUser => ({
  id: Number(r.id),
  username: r.username,
  displayName: r.display_name,
  role: r.role,
  disabled: Number(r.disabled) === 1,
  onDuty: Number(r.on_duty) === 1,
  lastLoginAt: r.last_login_at == null ? null : Number(r.last_login_at),
});

/** Screening answers: in the snapshot while the screening runs, kept by the engine afterwards. */
function answersOf(
  r: { flow: string; snapshot_enc: Buffer | null; screening_enc: Buffer | null },
  dec: (b: Buffer) => string,
): Record<string, string> | null {
  try {
    if (r.flow === 'screening' && r.snapshot_enc) {
      const snapshot = JSON.parse(dec(r.snapshot_enc)) as { context?: { answers?: Record<string, string> } };
      if (snapshot.context?.answers) return snapshot.context.answers;
    }
    return r.screening_enc ? (JSON.parse(dec(r.screening_enc)) as Record<string, string>) : null;
  } catch {
    return null; // unreadable: the console shows no answers rather than failing the queue
  }
}

const toSummary = (r: SummaryRow, dec: (b: Buffer) => string): ConversationSummary => ({
  id: Number(r.id),
  contactId: r.contact_id,
  channel: r.channel,
  lang: r.lang,
  status: r.status,
  risk: r.risk_level,
  who: r.who,
  queuedAt: r.status === 'queued' && r.queued_at != null ? Number(r.queued_at) : null,
  assignee:
    r.status === 'counsellor' && r.assignee != null
      ? { id: Number(r.assignee), displayName: r.assignee_name ?? '?' }
      : null,
  lastMessageAt: Number(r.updated_at),
  sos: Number(r.sos) === 1,
  streamSeenAt: r.stream_seen_at == null ? null : Number(r.stream_seen_at),
  blocked: Number(r.blocked) === 1,
  createdAt: Number(r.created_at),
  closedAt: r.closed_at == null ? null : Number(r.closed_at),
  outcome: r.outcome,
  screening: answersOf(r, dec),
});

const toDirectory = (r: DirectoryRow): DirectoryAdminEntry => ({
  id: Number(r.id),
  region: r.region,
  name: JSON.parse(r.name_json),
  phone: r.phone,
  hours: r.hours,
  languages: r.languages ? (r.languages.split(',').filter(Boolean) as Lang[]) : [],
  note: r.note_json ? JSON.parse(r.note_json) : null,
  source: r.source,
  checkedOn: r.checked_on,
  hidden: Number(r.hidden) === 1,
  updatedAt: r.updated_at == null ? null : Number(r.updated_at),
});

export function createConsoleStore(db: SqlDb, cipher: Cipher): ConsoleStore {
  const enc = (s: string) => cipher.encrypt(s);
  const dec = (b: Buffer) => cipher.decrypt(b);
  const USER_COLS = 'id, username, display_name, role, disabled, on_duty, last_login_at, password_hash';
  const getUser = async (id: number) => {
    const r = await db.get<UserRow>(`SELECT ${USER_COLS} FROM console_users WHERE id = ?`, [id]);
    return r ? toUser(r) : undefined;
  };
  const getDirectoryEntry = async (id: number) => {
    const r = await db.get<DirectoryRow>('SELECT * FROM directory WHERE id = ?', [id]);
    return r ? toDirectory(r) : undefined;
  };
  const getCanned = async (id: number): Promise<CannedReply | undefined> => {
    const r = await db.get<{ id: number; title: string; text_json: string }>(
      'SELECT id, title, text_json FROM console_canned WHERE id = ?',
      [id],
    );
    return r ? { id: Number(r.id), title: r.title, text: JSON.parse(r.text_json) } : undefined;
  };
  const directoryValues = (e: DirectoryInput) => [
    e.region,
    JSON.stringify(e.name),
    e.phone,
    e.hours,
    e.languages.join(','),
    e.note ? JSON.stringify(e.note) : null,
    e.source,
    e.checkedOn,
  ];

  return {
    async createUser({ username, displayName, role, passwordHash, now }) {
      const row = await db.get<{ id: number }>(
        `INSERT INTO console_users (username, display_name, role, password_hash, created_at)
         VALUES (?, ?, ?, ?, ?) RETURNING id`,
        [username.toLowerCase(), displayName, role, passwordHash, now],
      );
      return (await getUser(Number(row?.id))) as ConsoleUser;
    },
    async findLogin(username) {
      const r = await db.get<UserRow>(`SELECT ${USER_COLS} FROM console_users WHERE username = ?`, [
        username.toLowerCase(),
      ]);
      return r ? { user: toUser(r), passwordHash: r.password_hash } : undefined;
    },
    getUser,
    async listCounsellors() {
      const rows = await db.all<UserRow>(
        `SELECT ${USER_COLS} FROM console_users WHERE disabled = 0 ORDER BY display_name, id`,
      );
      return rows.map(toUser);
    },
    async listUsers() {
      const rows = await db.all<UserRow>(`SELECT ${USER_COLS} FROM console_users ORDER BY id`);
      return rows.map(toUser);
    },
    async setUserDisabled(id, disabled) {
      await db.transaction(async (q) => {
        await q.run('UPDATE console_users SET disabled = ?, on_duty = 0 WHERE id = ?', [
          disabled ? 1 : 0,
          id,
        ]);
        if (disabled) await q.run('DELETE FROM console_sessions WHERE user_id = ?', [id]);
      });
      return getUser(id);
    },
    async setUserPassword(id, passwordHash) {
      return db.transaction(async (q) => {
        const r = await q.run('UPDATE console_users SET password_hash = ? WHERE id = ?', [passwordHash, id]);
        await q.run('DELETE FROM console_sessions WHERE user_id = ?', [id]);
        return r.changes === 1;
      });
    },
    setOnDuty: async (id, onDuty) =>
      void (await db.run('UPDATE console_users SET on_duty = ? WHERE id = ?', [onDuty ? 1 : 0, id])),
    markLogin: async (id, now) =>
      void (await db.run('UPDATE console_users SET last_login_at = ? WHERE id = ?', [now, id])),
    async countOnDuty() {
      const r = await db.get<{ n: number }>(
        'SELECT count(*) AS n FROM console_users WHERE on_duty = 1 AND disabled = 0',
      );
      return Number(r?.n ?? 0);
    },

    async createSession({ tokenHash, userId, csrf, now }) {
      await db.run(
        'INSERT INTO console_sessions (token_hash, user_id, csrf, created_at, last_seen_at) VALUES (?, ?, ?, ?, ?)',
        [tokenHash, userId, csrf, now, now],
      );
    },
    async touchSession(tokenHash, now, idleMs, touch = true) {
      const r = await db.get<UserRow & { csrf: string; last_seen_at: number }>(
        `SELECT u.id, u.username, u.display_name, u.role, u.disabled, u.on_duty, u.last_login_at, u.password_hash,
           s.csrf, s.last_seen_at
         FROM console_sessions s JOIN console_users u ON u.id = s.user_id WHERE s.token_hash = ?`,
        [tokenHash],
      );
      if (!r) return undefined;
      if (Number(r.last_seen_at) < now - idleMs || Number(r.disabled) === 1) {
        await db.run('DELETE FROM console_sessions WHERE token_hash = ?', [tokenHash]);
        return undefined;
      }
      if (!touch) return { user: toUser(r), csrf: r.csrf, lastSeenAt: Number(r.last_seen_at) };
      await db.run('UPDATE console_sessions SET last_seen_at = ? WHERE token_hash = ?', [now, tokenHash]);
      return { user: toUser(r), csrf: r.csrf, lastSeenAt: now };
    },
    deleteSession: async (tokenHash) =>
      void (await db.run('DELETE FROM console_sessions WHERE token_hash = ?', [tokenHash])),

    async countLoginFailures(key, since) {
      const r = await db.get<{ n: number }>(
        'SELECT count(*) AS n FROM console_login_failures WHERE key = ? AND at >= ?',
        [key, since],
      );
      return Number(r?.n ?? 0);
    },
    async addLoginFailure(key, now, before) {
      await db.transaction(async (q) => {
        await q.run('DELETE FROM console_login_failures WHERE at < ?', [before]);
        await q.run('INSERT INTO console_login_failures (key, at) VALUES (?, ?)', [key, now]);
      });
    },
    clearLoginFailures: async (key) =>
      void (await db.run('DELETE FROM console_login_failures WHERE key = ?', [key])),

    async audit(e) {
      await db.run(
        `INSERT INTO console_audit (at, actor_id, action, contact_id, conversation_id, alias, detail_enc)
         VALUES (?, ?, ?, ?, ?, ?, ?)`,
        [
          e.now,
          e.actorId,
          e.action,
          e.contactId ?? null,
          e.conversationId ?? null,
          e.alias ?? null,
          e.detail == null ? null : enc(e.detail),
        ],
      );
    },
    async listAudit(limit, before) {
      const rows = await db.all<{
        id: number;
        at: number;
        actor: string | null;
        action: string;
        alias: string | null;
        detail_enc: Buffer | null;
        erased: number;
      }>(
        `SELECT a.id, a.at, u.display_name AS actor, a.action, a.alias, a.detail_enc, a.erased
         FROM console_audit a LEFT JOIN console_users u ON u.id = a.actor_id
         ${before == null ? '' : 'WHERE a.id < ?'} ORDER BY a.id DESC LIMIT ?`,
        before == null ? [limit] : [before, limit],
      );
      return rows.map(
        (r): AuditEntry => ({
          id: Number(r.id),
          at: Number(r.at),
          actor: r.actor,
          action: r.action,
          alias: r.alias,
          detail: Number(r.erased) === 1 ? 'erased' : r.detail_enc ? dec(r.detail_enc) : null,
        }),
      );
    },

    async queue(now) {
      const waiting = await db.all<SummaryRow>(
        `${SUMMARY_SQL} WHERE c.status = 'queued' ORDER BY COALESCE(q.priority, 2), q.queued_at, c.id`,
      );
      const active = await db.all<SummaryRow>(
        `${SUMMARY_SQL} WHERE c.status = 'counsellor' OR (c.status = 'bot' AND c.updated_at >= ?)
         ORDER BY CASE WHEN c.status = 'counsellor' THEN 0 ELSE 1 END, c.updated_at DESC LIMIT ?`,
        [now - ACTIVE_WINDOW_MS, ACTIVE_LIMIT],
      );
      return { waiting: waiting.map((r) => toSummary(r, dec)), active: active.map((r) => toSummary(r, dec)) };
    },
    async summary(conversationId) {
      const r = await db.get<SummaryRow>(`${SUMMARY_SQL} WHERE c.id = ?`, [conversationId]);
      return r ? toSummary(r, dec) : undefined;
    },
    async transcript(conversationId) {
      const rows = await db.all<{
        id: number;
        created_at: number;
        direction: 'in' | 'out';
        author_kind: 'person' | 'bot' | 'counsellor';
        counsellor: string | null;
        text_enc: Buffer;
        sos: number;
        outbox_status: string | null;
        outbox_error: string | null;
      }>(
        `SELECT m.id, m.created_at, m.direction, m.author_kind, u.display_name AS counsellor, m.text_enc, m.sos,
           (SELECT o.status FROM outbox o WHERE o.message_id = m.id ORDER BY o.id DESC LIMIT 1) AS outbox_status,
           (SELECT o.last_error FROM outbox o WHERE o.message_id = m.id ORDER BY o.id DESC LIMIT 1) AS outbox_error
         FROM messages m LEFT JOIN console_users u ON m.author_kind = 'counsellor' AND u.id = m.author_id
         WHERE m.conversation_id = ? ORDER BY m.id`,
        [conversationId],
      );
      return rows.map((r): TranscriptMessage => {
        const delivery =
          r.outbox_status == null
            ? null
            : r.outbox_status === 'sent'
              ? 'sent'
              : r.outbox_status === 'failed'
                ? 'failed'
                : 'queued';
        let text: string;
        try {
          text = dec(r.text_enc);
        } catch {
          text = '[unreadable]';
        }
        return {
          id: Number(r.id),
          at: Number(r.created_at),
          author: r.author_kind,
          counsellor: r.author_kind === 'counsellor' ? (r.counsellor ?? '?') : null,
          text,
          sos: Number(r.sos) === 1,
          delivery,
          error: delivery === 'sent' ? null : r.outbox_error,
        };
      });
    },
    async screeningAnswers(conversationId) {
      const r = await db.get<{ flow: string; snapshot_enc: Buffer | null; screening_enc: Buffer | null }>(
        'SELECT flow, snapshot_enc, screening_enc FROM conversations WHERE id = ?',
        [conversationId],
      );
      return r ? answersOf(r, dec) : null;
    },
    async earlierCases(contactId, exceptId) {
      const rows = await db.all<{
        id: number;
        created_at: number;
        closed_at: number | null;
        outcome: string | null;
      }>(
        'SELECT id, created_at, closed_at, outcome FROM conversations WHERE contact_id = ? AND id <> ? ORDER BY id DESC',
        [contactId, exceptId],
      );
      return rows.map((r) => ({
        id: Number(r.id),
        createdAt: Number(r.created_at),
        closedAt: r.closed_at == null ? null : Number(r.closed_at),
        outcome: r.outcome,
      }));
    },

    async addNote({ conversationId, authorId, text, now }) {
      const row = await db.get<{ id: number }>(
        'INSERT INTO console_notes (conversation_id, author_id, text_enc, created_at) VALUES (?, ?, ?, ?) RETURNING id',
        [conversationId, authorId, enc(text), now],
      );
      const author = (await getUser(authorId))?.displayName ?? '?';
      return { id: Number(row?.id), at: now, author, text };
    },
    async listNotes(conversationId) {
      const rows = await db.all<{ id: number; created_at: number; author: string | null; text_enc: Buffer }>(
        `SELECT n.id, n.created_at, u.display_name AS author, n.text_enc
         FROM console_notes n LEFT JOIN console_users u ON u.id = n.author_id
         WHERE n.conversation_id = ? ORDER BY n.id`,
        [conversationId],
      );
      return rows.map(
        (r): Note => ({
          id: Number(r.id),
          at: Number(r.created_at),
          author: r.author ?? '?',
          text: dec(r.text_enc),
        }),
      );
    },

    async listCanned() {
      const rows = await db.all<{ id: number; title: string; text_json: string }>(
        'SELECT id, title, text_json FROM console_canned ORDER BY id',
      );
      return rows.map((r) => ({ id: Number(r.id), title: r.title, text: JSON.parse(r.text_json) }));
    },
    async createCanned({ title, text, now }) {
      const row = await db.get<{ id: number }>(
        'INSERT INTO console_canned (title, text_json, created_at, updated_at) VALUES (?, ?, ?, ?) RETURNING id',
        [title, JSON.stringify(text), now, now],
      );
      return (await getCanned(Number(row?.id))) as CannedReply;
    },
    async updateCanned(id, { title, text, now }) {
      const r = await db.run(
        'UPDATE console_canned SET title = ?, text_json = ?, updated_at = ? WHERE id = ?',
        [title, JSON.stringify(text), now, id],
      );
      return r.changes === 1 ? getCanned(id) : undefined;
    },
    deleteCanned: async (id) => (await db.run('DELETE FROM console_canned WHERE id = ?', [id])).changes === 1,
    async seedCanned(defaults, now) {
      await db.transaction(async (q) => {
        const row = await q.get<{ n: number }>('SELECT count(*) AS n FROM console_canned');
        if (Number(row?.n ?? 0) > 0) return;
        for (const d of defaults) {
          await q.run(
            'INSERT INTO console_canned (title, text_json, created_at, updated_at) VALUES (?, ?, ?, ?)',
            [d.title, JSON.stringify(d.text), now, now],
          );
        }
      }, 'seed-canned');
    },

    async listDirectoryAdmin() {
      const rows = await db.all<DirectoryRow>(
        'SELECT * FROM directory ORDER BY region IS NOT NULL, region, id',
      );
      return rows.map(toDirectory);
    },
    getDirectoryEntry,
    async createDirectoryEntry(e, now) {
      const row = await db.get<{ id: number }>(
        `INSERT INTO directory (region, name_json, phone, hours, languages, note_json, source, checked_on, hidden, updated_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, 0, ?) RETURNING id`,
        [...directoryValues(e), now],
      );
      return (await getDirectoryEntry(Number(row?.id))) as DirectoryAdminEntry;
    },
    async updateDirectoryEntry(id, e, now) {
      const r = await db.run(
        `UPDATE directory SET region = ?, name_json = ?, phone = ?, hours = ?, languages = ?, note_json = ?,
           source = ?, checked_on = ?, updated_at = ? WHERE id = ?`,
        [...directoryValues(e), now, id],
      );
      return r.changes === 1 ? getDirectoryEntry(id) : undefined;
    },
    async setDirectoryHidden(id, hidden, now) {
      const r = await db.run('UPDATE directory SET hidden = ?, updated_at = ? WHERE id = ?', [
        hidden ? 1 : 0,
        now,
        id,
      ]);
      return r.changes === 1 ? getDirectoryEntry(id) : undefined;
    },

    setBlocked: async (contactId, blocked) =>
      void (await db.run('UPDATE contacts SET blocked = ? WHERE id = ?', [blocked ? 1 : 0, contactId])),
  };
}
