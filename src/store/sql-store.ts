/**
 * The store, written once against `SqlDb` for SQLite and PostgreSQL. The only place with SQL
 * (with the two backends' migrations). Columns ending in `_enc` are AES-256-GCM ciphertext.
 */
import type { FlowId, Who } from '../../flows/contract.js';
import { ConcurrencyError } from '../core/errors.js';
import type {
  Author,
  ContactRecord,
  ConversationRecord,
  ConversationStatus,
  DirectoryEntry,
  OutboxItem,
  OutboxLane,
  Store,
  StoreTx,
  UnreadableOutboxRow,
} from '../core/ports.js';
import { OUTBOX_LANES } from '../core/ports.js';
import type { Channel, Lang, OutboundMessage, RiskLevel } from '../core/types.js';
import type { Cipher } from '../privacy/cipher.js';
import { lockKey } from './postgres/lock-key.js';
import { nationalLines } from './seed/national-lines.js';
import { type SqlDb, sqlLimit } from './sql.js';

export const PRIORITY: Record<RiskLevel, number> = { immediate: 0, high: 1, standard: 2 };
const EMPTY = Buffer.alloc(0);
/** How stale `contacts.last_seen_at` may get before a message rewrites it. */
export const LAST_SEEN_GRANULARITY_MS = 60_000;
/** Rows the retention purge removes per transaction. */
export const PURGE_BATCH = 500;
/** People per purge transaction: each takes their conversations and messages with them. */
const PURGE_CONTACT_BATCH = 100;

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
  assignee: number | null;
  outcome: string | null;
  inbound_window_at: number | null;
  inbound_window_count: number;
  version: number;
  created_at: number;
  updated_at: number;
}

/**
 * The columns a conversation record is read from (ConversationRow). Not `*`: every BLOB column
 * read becomes a Buffer, and the screening answers are read only by the console.
 */
const CONVERSATION_COLUMNS = `id, contact_id, channel, lang, status, flow, flow_version, snapshot_enc, risk_level, who,
  assignee, outcome, inbound_window_at, inbound_window_count, version, created_at, updated_at`;

interface ContactRow {
  id: string;
  channel: Channel;
  address_enc: Buffer;
  lang: Lang | null;
  subscribed: number;
  unreachable: number;
  source: string | null;
  blocked?: number;
}

interface OutboxRow {
  id: number;
  conversation_id: number | null;
  contact_id: string;
  channel: Channel;
  address_enc: Buffer;
  payload_enc: Buffer;
  attempts: number;
  parts_sent: number;
  created_at: number;
}

/** A delivery waiting to be recorded as sent (see markOutboxSent). */
interface SentRow {
  id: number;
  refs: string[];
  now: number;
  resolve: () => void;
  reject: (error: unknown) => void;
}

export interface SqlStoreOptions {
  /** Lease of an outbox claim: a claim older than this is taken to belong to a dead instance. */
  claimLeaseMs?: number;
}

export async function createSqlStore(db: SqlDb, cipher: Cipher): Promise<Store> {
  await seedDirectory(db);
  const enc = (s: string) => cipher.encrypt(s);
  const dec = (b: Buffer) => cipher.decrypt(b);
  const skipLocked = db.dialect === 'postgres' ? ' FOR UPDATE SKIP LOCKED' : '';
  // PostgreSQL may run an `IN (… LIMIT n FOR UPDATE SKIP LOCKED)` subquery as a join that claims
  // more than n rows; an ARRAY() of it is evaluated once.
  const pickedIn = db.dialect === 'postgres' ? '= ANY(ARRAY' : 'IN ';
  const pickedEnd = db.dialect === 'postgres' ? ')' : '';

  /** The status each record had when it was read or written, so a save can tell whether it changed. */
  const statusAsRead = new WeakMap<ConversationRecord, ConversationStatus>();
  const asRead = (c: ConversationRecord): ConversationRecord => {
    statusAsRead.set(c, c.status);
    return c;
  };
  const toConversation = (r: ConversationRow): ConversationRecord =>
    asRead({
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
      assignee: r.assignee,
      outcome: r.outcome,
      inboundWindow:
        r.inbound_window_at == null
          ? null
          : { since: Number(r.inbound_window_at), count: Number(r.inbound_window_count) },
      version: r.version,
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
    blocked: Number(r.blocked ?? 0) === 1,
  });

  /** Decrypts claimed rows; a row that cannot be read fails at once instead of stopping the rest. */
  async function readClaimed(
    q: SqlDb,
    rows: OutboxRow[],
    now: number,
  ): Promise<{ items: OutboxItem[]; unreadable: UnreadableOutboxRow[] }> {
    const items: OutboxItem[] = [];
    const unreadable: UnreadableOutboxRow[] = [];
    for (const r of rows) {
      try {
        items.push({
          id: r.id,
          conversationId: r.conversation_id,
          contactId: r.contact_id,
          channel: r.channel,
          address: dec(r.address_enc),
          message: JSON.parse(dec(r.payload_enc)) as OutboundMessage,
          attempts: r.attempts,
          partsSent: r.parts_sent,
          createdAt: r.created_at,
        });
      } catch (error) {
        const reason = `unreadable: ${error instanceof Error ? error.message : 'unknown'}`.slice(0, 200);
        await finish(q, r.id, r.contact_id, 'failed', reason, now);
        unreadable.push({ id: r.id, channel: r.channel, reason });
      }
    }
    return { items, unreadable };
  }

  /** Ends an outbox row and makes the person's next unsent row the claimable head. */
  async function finish(
    q: SqlDb,
    id: number,
    contactId: string,
    status: 'sent' | 'failed',
    error: string | null,
    now: number,
  ): Promise<void> {
    // A delivered row keeps no text, no address and no link to the person (so the goodbye rows of
    // an erase leave nothing about them); a failed one keeps its ciphertext (a counsellor may
    // re-send it) until retention removes it.
    await q.run(
      status === 'sent'
        ? `UPDATE outbox SET status = 'sent', head = 0, done_at = ?, last_error = ?, payload_enc = ?, address_enc = ?, contact_id = NULL WHERE id = ?`
        : `UPDATE outbox SET status = 'failed', head = 0, done_at = ?, last_error = ? WHERE id = ?`,
      status === 'sent' ? [now, error, EMPTY, EMPTY, id] : [now, error, id],
    );
    await promoteHead(q, contactId);
  }

  async function promoteHead(q: SqlDb, contactId: string): Promise<void> {
    await q.run(
      `UPDATE outbox SET head = 1 WHERE id = (
         SELECT id FROM outbox WHERE contact_id = ? AND status IN ('pending','sending') ORDER BY id LIMIT 1)`,
      [contactId],
    );
  }

  /** Adds platform refs to a logged message (the parts of a split message arrive in steps). */
  async function addRefs(q: SqlDb, messageId: number, refs: string[]): Promise<void> {
    // Most messages get their refs once, all at the end of the send: nothing to read and merge.
    const first = await q.run(
      'UPDATE messages SET platform_ref_enc = ? WHERE id = ? AND platform_ref_enc IS NULL',
      [enc(JSON.stringify([...new Set(refs)])), messageId],
    );
    if (first.changes === 1) return;
    const row = await q.get<{ platform_ref_enc: Buffer | null }>(
      'SELECT platform_ref_enc FROM messages WHERE id = ?',
      [messageId],
    );
    const known = row?.platform_ref_enc ? (JSON.parse(dec(row.platform_ref_enc)) as string[]) : [];
    const all = [...new Set([...known, ...refs])];
    await q.run('UPDATE messages SET platform_ref_enc = ? WHERE id = ?', [
      enc(JSON.stringify(all)),
      messageId,
    ]);
  }

  /** Ends a broadcast subscription: the consent record goes, unsent campaign deliveries are skipped. */
  async function endSubscription(q: SqlDb, contactId: string): Promise<void> {
    await q.run('DELETE FROM broadcast_subscriptions WHERE contact_id = ?', [contactId]);
    await q.run(
      `UPDATE broadcast_deliveries SET status = 'skipped', error = 'stopped' WHERE contact_id = ? AND status = 'pending'`,
      [contactId],
    );
  }

  const contactOf = async (id: number) =>
    (await db.get<{ contact_id: string }>('SELECT contact_id FROM outbox WHERE id = ?', [id]))?.contact_id;

  function txApi(q: SqlDb, afterCommit: (fn: () => void) => void = (fn) => fn()): StoreTx {
    const tx: StoreTx = {
      afterCommit,
      async markInboundSeen(key, now) {
        const r = await q.run(
          'INSERT INTO inbound_seen (key, created_at) VALUES (?, ?) ON CONFLICT DO NOTHING',
          [key, now],
        );
        return r.changes === 1;
      },

      async getContact(id) {
        const row = await q.get<ContactRow>('SELECT * FROM contacts WHERE id = ?', [id]);
        return row ? toContact(row) : undefined;
      },
      async upsertContact({ id, channel, address, now }) {
        // not the stored address (a BLOB read is a Buffer made): the caller has it in hand
        const row = await q.get<Omit<ContactRow, 'address_enc'> & { last_seen_at: number }>(
          'SELECT channel, lang, subscribed, unreachable, source, blocked, last_seen_at FROM contacts WHERE id = ?',
          [id],
        );
        if (row) {
          // An unchanged row is not rewritten: last seen is kept to the minute (retention counts
          // days), so a conversation's every message does not rewrite the contact and its index.
          if (row.unreachable === 1 || now - Number(row.last_seen_at) >= LAST_SEEN_GRANULARITY_MS)
            await q.run('UPDATE contacts SET last_seen_at = ?, unreachable = 0 WHERE id = ?', [now, id]);
          // The caller reaches the person at `address` (the contact id is its keyed hash):
          // no need to decrypt the stored copy on every message.
          return {
            id,
            channel: row.channel,
            address,
            lang: row.lang,
            subscribed: row.subscribed === 1,
            unreachable: false,
            source: row.source,
            blocked: Number(row.blocked ?? 0) === 1,
          };
        }
        await q.run(
          'INSERT INTO contacts (id, channel, address_enc, created_at, last_seen_at) VALUES (?, ?, ?, ?, ?)',
          [id, channel, enc(address), now, now],
        );
        return {
          id,
          channel,
          address,
          lang: null,
          subscribed: false,
          unreachable: false,
          source: null,
          blocked: false,
        };
      },
      setContactLang: async (id, lang) =>
        void (await q.run('UPDATE contacts SET lang = ? WHERE id = ?', [lang, id])),
      async setContactSubscribed(id, s, consent) {
        await q.run('UPDATE contacts SET subscribed = ? WHERE id = ?', [s ? 1 : 0, id]);
        if (!s) return endSubscription(q, id);
        if (consent)
          await q.run(
            `INSERT INTO broadcast_subscriptions (contact_id, channel, lang, consented_at) VALUES (?, ?, ?, ?)
             ON CONFLICT (contact_id) DO UPDATE SET channel = excluded.channel, lang = excluded.lang,
               consented_at = excluded.consented_at`,
            [id, consent.channel, consent.lang, consent.now],
          );
      },
      setContactSource: async (id, source) =>
        void (await q.run('UPDATE contacts SET source = ? WHERE id = ?', [source, id])),
      async setContactUnreachable(id, u) {
        // Blocked the bot: broadcasts end too (unblocking and writing again does not restart them).
        await q.run(`UPDATE contacts SET unreachable = ?${u ? ', subscribed = 0' : ''} WHERE id = ?`, [
          u ? 1 : 0,
          id,
        ]);
        if (u) await endSubscription(q, id);
      },

      async getConversation(contactId) {
        const row = await q.get<ConversationRow>(
          `SELECT ${CONVERSATION_COLUMNS} FROM conversations WHERE contact_id = ? AND status <> 'closed' ORDER BY id DESC LIMIT 1`,
          [contactId],
        );
        return row ? toConversation(row) : undefined;
      },
      async getConversationById(id) {
        const row = await q.get<ConversationRow>(
          `SELECT ${CONVERSATION_COLUMNS} FROM conversations WHERE id = ?`,
          [id],
        );
        return row ? toConversation(row) : undefined;
      },
      async createConversation(c, now) {
        const row = await q.get<{ id: number }>(
          `INSERT INTO conversations (contact_id, channel, lang, status, flow, flow_version, snapshot_enc,
             risk_level, who, assignee, version, created_at, updated_at)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0, ?, ?) RETURNING id`,
          [
            c.contactId,
            c.channel,
            c.lang,
            c.status,
            c.flow,
            c.flowVersion,
            c.snapshot == null ? null : enc(JSON.stringify(c.snapshot)),
            c.riskLevel,
            c.who,
            c.assignee ?? null,
            now,
            now,
          ],
        );
        return asRead({
          ...c,
          assignee: c.assignee ?? null,
          id: Number(row?.id),
          version: 0,
          createdAt: now,
          updatedAt: now,
        });
      },
      async saveConversation(c, now) {
        // Most turns leave the status as it was: then the UPDATE does not name it, so SQLite does
        // not rewrite the `conversations_open` index entry (a page per turn) for nothing.
        const sameStatus = statusAsRead.get(c) === c.status;
        const r = await q.run(
          `UPDATE conversations SET lang = ?,${sameStatus ? '' : ' status = ?,'} flow = ?, flow_version = ?, snapshot_enc = ?,
             risk_level = ?, who = ?, assignee = ?, outcome = ?, inbound_window_at = ?, inbound_window_count = ?,
             version = version + 1, updated_at = ?,
             closed_at = COALESCE(?, closed_at), screening_enc = COALESCE(?, screening_enc)
           WHERE id = ? AND version = ?`,
          [
            c.lang,
            ...(sameStatus ? [] : [c.status]),
            c.flow,
            c.flowVersion,
            c.snapshot == null ? null : enc(JSON.stringify(c.snapshot)),
            c.riskLevel,
            c.who,
            c.assignee,
            c.outcome ?? null,
            c.inboundWindow?.since ?? null,
            c.inboundWindow?.count ?? 0,
            now,
            c.status === 'closed' ? now : null,
            c.screening ? enc(JSON.stringify(c.screening)) : null,
            c.id,
            c.version,
          ],
        );
        if (r.changes !== 1) throw new ConcurrencyError(`conversation ${c.id} changed since it was read`);
        return asRead({ ...c, version: c.version + 1, updatedAt: now });
      },

      async appendMessage({ conversationId, direction, author, text, platformRef, sos, now }) {
        const a: Author = author ?? (direction === 'in' ? { kind: 'person' } : { kind: 'bot' });
        const row = await q.get<{ id: number }>(
          `INSERT INTO messages (conversation_id, direction, text_enc, platform_ref_enc, created_at, author_kind, author_id, sos)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
          [
            conversationId,
            direction,
            enc(text),
            platformRef ? enc(platformRef) : null,
            now,
            a.kind,
            a.kind === 'counsellor' ? a.accountId : null,
            sos ? 1 : 0,
          ],
        );
        return Number(row?.id);
      },
      async recentInboundCount(conversationId, since, limit) {
        // walks messages_by_conversation from `since`, stopping at `limit` rows
        const row = await q.get<{ n: number }>(
          `SELECT count(*) AS n FROM (SELECT 1 FROM messages
             WHERE conversation_id = ? AND created_at > ? AND direction = 'in' ${sqlLimit(limit)}) recent`,
          [conversationId, since],
        );
        return Number(row?.n ?? 0);
      },
      async platformRefsSince(contactId, since) {
        const rows = await q.all<{ platform_ref_enc: Buffer }>(
          `SELECT m.platform_ref_enc FROM messages m JOIN conversations c ON c.id = m.conversation_id
           WHERE c.contact_id = ? AND m.created_at >= ? AND m.platform_ref_enc IS NOT NULL ORDER BY m.id`,
          [contactId, since],
        );
        return rows.flatMap((r) => JSON.parse(dec(r.platform_ref_enc)) as string[]);
      },

      async enqueueOutbox({ conversationId, contactId, channel, address, message, messageId, lane, now }) {
        // Callers hold the person's lock (a turn, a counsellor's reply), so "is there an earlier
        // unsent row?" cannot race with the dispatcher promoting the next head.
        // A row without its own address is delivered to the contact's (read when claimed), so a
        // turn encrypts no second copy of it. The head flag is decided in the same statement.
        const row = await q.get<{ id: number }>(
          `INSERT INTO outbox (conversation_id, contact_id, message_id, channel, address_enc, payload_enc, status,
             next_attempt_at, created_at, lane, head)
           VALUES (?, ?, ?, ?, ?, ?, 'pending', ?, ?, ?, CASE WHEN EXISTS (
             SELECT 1 FROM outbox WHERE contact_id = ? AND status IN ('pending','sending')) THEN 0 ELSE 1 END)
           RETURNING id`,
          [
            conversationId,
            contactId,
            messageId ?? null,
            channel,
            address === undefined ? EMPTY : enc(address),
            enc(JSON.stringify(message)),
            now,
            now,
            lane ?? 'live',
            contactId,
          ],
        );
        return Number(row?.id);
      },

      async enqueueClaimed(item, address) {
        const { conversationId, contactId, channel, message, messageId, lane, now } = item;
        const earlier = await q.get(
          `SELECT 1 AS x FROM outbox WHERE contact_id = ? AND status IN ('pending','sending') LIMIT 1`,
          [contactId],
        );
        if (earlier) {
          await tx.enqueueOutbox(item);
          return undefined;
        }
        // claimed as claimIn does (status, claimed_at, attempts), never in the ready index
        const row = await q.get<{ id: number }>(
          `INSERT INTO outbox (conversation_id, contact_id, message_id, channel, address_enc, payload_enc, status,
             next_attempt_at, created_at, lane, head, claimed_at, attempts)
           VALUES (?, ?, ?, ?, ?, ?, 'sending', ?, ?, ?, 1, ?, 1) RETURNING id`,
          [
            conversationId,
            contactId,
            messageId ?? null,
            channel,
            item.address === undefined ? EMPTY : enc(item.address),
            enc(JSON.stringify(message)),
            now,
            now,
            lane ?? 'live',
            now,
          ],
        );
        return {
          id: Number(row?.id),
          conversationId,
          contactId,
          channel,
          address: item.address ?? address,
          message,
          attempts: 1,
          partsSent: 0,
          createdAt: now,
        };
      },

      async enqueueHandoff(conversationId, riskLevel, now) {
        await q.run(
          `INSERT INTO handoff_queue (conversation_id, priority, queued_at) VALUES (?, ?, ?)
           ON CONFLICT (conversation_id) DO UPDATE SET priority =
             CASE WHEN excluded.priority < handoff_queue.priority THEN excluded.priority ELSE handoff_queue.priority END`,
          [conversationId, riskLevel ? PRIORITY[riskLevel] : 2, now],
        );
      },
      cancelHandoff: async (conversationId) =>
        void (await q.run('DELETE FROM handoff_queue WHERE conversation_id = ?', [conversationId])),
      async queuePosition(conversationId) {
        const row = await q.get<{ pos: number }>(
          `SELECT (SELECT count(*) FROM handoff_queue o WHERE o.priority < q.priority
                     OR (o.priority = q.priority AND (o.queued_at < q.queued_at
                         OR (o.queued_at = q.queued_at AND o.conversation_id < q.conversation_id)))) + 1 AS pos
           FROM handoff_queue q WHERE q.conversation_id = ?`,
          [conversationId],
        );
        return row ? Number(row.pos) : null;
      },
      anyCounsellorOnDuty: async () =>
        (await q.get('SELECT 1 AS ok FROM console_users WHERE on_duty = 1 AND disabled = 0 LIMIT 1')) !==
        undefined,
      async claimLongWaitNotice(conversationId, now) {
        const r = await q.run(
          'UPDATE handoff_queue SET notified_at = ? WHERE conversation_id = ? AND notified_at IS NULL',
          [now, conversationId],
        );
        return r.changes === 1;
      },

      async listDirectory(region) {
        const rows = await q.all<{
          id: number;
          region: string | null;
          name_json: string;
          phone: string;
          note_json: string | null;
          source: string;
          checked_on: string;
        }>(
          // a hidden entry vanishes from the bot at once (the console hides it)
          'SELECT * FROM directory WHERE hidden = 0 AND (region IS NULL OR region = ?) ORDER BY region IS NOT NULL DESC, id',
          [region],
        );
        return rows.map(
          (r): DirectoryEntry => ({
            id: r.id,
            region: r.region,
            name: JSON.parse(r.name_json),
            phone: r.phone,
            note: r.note_json ? JSON.parse(r.note_json) : null,
            source: r.source,
            checkedOn: r.checked_on,
          }),
        );
      },

      async eraseContact(contactId) {
        // conversations, messages, notes and the queue entry go with the contact (ON DELETE CASCADE);
        // the console's audit entries about the person keep only that something was done
        await q.run('DELETE FROM outbox WHERE contact_id = ?', [contactId]);
        await q.run(
          `UPDATE console_audit SET contact_id = NULL, conversation_id = NULL, alias = NULL, detail_enc = NULL, erased = 1
           WHERE contact_id = ?`,
          [contactId],
        );
        // broadcasts: the consent, the person's campaign deliveries, an admin's test-send link
        for (const table of ['broadcast_deliveries', 'broadcast_subscriptions', 'broadcast_admin_links'])
          await q.run(`DELETE FROM ${table} WHERE contact_id = ?`, [contactId]);
        await q.run('DELETE FROM contacts WHERE id = ?', [contactId]);
      },
    };
    return tx;
  }

  const outside = txApi(db);

  /** Claims due heads matching `where` inside the caller's transaction. */
  async function claimIn(
    q: SqlDb,
    now: number,
    limit: number,
    where: string,
    params: Array<string | number>,
  ): Promise<{ items: OutboxItem[]; unreadable: UnreadableOutboxRow[] }> {
    const due = `SELECT id FROM outbox WHERE head = 1 AND status = 'pending' AND next_attempt_at <= ? AND ${where}
         ORDER BY next_attempt_at, id ${sqlLimit(limit)}`;
    const claimed = `UPDATE outbox SET status = 'sending', claimed_at = ?, attempts = attempts + 1 WHERE status = 'pending' AND id`;
    const returning =
      'RETURNING id, conversation_id, contact_id, channel, address_enc, payload_enc, attempts, parts_sent, created_at';
    let rows: OutboxRow[];
    if (db.dialect === 'sqlite') {
      // One connection owns the file: look first (a read of the small index), write only what is
      // due. Most looks find nothing, and an UPDATE that changes nothing still costs a write.
      const ids = await q.all<{ id: number }>(due, [now, ...params]);
      if (ids.length === 0) return { items: [], unreadable: [] };
      rows = await q.all<OutboxRow>(`${claimed} IN (SELECT value FROM json_each(?)) ${returning}`, [
        now,
        JSON.stringify(ids.map((r) => r.id)),
      ]);
    } else {
      // One statement: pick the due heads (skipping rows another instance holds) and claim them.
      rows = await q.all<OutboxRow>(`${claimed} ${pickedIn}(${due}${skipLocked})${pickedEnd} ${returning}`, [
        now,
        now,
        ...params,
      ]);
    }
    if (rows.length === 0) return { items: [], unreadable: [] };
    rows.sort((a, b) => Number(a.id) - Number(b.id));
    for (const row of rows) {
      if (row.address_enc.length > 0) continue;
      // the row goes to the contact's address (see enqueueOutbox)
      const contact = await q.get<{ address_enc: Buffer }>('SELECT address_enc FROM contacts WHERE id = ?', [
        row.contact_id,
      ]);
      row.address_enc = contact?.address_enc ?? EMPTY;
    }
    return readClaimed(q, rows, now);
  }

  // Delivered rows are recorded in groups: each markOutboxSent waits for the next transaction that
  // takes the queue — the dispatcher's next claim (which it starts right after a send, so one
  // transaction both finishes the rows and claims what they let through), or a flush of its own
  // one turn of the event loop later. Under load one transaction records many deliveries.
  const sentQueue: SentRow[] = [];
  let flushing: Promise<void> | undefined;

  /** Records the queued deliveries in the caller's transaction; returns the ones it took. */
  async function writeSent(q: SqlDb): Promise<SentRow[]> {
    const batch = sentQueue.splice(0);
    if (batch.length === 0) return batch;
    const rows: Array<{ sent: SentRow; contactId: string; messageId: number | null }> = [];
    for (const sent of batch) {
      // one read for both: a row's person and logged message never change
      const row = await q.get<{ contact_id: string | null; message_id: number | null }>(
        'SELECT contact_id, message_id FROM outbox WHERE id = ?',
        [sent.id],
      );
      if (row) rows.push({ sent, contactId: row.contact_id ?? '', messageId: row.message_id });
    }
    // PostgreSQL: promoting a person's next row must not race with their turn adding one (the
    // turn holds the person's lock), so take each person's lock, in one order (no deadlock).
    if (db.dialect === 'postgres') {
      const keys = [...new Set(rows.filter((r) => r.contactId).map((r) => lockKey(r.contactId)))].sort();
      for (const key of keys) await q.get('SELECT pg_advisory_xact_lock(CAST(? AS BIGINT))', [key]);
    }
    for (const { sent, contactId, messageId } of rows) {
      await finish(q, sent.id, contactId, 'sent', null, sent.now);
      if (messageId != null && sent.refs.length > 0) await addRefs(q, messageId, sent.refs);
    }
    return batch;
  }

  /** Runs `fn` in a transaction that first records the queued deliveries, and settles their calls. */
  async function withSent<T>(fn: (q: SqlDb) => Promise<T>): Promise<T> {
    let taken: SentRow[] = [];
    try {
      const result = await db.transaction(async (q) => {
        taken = await writeSent(q);
        return fn(q);
      });
      for (const s of taken) s.resolve();
      return result;
    } catch (error) {
      for (const s of taken) s.reject(error);
      throw error;
    }
  }

  function flushSent(): Promise<void> {
    flushing ??= (async () => {
      // one event-loop turn: a claim started right after the send takes the rows first
      await new Promise((r) => setImmediate(r));
      while (sentQueue.length > 0) {
        try {
          await withSent(async () => undefined);
        } catch (error) {
          // the database refused (busy, full): every waiting call hears it, none loops
          for (const s of sentQueue.splice(0)) s.reject(error);
        }
      }
    })().finally(() => {
      flushing = undefined;
    });
    return flushing;
  }

  const claimLanes = (now: number, limit: number, channels: readonly Channel[]) =>
    withSent(async (q) => {
      const items: OutboxItem[] = [];
      const unreadable: UnreadableOutboxRow[] = [];
      // Live lane first, per channel: each probe walks the small `outbox_ready` index. One
      // transaction for all of them.
      for (const lane of OUTBOX_LANES) {
        for (const channel of channels) {
          const free = limit - items.length;
          if (free <= 0) break;
          const got = await claimIn(q, now, free, 'channel = ? AND lane = ?', [channel, lane]);
          items.push(...got.items);
          unreadable.push(...got.unreadable);
        }
      }
      return { items, unreadable };
    });

  const store: Store = {
    kind: db.dialect,
    ...outside,
    async transaction(fn, options) {
      const committed: Array<() => void> = [];
      const result = await db.transaction((q) => fn(txApi(q, (f) => void committed.push(f))), options?.lock);
      for (const f of committed) f();
      return result;
    },

    claimOutbox: claimLanes,
    // the IN term lets SQLite use the person's partial index instead of walking every head
    claimOutboxFor: (contactId, now) =>
      withSent((q) => claimIn(q, now, 1, `contact_id = ? AND status IN ('pending','sending')`, [contactId])),

    markOutboxSent(id, refs, now) {
      const done = new Promise<void>((resolve, reject) => sentQueue.push({ id, refs, now, resolve, reject }));
      void flushSent();
      return done;
    },
    async markOutboxProgress(id, partsSent, refs) {
      await db.transaction(async (q) => {
        await q.run('UPDATE outbox SET parts_sent = ? WHERE id = ?', [partsSent, id]);
        const row = await q.get<{ message_id: number | null }>('SELECT message_id FROM outbox WHERE id = ?', [
          id,
        ]);
        if (row?.message_id != null && refs.length > 0) await addRefs(q, row.message_id, refs);
      });
    },
    async markOutboxRetry(id, error, nextAttemptAt) {
      // A row that failed once waits in the bulk lane: fresh replies to other people go first.
      await db.run(
        `UPDATE outbox SET status = 'pending', lane = 'bulk', last_error = ?, next_attempt_at = ?, claimed_at = NULL
         WHERE id = ? AND status = 'sending'`,
        [error, nextAttemptAt, id],
      );
    },
    async markOutboxFailed(id, error, now) {
      const contactId = await contactOf(id);
      if (contactId === undefined) return;
      await db.transaction((q) => finish(q, id, contactId, 'failed', error, now), contactId);
    },
    async failPendingOutbox(contactId, error, now) {
      return db.transaction(async (q) => {
        const r = await q.run(
          `UPDATE outbox SET status = 'failed', head = 0, last_error = ?, done_at = ?
           WHERE contact_id = ? AND status = 'pending'`,
          [error, now, contactId],
        );
        return r.changes;
      }, contactId);
    },
    async releaseStaleClaims(before) {
      const r = await db.run(
        `UPDATE outbox SET status = 'pending', claimed_at = NULL WHERE status = 'sending' AND claimed_at < ?`,
        [before],
      );
      return r.changes;
    },
    async outboxBacklog(now) {
      const rows = await db.all<{ lane: OutboxLane; n: number; oldest: number | null }>(
        `SELECT lane, count(*) AS n, min(created_at) AS oldest FROM outbox
         WHERE status IN ('pending','sending') GROUP BY lane`,
      );
      return OUTBOX_LANES.map((lane) => {
        const r = rows.find((x) => x.lane === lane);
        return {
          lane,
          count: Number(r?.n ?? 0),
          // `now` was read before the query waited its turn: a row written meanwhile is not older than 0
          oldestAgeMs: r?.oldest == null ? 0 : Math.max(0, now - Number(r.oldest)),
        };
      });
    },
    async handoffQueueStats(now) {
      const rows = await db.all<{ priority: number; n: number; oldest: number | null }>(
        'SELECT priority, count(*) AS n, min(queued_at) AS oldest FROM handoff_queue GROUP BY priority',
      );
      return (Object.keys(PRIORITY) as RiskLevel[]).map((riskLevel) => {
        const r = rows.find((x) => Number(x.priority) === PRIORITY[riskLevel]);
        return {
          riskLevel,
          count: Number(r?.n ?? 0),
          oldestWaitMs: r?.oldest == null ? 0 : Math.max(0, now - Number(r.oldest)),
        };
      });
    },
    async pendingOutboxCount(channels) {
      let n = 0;
      for (const channel of channels ?? [null]) {
        const row = await db.get<{ n: number }>(
          `SELECT count(*) AS n FROM outbox WHERE status IN ('pending','sending')${channel ? ' AND channel = ?' : ''}`,
          channel ? [channel] : [],
        );
        n += Number(row?.n ?? 0);
      }
      return n;
    },

    async longWaiting(queuedBefore, limit) {
      const rows = await db.all<{ id: number }>(
        `SELECT q.conversation_id AS id FROM handoff_queue q JOIN conversations c ON c.id = q.conversation_id
         WHERE q.queued_at < ? AND q.notified_at IS NULL AND c.status = 'queued'
         ORDER BY q.queued_at LIMIT ?`,
        [queuedBefore, limit],
      );
      return rows.map((r) => Number(r.id));
    },
    markStreamSeen: async (contactId, now) =>
      void (await db.run('UPDATE contacts SET stream_seen_at = ? WHERE id = ?', [now, contactId])),

    async purgeExpired(before) {
      // In bounded batches, each its own short transaction: a purge of a large backlog (the first
      // start after a long stop) never holds the database for long, so turns keep being served
      // between batches. Every step is idempotent: an interrupted purge goes on at the next one.
      const batches = async (step: (q: SqlDb) => Promise<number>, size = PURGE_BATCH): Promise<number> => {
        let total = 0;
        for (;;) {
          const n = await db.transaction(step, 'retention');
          total += n;
          if (n < size) return total;
          await new Promise((r) => setImmediate(r));
        }
      };
      const deleteWhere = (table: string, key: string, where: string) => (q: SqlDb) =>
        q
          .run(`DELETE FROM ${table} WHERE ${key} IN (SELECT ${key} FROM ${table} WHERE ${where} LIMIT ?)`, [
            before,
            PURGE_BATCH,
          ])
          .then((r) => r.changes);
      await batches(deleteWhere('inbound_seen', 'key', 'created_at < ?'));
      // People who have not written for the whole retention time: everything about them goes,
      // unless they asked for news; then only their conversation's answers and risk level go.
      const contacts = await batches(async (q) => {
        const idle = await q.all<{ id: string }>(
          'SELECT id FROM contacts WHERE last_seen_at < ? AND subscribed = 0 LIMIT ?',
          [before, PURGE_CONTACT_BATCH],
        );
        for (const { id } of idle) {
          await q.run('DELETE FROM outbox WHERE contact_id = ?', [id]);
          // the console's audit entries about the person keep only that something was done
          await q.run(
            `UPDATE console_audit SET contact_id = NULL, conversation_id = NULL, alias = NULL, detail_enc = NULL, erased = 1
             WHERE contact_id = ?`,
            [id],
          );
          await q.run('DELETE FROM broadcast_deliveries WHERE contact_id = ?', [id]);
          await q.run('DELETE FROM contacts WHERE id = ?', [id]);
        }
        return idle.length;
      }, PURGE_CONTACT_BATCH);
      // campaign deliveries that ended before the retention time (a subscriber's consent stays)
      await batches(
        deleteWhere('broadcast_deliveries', 'id', `done_at < ? AND status NOT IN ('pending','sending')`),
      );
      const removed = {
        contacts,
        messages: await batches(deleteWhere('messages', 'id', 'created_at < ?')),
        conversations: await batches(
          deleteWhere('conversations', 'id', `status = 'closed' AND updated_at < ?`),
        ),
        outbox: await batches(deleteWhere('outbox', 'id', `status IN ('sent','failed') AND done_at < ?`)),
      };
      // the console: audit entries and notes as old as the messages; idle sessions and login failures
      await batches(deleteWhere('console_audit', 'id', 'at < ?'));
      await batches(deleteWhere('console_notes', 'id', 'created_at < ?'));
      await db.transaction(async (q) => {
        await q.run('DELETE FROM console_sessions WHERE last_seen_at < ?', [before]);
        await q.run('DELETE FROM console_login_failures WHERE at < ?', [before]);
      }, 'retention');
      await batches((q) =>
        q
          .run(
            `DELETE FROM handoff_queue WHERE conversation_id IN (
               SELECT h.conversation_id FROM handoff_queue h JOIN conversations c ON c.id = h.conversation_id
               WHERE c.updated_at < ? LIMIT ?)`,
            [before, PURGE_BATCH],
          )
          .then((r) => r.changes),
      );
      await batches((q) =>
        q
          .run(
            `UPDATE conversations SET snapshot_enc = NULL, screening_enc = NULL, risk_level = NULL, who = NULL, flow = 'menu', status = 'bot'
             WHERE id IN (SELECT id FROM conversations WHERE updated_at < ?
               AND (snapshot_enc IS NOT NULL OR screening_enc IS NOT NULL OR risk_level IS NOT NULL OR who IS NOT NULL) LIMIT ?)`,
            [before, PURGE_BATCH],
          )
          .then((r) => r.changes),
      );
      return removed;
    },

    async scrub() {
      // TRUNCATE waits for nothing here: one connection owns the SQLite file
      if (db.dialect === 'sqlite') await db.get('PRAGMA wal_checkpoint(TRUNCATE)');
    },
    tryLock: (name) => db.tryLock(name),
    ping: async () => void (await db.get('SELECT 1 AS ok')),
    async close() {
      await flushing;
      await db.close();
    },
  };
  return store;
}

async function seedDirectory(db: SqlDb): Promise<void> {
  const entries = nationalLines();
  await db.transaction(async (q) => {
    const row = await q.get<{ n: number }>('SELECT count(*) AS n FROM directory');
    if (Number(row?.n ?? 0) > 0) return;
    for (const e of entries) {
      await q.run(
        'INSERT INTO directory (region, name_json, phone, note_json, source, checked_on) VALUES (NULL, ?, ?, ?, ?, ?)',
        [JSON.stringify(e.name), e.phone, e.note ? JSON.stringify(e.note) : null, e.source, e.checkedOn],
      );
    }
  }, 'seed-directory');
}
