/**
 * The one place that touches SQL. better-sqlite3 is synchronous, so a transaction here can never
 * interleave with another message's work in this process.
 */
import { mkdirSync, readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import type { FlowId, Who } from '../../flows/contract.js';
import type {
  ContactRecord,
  ConversationRecord,
  ConversationStatus,
  OutboxItem,
  Store,
} from '../core/ports.js';
import type { Channel, Lang, OutboundMessage, RiskLevel } from '../core/types.js';
import type { Cipher } from '../privacy/cipher.js';
import { migrations } from './migrations.js';

const PRIORITY: Record<RiskLevel, number> = { immediate: 0, high: 1, standard: 2 };

interface ConversationRow {
  id: number;
  contact_id: string;
  channel: Channel;
  lang: Lang | null;
  status: ConversationStatus;
  flow: FlowId;
  flow_version: number;
  snapshot_enc: Buffer | null;
  risk_level: RiskLevel | null;
  who: Who | null;
  created_at: number;
  updated_at: number;
}

interface ContactRow {
  id: string;
  channel: Channel;
  address_enc: Buffer;
  lang: Lang | null;
  subscribed: number;
  unreachable: number;
  source: string | null;
}

export function openDatabase(path: string): Database.Database {
  if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
  const db = new Database(path);
  db.pragma('journal_mode = WAL');
  // NORMAL is durable across process crashes in WAL mode; only an OS crash may lose the last commits.
  db.pragma('synchronous = NORMAL');
  db.pragma('foreign_keys = ON');
  db.pragma('busy_timeout = 5000');
  migrate(db);
  return db;
}

export function migrate(db: Database.Database): void {
  const current = db.pragma('user_version', { simple: true }) as number;
  for (let v = current; v < migrations.length; v++) {
    db.transaction(() => {
      db.exec(migrations[v] as string);
      db.pragma(`user_version = ${v + 1}`);
    })();
  }
  const count = db.prepare('SELECT count(*) AS n FROM directory').get() as { n: number };
  if (count.n === 0) seedDirectory(db);
}

function seedDirectory(db: Database.Database): void {
  const entries = JSON.parse(
    readFileSync(new URL('./seed/directory.json', import.meta.url), 'utf8'),
  ) as Array<{
    phone: string;
    name: Record<Lang, string>;
    note: Record<Lang, string> | null;
    source: string;
    checkedOn: string;
  }>;
  const insert = db.prepare(
    'INSERT INTO directory (region, name_json, phone, note_json, source, checked_on) VALUES (NULL, ?, ?, ?, ?, ?)',
  );
  for (const e of entries) {
    insert.run(
      JSON.stringify(e.name),
      e.phone,
      e.note ? JSON.stringify(e.note) : null,
      e.source,
      e.checkedOn,
    );
  }
}

export function createSqliteStore(db: Database.Database, cipher: Cipher): Store {
  const enc = (s: string) => cipher.encrypt(s);
  const dec = (b: Buffer) => cipher.decrypt(b);

  const toConversation = (r: ConversationRow): ConversationRecord => ({
    id: r.id,
    contactId: r.contact_id,
    channel: r.channel,
    lang: r.lang,
    status: r.status,
    flow: r.flow,
    flowVersion: r.flow_version,
    snapshot: r.snapshot_enc ? JSON.parse(dec(r.snapshot_enc)) : null,
    riskLevel: r.risk_level,
    who: r.who,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  });
  const toContact = (r: ContactRow): ContactRecord => ({
    id: r.id,
    channel: r.channel,
    address: dec(r.address_enc),
    lang: r.lang,
    subscribed: r.subscribed === 1,
    unreachable: r.unreachable === 1,
    source: r.source,
  });

  const q = {
    seen: db.prepare('INSERT OR IGNORE INTO inbound_seen (key, created_at) VALUES (?, ?)'),
    getContact: db.prepare('SELECT * FROM contacts WHERE id = ?'),
    insertContact: db.prepare(
      'INSERT INTO contacts (id, channel, address_enc, created_at, last_seen_at) VALUES (?, ?, ?, ?, ?)',
    ),
    touchContact: db.prepare('UPDATE contacts SET last_seen_at = ?, unreachable = 0 WHERE id = ?'),
    setLang: db.prepare('UPDATE contacts SET lang = ? WHERE id = ?'),
    setSubscribed: db.prepare('UPDATE contacts SET subscribed = ? WHERE id = ?'),
    setSource: db.prepare('UPDATE contacts SET source = ? WHERE id = ?'),
    setUnreachable: db.prepare('UPDATE contacts SET unreachable = ? WHERE id = ?'),
    getConversation: db.prepare('SELECT * FROM conversations WHERE contact_id = ?'),
    insertConversation: db.prepare(
      `INSERT INTO conversations (contact_id, channel, lang, status, flow, flow_version, snapshot_enc, risk_level, who, created_at, updated_at)
       VALUES (@contactId, @channel, @lang, @status, @flow, @flowVersion, @snapshot, @riskLevel, @who, @now, @now)`,
    ),
    updateConversation: db.prepare(
      `UPDATE conversations SET lang = @lang, status = @status, flow = @flow, flow_version = @flowVersion,
       snapshot_enc = @snapshot, risk_level = @riskLevel, who = @who, updated_at = @now WHERE id = @id`,
    ),
    insertMessage: db.prepare(
      'INSERT INTO messages (conversation_id, direction, text_enc, platform_ref_enc, created_at) VALUES (?, ?, ?, ?, ?)',
    ),
    refsSince: db.prepare(
      'SELECT platform_ref_enc FROM messages WHERE conversation_id = ? AND created_at >= ? AND platform_ref_enc IS NOT NULL ORDER BY id',
    ),
    insertOutbox: db.prepare(
      `INSERT INTO outbox (conversation_id, contact_id, message_id, channel, address_enc, payload_enc, status, next_attempt_at, created_at)
       VALUES (?, ?, ?, ?, ?, ?, 'pending', ?, ?)`,
    ),
    // The oldest unsent item of each conversation, if it is due: per-conversation order is kept
    // because a later item is never claimed while an earlier one is pending or sending.
    claimable: db.prepare(
      `SELECT o.* FROM outbox o
       WHERE o.status = 'pending' AND o.next_attempt_at <= @now AND o.channel IN (SELECT value FROM json_each(@channels))
         AND NOT EXISTS (
           SELECT 1 FROM outbox p
           WHERE p.status IN ('pending','sending') AND p.id < o.id
             AND (p.conversation_id = o.conversation_id OR (o.conversation_id IS NULL AND p.contact_id = o.contact_id))
         )
       ORDER BY o.id LIMIT @limit`,
    ),
    claim: db.prepare(
      `UPDATE outbox SET status = 'sending', attempts = attempts + 1 WHERE id = ? AND status = 'pending'`,
    ),
    sent: db.prepare(
      `UPDATE outbox SET status = 'sent', done_at = ?, last_error = NULL, payload_enc = X'', address_enc = X'' WHERE id = ? RETURNING message_id`,
    ),
    setRefs: db.prepare('UPDATE messages SET platform_ref_enc = ? WHERE id = ?'),
    retry: db.prepare(
      `UPDATE outbox SET status = 'pending', last_error = ?, next_attempt_at = ? WHERE id = ?`,
    ),
    failed: db.prepare(
      `UPDATE outbox SET status = 'failed', last_error = ?, done_at = ?, payload_enc = X'', address_enc = X'' WHERE id = ?`,
    ),
    failPending: db.prepare(
      `UPDATE outbox SET status = 'failed', last_error = ?, done_at = ?, payload_enc = X'', address_enc = X''
       WHERE contact_id = ? AND status = 'pending'`,
    ),
    release: db.prepare(`UPDATE outbox SET status = 'pending' WHERE status = 'sending'`),
    pendingCount: db.prepare(`SELECT count(*) AS n FROM outbox WHERE status IN ('pending','sending')`),
    enqueueHandoff: db.prepare(
      `INSERT INTO handoff_queue (conversation_id, priority, queued_at) VALUES (?, ?, ?)
       ON CONFLICT(conversation_id) DO UPDATE SET priority = min(priority, excluded.priority)`,
    ),
    cancelHandoff: db.prepare('DELETE FROM handoff_queue WHERE conversation_id = ?'),
    position: db.prepare(
      `SELECT (SELECT count(*) FROM handoff_queue o WHERE o.priority < q.priority
                 OR (o.priority = q.priority AND (o.queued_at < q.queued_at
                     OR (o.queued_at = q.queued_at AND o.conversation_id < q.conversation_id)))) + 1 AS pos
       FROM handoff_queue q WHERE q.conversation_id = ?`,
    ),
    directory: db.prepare(
      'SELECT * FROM directory WHERE region IS NULL OR region = ? ORDER BY region IS NOT NULL DESC, id',
    ),
    eraseOutbox: db.prepare(`DELETE FROM outbox WHERE contact_id = ?`),
    eraseContact: db.prepare('DELETE FROM contacts WHERE id = ?'),
    purgeMessages: db.prepare('DELETE FROM messages WHERE created_at < ?'),
    purgeConversations: db.prepare(`DELETE FROM conversations WHERE status = 'closed' AND updated_at < ?`),
    purgeOutbox: db.prepare(`DELETE FROM outbox WHERE status IN ('sent','failed') AND done_at < ?`),
    purgeSeen: db.prepare('DELETE FROM inbound_seen WHERE created_at < ?'),
    // People who have not written for the whole retention time: everything about them goes,
    // unless they asked for news; then only their conversation's answers and risk level go.
    purgeIdleContacts: db.prepare('DELETE FROM contacts WHERE last_seen_at < ? AND subscribed = 0'),
    forgetIdleConversations: db.prepare(
      `UPDATE conversations SET snapshot_enc = NULL, risk_level = NULL, who = NULL, flow = 'menu', status = 'bot'
       WHERE updated_at < ? AND (snapshot_enc IS NOT NULL OR risk_level IS NOT NULL OR who IS NOT NULL)`,
    ),
    purgeIdleQueue: db.prepare(
      'DELETE FROM handoff_queue WHERE conversation_id IN (SELECT id FROM conversations WHERE updated_at < ?)',
    ),
  };

  return {
    transaction: (fn) => db.transaction(fn)(),

    markInboundSeen: (key, now) => q.seen.run(key, now).changes === 1,

    getContact(id) {
      const row = q.getContact.get(id) as ContactRow | undefined;
      return row ? toContact(row) : undefined;
    },
    upsertContact({ id, channel, address, now }) {
      const row = q.getContact.get(id) as ContactRow | undefined;
      if (row) {
        q.touchContact.run(now, id);
        return toContact({ ...row, unreachable: 0 });
      }
      q.insertContact.run(id, channel, enc(address), now, now);
      return { id, channel, address, lang: null, subscribed: false, unreachable: false, source: null };
    },
    setContactLang: (id, lang) => void q.setLang.run(lang, id),
    setContactSubscribed: (id, s) => void q.setSubscribed.run(s ? 1 : 0, id),
    setContactSource: (id, source) => void q.setSource.run(source, id),
    setContactUnreachable: (id, u) => void q.setUnreachable.run(u ? 1 : 0, id),

    getConversation(contactId) {
      const row = q.getConversation.get(contactId) as ConversationRow | undefined;
      return row ? toConversation(row) : undefined;
    },
    createConversation(c, now) {
      const info = q.insertConversation.run({
        ...c,
        snapshot: c.snapshot == null ? null : enc(JSON.stringify(c.snapshot)),
        now,
      });
      return { ...c, id: Number(info.lastInsertRowid), createdAt: now, updatedAt: now };
    },
    saveConversation(c, now) {
      q.updateConversation.run({
        ...c,
        snapshot: c.snapshot == null ? null : enc(JSON.stringify(c.snapshot)),
        now,
      });
    },

    appendMessage: ({ conversationId, direction, text, platformRef, now }) =>
      Number(
        q.insertMessage.run(conversationId, direction, enc(text), platformRef ? enc(platformRef) : null, now)
          .lastInsertRowid,
      ),
    platformRefsSince(conversationId, since) {
      const rows = q.refsSince.all(conversationId, since) as Array<{ platform_ref_enc: Buffer }>;
      return rows.flatMap((r) => JSON.parse(dec(r.platform_ref_enc)) as string[]);
    },

    enqueueOutbox: ({ conversationId, contactId, channel, address, message, messageId, now }) =>
      Number(
        q.insertOutbox.run(
          conversationId,
          contactId,
          messageId ?? null,
          channel,
          enc(address),
          enc(JSON.stringify(message)),
          now,
          now,
        ).lastInsertRowid,
      ),
    claimOutbox(now, limit, channels) {
      return db.transaction(() => {
        const rows = q.claimable.all({ now, limit, channels: JSON.stringify(channels) }) as Array<{
          id: number;
          conversation_id: number | null;
          contact_id: string | null;
          channel: Channel;
          address_enc: Buffer;
          payload_enc: Buffer;
          attempts: number;
        }>;
        return rows
          .filter((r) => q.claim.run(r.id).changes === 1)
          .map(
            (r): OutboxItem => ({
              id: r.id,
              conversationId: r.conversation_id,
              contactId: r.contact_id,
              channel: r.channel,
              address: dec(r.address_enc),
              message: JSON.parse(dec(r.payload_enc)) as OutboundMessage,
              attempts: r.attempts + 1,
            }),
          );
      })();
    },
    markOutboxSent(id, refs, now) {
      db.transaction(() => {
        const row = q.sent.get(now, id) as { message_id: number | null } | undefined;
        if (row?.message_id != null && refs.length > 0)
          q.setRefs.run(enc(JSON.stringify(refs)), row.message_id);
      })();
    },
    markOutboxRetry: (id, error, nextAttemptAt) => void q.retry.run(error, nextAttemptAt, id),
    markOutboxFailed: (id, error, now) => void q.failed.run(error, now, id),
    failPendingOutbox: (contactId, error, now) => q.failPending.run(error, now, contactId).changes,
    releaseStaleClaims: () => q.release.run().changes,
    pendingOutboxCount: () => (q.pendingCount.get() as { n: number }).n,

    enqueueHandoff: (conversationId, riskLevel, now) =>
      void q.enqueueHandoff.run(conversationId, riskLevel ? PRIORITY[riskLevel] : 2, now),
    cancelHandoff: (conversationId) => void q.cancelHandoff.run(conversationId),
    queuePosition(conversationId) {
      const row = q.position.get(conversationId) as { pos: number } | undefined;
      return row ? row.pos : null;
    },

    listDirectory(region) {
      const rows = q.directory.all(region) as Array<{
        id: number;
        region: string | null;
        name_json: string;
        phone: string;
        note_json: string | null;
        source: string;
        checked_on: string;
      }>;
      return rows.map((r) => ({
        id: r.id,
        region: r.region,
        name: JSON.parse(r.name_json),
        phone: r.phone,
        note: r.note_json ? JSON.parse(r.note_json) : null,
        source: r.source,
        checkedOn: r.checked_on,
      }));
    },

    eraseContact(contactId) {
      db.transaction(() => {
        // conversations, messages and the queue entry go with the contact (ON DELETE CASCADE)
        q.eraseOutbox.run(contactId);
        q.eraseContact.run(contactId);
      })();
    },
    purgeExpired(before) {
      return db.transaction(() => {
        q.purgeSeen.run(before);
        const removed = {
          contacts: q.purgeIdleContacts.run(before).changes,
          messages: q.purgeMessages.run(before).changes,
          conversations: q.purgeConversations.run(before).changes,
          outbox: q.purgeOutbox.run(before).changes,
        };
        // what is left idle belongs to subscribers: keep the contact, forget the conversation
        q.purgeIdleQueue.run(before);
        q.forgetIdleConversations.run(before);
        return removed;
      })();
    },

    close: () => db.close(),
  };
}
