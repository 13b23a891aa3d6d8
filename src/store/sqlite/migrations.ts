/**
 * Versioned schema. Each entry runs once, in order, inside a transaction; PRAGMA user_version
 * records how far a database has come. Never edit a released migration: add a new one.
 *
 * Columns ending in `_enc` hold AES-256-GCM ciphertext (see src/privacy/cipher.ts).
 * Ids of people are keyed hashes; nothing here holds a name, a phone number or a platform id in clear.
 */
export const sqliteMigrations: readonly string[] = [
  /* 1: the core */ `
  CREATE TABLE contacts (
    id            TEXT PRIMARY KEY,           -- HMAC(channel, platform user id)
    channel       TEXT NOT NULL,
    address_enc   BLOB NOT NULL,              -- platform chat id, encrypted
    lang          TEXT,
    subscribed    INTEGER NOT NULL DEFAULT 0,
    unreachable   INTEGER NOT NULL DEFAULT 0,
    source        TEXT,                       -- campaign tag from a deep link, never personal
    created_at    INTEGER NOT NULL,
    last_seen_at  INTEGER NOT NULL
  );

  CREATE TABLE conversations (
    id            INTEGER PRIMARY KEY,
    contact_id    TEXT NOT NULL UNIQUE REFERENCES contacts(id) ON DELETE CASCADE,
    channel       TEXT NOT NULL,
    lang          TEXT,
    status        TEXT NOT NULL CHECK (status IN ('bot','queued','counsellor','closed')),
    flow          TEXT NOT NULL,
    flow_version  INTEGER NOT NULL,
    snapshot_enc  BLOB,
    risk_level    TEXT CHECK (risk_level IN ('immediate','high','standard')),
    who           TEXT,
    created_at    INTEGER NOT NULL,
    updated_at    INTEGER NOT NULL
  );

  CREATE TABLE messages (
    id                INTEGER PRIMARY KEY,
    conversation_id   INTEGER NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
    direction         TEXT NOT NULL CHECK (direction IN ('in','out')),
    text_enc          BLOB NOT NULL,
    platform_ref_enc  BLOB,
    created_at        INTEGER NOT NULL
  );
  CREATE INDEX messages_by_conversation ON messages(conversation_id, created_at);
  CREATE INDEX messages_by_age ON messages(created_at);

  CREATE TABLE inbound_seen (
    key         TEXT PRIMARY KEY,             -- HMAC(channel, external id)
    created_at  INTEGER NOT NULL
  );
  CREATE INDEX inbound_seen_by_age ON inbound_seen(created_at);

  CREATE TABLE outbox (
    id               INTEGER PRIMARY KEY,
    conversation_id  INTEGER REFERENCES conversations(id) ON DELETE SET NULL,
    contact_id       TEXT,
    message_id       INTEGER REFERENCES messages(id) ON DELETE SET NULL,
    channel          TEXT NOT NULL,
    address_enc      BLOB NOT NULL,
    payload_enc      BLOB NOT NULL,
    status           TEXT NOT NULL CHECK (status IN ('pending','sending','sent','failed')),
    attempts         INTEGER NOT NULL DEFAULT 0,
    next_attempt_at  INTEGER NOT NULL,
    last_error       TEXT,
    created_at       INTEGER NOT NULL,
    done_at          INTEGER
  );
  CREATE INDEX outbox_due ON outbox(status, next_attempt_at);
  CREATE INDEX outbox_by_conversation ON outbox(conversation_id, status);

  CREATE TABLE handoff_queue (
    conversation_id  INTEGER PRIMARY KEY REFERENCES conversations(id) ON DELETE CASCADE,
    priority         INTEGER NOT NULL,        -- 0 immediate, 1 high, 2 standard/unknown
    queued_at        INTEGER NOT NULL
  );
  CREATE INDEX handoff_order ON handoff_queue(priority, queued_at);

  CREATE TABLE directory (
    id          INTEGER PRIMARY KEY,
    region      TEXT,                         -- NULL = national
    name_json   TEXT NOT NULL,                -- {"kk": "...", "ru": "...", "en": "..."}
    phone       TEXT NOT NULL,
    note_json   TEXT,
    source      TEXT NOT NULL,
    checked_on  TEXT NOT NULL
  );
  `,
  /* 2: cases (several conversations per person), authors, optimistic versions, a backlog-proof outbox */ `
  CREATE TABLE conversations_v2 (
    id            INTEGER PRIMARY KEY,
    contact_id    TEXT NOT NULL REFERENCES contacts(id) ON DELETE CASCADE,
    channel       TEXT NOT NULL,
    lang          TEXT,
    status        TEXT NOT NULL CHECK (status IN ('bot','queued','counsellor','closed')),
    flow          TEXT NOT NULL,
    flow_version  INTEGER NOT NULL,
    snapshot_enc  BLOB,
    risk_level    TEXT CHECK (risk_level IN ('immediate','high','standard')),
    who           TEXT,
    assignee      INTEGER,
    version       INTEGER NOT NULL DEFAULT 0,
    outcome       TEXT,
    created_at    INTEGER NOT NULL,
    updated_at    INTEGER NOT NULL,
    closed_at     INTEGER
  );
  INSERT INTO conversations_v2 (id, contact_id, channel, lang, status, flow, flow_version, snapshot_enc,
    risk_level, who, created_at, updated_at)
    SELECT id, contact_id, channel, lang, status, flow, flow_version, snapshot_enc, risk_level, who,
      created_at, updated_at FROM conversations;
  DROP TABLE conversations;
  ALTER TABLE conversations_v2 RENAME TO conversations;
  -- one open case per person; closed ones are kept (for the retention period) beside it
  CREATE UNIQUE INDEX conversations_open ON conversations(contact_id) WHERE status <> 'closed';
  CREATE INDEX conversations_by_contact ON conversations(contact_id, id);
  CREATE INDEX conversations_by_age ON conversations(updated_at);
  CREATE INDEX contacts_by_last_seen ON contacts(last_seen_at);

  ALTER TABLE messages ADD COLUMN author_kind TEXT NOT NULL DEFAULT 'bot'
    CHECK (author_kind IN ('person','bot','counsellor'));
  ALTER TABLE messages ADD COLUMN author_id INTEGER;
  UPDATE messages SET author_kind = 'person' WHERE direction = 'in';

  -- Only the oldest unsent row of each person (its "head") is claimable: per-person order without
  -- comparing rows, and a claim that walks a small index whatever the backlog.
  ALTER TABLE outbox ADD COLUMN lane TEXT NOT NULL DEFAULT 'live' CHECK (lane IN ('live','bulk'));
  ALTER TABLE outbox ADD COLUMN head INTEGER NOT NULL DEFAULT 0;
  ALTER TABLE outbox ADD COLUMN claimed_at INTEGER;
  ALTER TABLE outbox ADD COLUMN parts_sent INTEGER NOT NULL DEFAULT 0;
  UPDATE outbox SET head = 1 WHERE status IN ('pending','sending') AND id = (
    SELECT min(p.id) FROM outbox p WHERE p.contact_id = outbox.contact_id AND p.status IN ('pending','sending'));
  DROP INDEX outbox_due;
  DROP INDEX outbox_by_conversation;
  CREATE INDEX outbox_ready ON outbox(channel, lane, next_attempt_at) WHERE head = 1 AND status = 'pending';
  CREATE INDEX outbox_unsent_by_contact ON outbox(contact_id, id) WHERE status IN ('pending','sending');
  CREATE INDEX outbox_claimed ON outbox(claimed_at) WHERE status = 'sending';
  CREATE INDEX outbox_done ON outbox(done_at) WHERE status IN ('sent','failed');
  CREATE INDEX outbox_by_message ON outbox(message_id);
  `,
  /* 3: the counsellor console (accounts, sessions, audit, notes, canned replies, directory fields, blocking) */ `
  CREATE TABLE console_users (
    id             INTEGER PRIMARY KEY,
    username       TEXT NOT NULL UNIQUE,         -- lower-case login name (a counsellor, not a person)
    display_name   TEXT NOT NULL,
    role           TEXT NOT NULL CHECK (role IN ('counsellor','admin')),
    password_hash  TEXT NOT NULL,                -- argon2id
    disabled       INTEGER NOT NULL DEFAULT 0,
    on_duty        INTEGER NOT NULL DEFAULT 0,
    created_at     INTEGER NOT NULL,
    last_login_at  INTEGER
  );
  CREATE TABLE console_sessions (
    token_hash    TEXT PRIMARY KEY,              -- sha256 of the cookie's token; the token itself is never stored
    user_id       INTEGER NOT NULL REFERENCES console_users(id) ON DELETE CASCADE,
    csrf          TEXT NOT NULL,
    created_at    INTEGER NOT NULL,
    last_seen_at  INTEGER NOT NULL
  );
  CREATE INDEX console_sessions_by_user ON console_sessions(user_id);
  CREATE INDEX console_sessions_by_age ON console_sessions(last_seen_at);
  CREATE TABLE console_login_failures (
    key  TEXT NOT NULL,                          -- keyed hash of the account name or the address
    at   INTEGER NOT NULL
  );
  CREATE INDEX console_login_failures_by_key ON console_login_failures(key, at);
  CREATE INDEX console_login_failures_by_age ON console_login_failures(at);
  CREATE TABLE console_audit (
    id               INTEGER PRIMARY KEY,
    at               INTEGER NOT NULL,
    actor_id         INTEGER,                    -- console user (NULL: the system)
    action           TEXT NOT NULL,
    contact_id       TEXT,                       -- pseudonym, so erase can find the entries
    conversation_id  INTEGER,
    alias            TEXT,
    detail_enc       BLOB,
    erased           INTEGER NOT NULL DEFAULT 0
  );
  CREATE INDEX console_audit_by_age ON console_audit(at);
  CREATE INDEX console_audit_by_contact ON console_audit(contact_id);
  CREATE TABLE console_notes (
    id               INTEGER PRIMARY KEY,
    conversation_id  INTEGER NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
    author_id        INTEGER NOT NULL,
    text_enc         BLOB NOT NULL,
    created_at       INTEGER NOT NULL
  );
  CREATE INDEX console_notes_by_conversation ON console_notes(conversation_id, id);
  CREATE TABLE console_canned (
    id          INTEGER PRIMARY KEY,
    title       TEXT NOT NULL,
    text_json   TEXT NOT NULL,                   -- {"kk": "...", "ru": "...", "en": "..."}
    created_at  INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL
  );
  ALTER TABLE directory ADD COLUMN hours TEXT;
  ALTER TABLE directory ADD COLUMN languages TEXT;  -- e.g. "kk,ru"
  ALTER TABLE directory ADD COLUMN hidden INTEGER NOT NULL DEFAULT 0;
  ALTER TABLE directory ADD COLUMN updated_at INTEGER;
  -- blocking (issue 11): the person's messages are kept for the record, answered only with SOS
  ALTER TABLE contacts ADD COLUMN blocked INTEGER NOT NULL DEFAULT 0;
  -- screening answers kept for the console after the flow moved on to the hand-off
  ALTER TABLE conversations ADD COLUMN screening_enc BLOB;
  -- person side of the hand-off: SOS flag on logged messages, long-wait notice, web-chat presence
  ALTER TABLE messages ADD COLUMN sos INTEGER NOT NULL DEFAULT 0;
  ALTER TABLE handoff_queue ADD COLUMN notified_at INTEGER;
  ALTER TABLE contacts ADD COLUMN stream_seen_at INTEGER;
  `,
  /* 4: broadcasts (subscriptions, campaigns, deliveries) */ `
  -- Consent to campaign broadcasts: when, in which language, on which channel; nothing else.
  -- contacts.subscribed stays the switch; this row is the record of the consent behind it.
  CREATE TABLE broadcast_subscriptions (
    contact_id    TEXT PRIMARY KEY REFERENCES contacts(id) ON DELETE CASCADE,
    channel       TEXT NOT NULL,
    lang          TEXT NOT NULL,
    consented_at  INTEGER NOT NULL
  );

  CREATE TABLE broadcast_campaigns (
    id            INTEGER PRIMARY KEY,
    name          TEXT NOT NULL,
    texts_json    TEXT NOT NULL,              -- {"kk": "...", "ru": "...", "en": "..."} (no personal data)
    link_json     TEXT,                       -- {"label": {...}, "url": "https://..."}
    filter_json   TEXT NOT NULL,              -- {"langs": [...], "channels": [...], "sources": [...]}
    status        TEXT NOT NULL CHECK (status IN ('draft','scheduled','running','paused','done','cancelled')),
    send_at       INTEGER,
    created_by    INTEGER,
    created_at    INTEGER NOT NULL,
    updated_at    INTEGER NOT NULL,
    started_at    INTEGER,
    finished_at   INTEGER
  );
  CREATE INDEX broadcast_campaigns_by_status ON broadcast_campaigns(status, send_at);

  -- One row per recipient and campaign (the UNIQUE pair: never two for one person), claimed
  -- before sending: pending -> sending -> sent / failed / blocked, or unknown when its sender
  -- died mid-send (never sent again), or skipped when the person stopped first.
  CREATE TABLE broadcast_deliveries (
    id               INTEGER PRIMARY KEY,
    campaign_id      INTEGER NOT NULL REFERENCES broadcast_campaigns(id) ON DELETE CASCADE,
    contact_id       TEXT NOT NULL REFERENCES contacts(id) ON DELETE CASCADE,
    channel          TEXT NOT NULL,
    lang             TEXT NOT NULL,
    status           TEXT NOT NULL CHECK (status IN ('pending','sending','sent','failed','blocked','unknown','skipped')),
    attempts         INTEGER NOT NULL DEFAULT 0,
    next_attempt_at  INTEGER NOT NULL,
    claimed_at       INTEGER,
    done_at          INTEGER,
    error            TEXT,
    UNIQUE (campaign_id, contact_id)
  );
  CREATE INDEX broadcast_deliveries_ready ON broadcast_deliveries(next_attempt_at, id) WHERE status = 'pending';
  CREATE INDEX broadcast_deliveries_claimed ON broadcast_deliveries(claimed_at) WHERE status = 'sending';
  CREATE INDEX broadcast_deliveries_by_contact ON broadcast_deliveries(contact_id, claimed_at);
  CREATE INDEX broadcast_deliveries_by_status ON broadcast_deliveries(campaign_id, status);
  CREATE INDEX broadcast_deliveries_done ON broadcast_deliveries(done_at);

  -- An admin's own chat for test sends, linked with a one-time code sent as /start link-CODE.
  CREATE TABLE broadcast_admin_links (
    admin_id    INTEGER PRIMARY KEY,
    contact_id  TEXT NOT NULL REFERENCES contacts(id) ON DELETE CASCADE,
    linked_at   INTEGER NOT NULL
  );
  CREATE TABLE broadcast_link_codes (
    code_hash   TEXT PRIMARY KEY,             -- keyed hash of the code, never the code
    admin_id    INTEGER NOT NULL,
    expires_at  INTEGER NOT NULL
  );
  `,
  /* 5: safety (blocking, floods, erase confirmation) */ `
  SELECT 1;
  `,
  /* 6: performance — the dedupe table keyed by its key alone (WITHOUT ROWID: one b-tree, not a
     table plus its key index), so each message writes one page less */ `
  CREATE TABLE inbound_seen_v2 (
    key         TEXT PRIMARY KEY,             -- HMAC(channel, external id)
    created_at  INTEGER NOT NULL
  ) WITHOUT ROWID;
  INSERT INTO inbound_seen_v2 (key, created_at) SELECT key, created_at FROM inbound_seen;
  DROP TABLE inbound_seen;
  ALTER TABLE inbound_seen_v2 RENAME TO inbound_seen;
  CREATE INDEX inbound_seen_by_age ON inbound_seen(created_at);
  `,
  /* 7: a leaner turn — the flood window on the conversation row the turn writes anyway, instead of
     counting the person's recent messages on every message */ `
  ALTER TABLE conversations ADD COLUMN inbound_window_at INTEGER;
  ALTER TABLE conversations ADD COLUMN inbound_window_count INTEGER NOT NULL DEFAULT 0;
  `,
  /* 8: a leaner delivery (reserved) */ `
  SELECT 1;
  `,
];
