/**
 * PostgreSQL schema, versioned like src/store/sqlite/migrations.ts and kept to the same tables,
 * columns and meaning (the same store code runs on both). Each entry runs once, in order, under
 * an advisory lock, so instances starting together never run one twice. Never edit a released
 * migration: add a new one (and its SQLite twin).
 *
 * Timestamps are epoch milliseconds (BIGINT); flags are 0/1 integers, as in SQLite.
 */
export const postgresMigrations: readonly string[] = [
  /* 1: the shape of SQLite migrations 1–2 */ `
  CREATE TABLE contacts (
    id            TEXT PRIMARY KEY,
    channel       TEXT NOT NULL,
    address_enc   BYTEA NOT NULL,
    lang          TEXT,
    subscribed    INTEGER NOT NULL DEFAULT 0,
    unreachable   INTEGER NOT NULL DEFAULT 0,
    source        TEXT,
    created_at    BIGINT NOT NULL,
    last_seen_at  BIGINT NOT NULL
  );
  CREATE INDEX contacts_by_last_seen ON contacts(last_seen_at);

  CREATE TABLE conversations (
    id            BIGSERIAL PRIMARY KEY,
    contact_id    TEXT NOT NULL REFERENCES contacts(id) ON DELETE CASCADE,
    channel       TEXT NOT NULL,
    lang          TEXT,
    status        TEXT NOT NULL CHECK (status IN ('bot','queued','counsellor','closed')),
    flow          TEXT NOT NULL,
    flow_version  INTEGER NOT NULL,
    snapshot_enc  BYTEA,
    risk_level    TEXT CHECK (risk_level IN ('immediate','high','standard')),
    who           TEXT,
    assignee      BIGINT,
    version       INTEGER NOT NULL DEFAULT 0,
    outcome       TEXT,
    created_at    BIGINT NOT NULL,
    updated_at    BIGINT NOT NULL,
    closed_at     BIGINT
  );
  CREATE UNIQUE INDEX conversations_open ON conversations(contact_id) WHERE status <> 'closed';
  CREATE INDEX conversations_by_contact ON conversations(contact_id, id);
  CREATE INDEX conversations_by_age ON conversations(updated_at);

  CREATE TABLE messages (
    id                BIGSERIAL PRIMARY KEY,
    conversation_id   BIGINT NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
    direction         TEXT NOT NULL CHECK (direction IN ('in','out')),
    text_enc          BYTEA NOT NULL,
    platform_ref_enc  BYTEA,
    created_at        BIGINT NOT NULL,
    author_kind       TEXT NOT NULL DEFAULT 'bot' CHECK (author_kind IN ('person','bot','counsellor')),
    author_id         BIGINT
  );
  CREATE INDEX messages_by_conversation ON messages(conversation_id, created_at);
  CREATE INDEX messages_by_age ON messages(created_at);

  CREATE TABLE inbound_seen (
    key         TEXT PRIMARY KEY,
    created_at  BIGINT NOT NULL
  );
  CREATE INDEX inbound_seen_by_age ON inbound_seen(created_at);

  CREATE TABLE outbox (
    id               BIGSERIAL PRIMARY KEY,
    conversation_id  BIGINT REFERENCES conversations(id) ON DELETE SET NULL,
    contact_id       TEXT,
    message_id       BIGINT REFERENCES messages(id) ON DELETE SET NULL,
    channel          TEXT NOT NULL,
    address_enc      BYTEA NOT NULL,
    payload_enc      BYTEA NOT NULL,
    status           TEXT NOT NULL CHECK (status IN ('pending','sending','sent','failed')),
    attempts         INTEGER NOT NULL DEFAULT 0,
    next_attempt_at  BIGINT NOT NULL,
    last_error       TEXT,
    created_at       BIGINT NOT NULL,
    done_at          BIGINT,
    lane             TEXT NOT NULL DEFAULT 'live' CHECK (lane IN ('live','bulk')),
    head             INTEGER NOT NULL DEFAULT 0,
    claimed_at       BIGINT,
    parts_sent       INTEGER NOT NULL DEFAULT 0
  );
  CREATE INDEX outbox_ready ON outbox(channel, lane, next_attempt_at) WHERE head = 1 AND status = 'pending';
  CREATE INDEX outbox_unsent_by_contact ON outbox(contact_id, id) WHERE status IN ('pending','sending');
  CREATE INDEX outbox_claimed ON outbox(claimed_at) WHERE status = 'sending';
  CREATE INDEX outbox_done ON outbox(done_at) WHERE status IN ('sent','failed');
  CREATE INDEX outbox_by_message ON outbox(message_id);

  CREATE TABLE handoff_queue (
    conversation_id  BIGINT PRIMARY KEY REFERENCES conversations(id) ON DELETE CASCADE,
    priority         INTEGER NOT NULL,
    queued_at        BIGINT NOT NULL
  );
  CREATE INDEX handoff_order ON handoff_queue(priority, queued_at);

  CREATE TABLE directory (
    id          BIGSERIAL PRIMARY KEY,
    region      TEXT,
    name_json   TEXT NOT NULL,
    phone       TEXT NOT NULL,
    note_json   TEXT,
    source      TEXT NOT NULL,
    checked_on  TEXT NOT NULL
  );
  `,
  /* 2: the counsellor console (accounts, sessions, audit, notes, canned replies, directory fields, blocking) */ `
  CREATE TABLE console_users (
    id             BIGSERIAL PRIMARY KEY,
    username       TEXT NOT NULL UNIQUE,         -- lower-case login name (a counsellor, not a person)
    display_name   TEXT NOT NULL,
    role           TEXT NOT NULL CHECK (role IN ('counsellor','admin')),
    password_hash  TEXT NOT NULL,                -- argon2id
    disabled       INTEGER NOT NULL DEFAULT 0,
    on_duty        INTEGER NOT NULL DEFAULT 0,
    created_at     BIGINT NOT NULL,
    last_login_at  BIGINT
  );
  CREATE TABLE console_sessions (
    token_hash    TEXT PRIMARY KEY,              -- sha256 of the cookie's token; the token itself is never stored
    user_id       BIGINT NOT NULL REFERENCES console_users(id) ON DELETE CASCADE,
    csrf          TEXT NOT NULL,
    created_at    BIGINT NOT NULL,
    last_seen_at  BIGINT NOT NULL
  );
  CREATE INDEX console_sessions_by_user ON console_sessions(user_id);
  CREATE INDEX console_sessions_by_age ON console_sessions(last_seen_at);
  CREATE TABLE console_login_failures (
    key  TEXT NOT NULL,                          -- keyed hash of the account name or the address
    at   BIGINT NOT NULL
  );
  CREATE INDEX console_login_failures_by_key ON console_login_failures(key, at);
  CREATE INDEX console_login_failures_by_age ON console_login_failures(at);
  CREATE TABLE console_audit (
    id               BIGSERIAL PRIMARY KEY,
    at               BIGINT NOT NULL,
    actor_id         BIGINT,                    -- console user (NULL: the system)
    action           TEXT NOT NULL,
    contact_id       TEXT,                       -- pseudonym, so erase can find the entries
    conversation_id  BIGINT,
    alias            TEXT,
    detail_enc       BYTEA,
    erased           INTEGER NOT NULL DEFAULT 0
  );
  CREATE INDEX console_audit_by_age ON console_audit(at);
  CREATE INDEX console_audit_by_contact ON console_audit(contact_id);
  CREATE TABLE console_notes (
    id               BIGSERIAL PRIMARY KEY,
    conversation_id  BIGINT NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
    author_id        BIGINT NOT NULL,
    text_enc         BYTEA NOT NULL,
    created_at       BIGINT NOT NULL
  );
  CREATE INDEX console_notes_by_conversation ON console_notes(conversation_id, id);
  CREATE TABLE console_canned (
    id          BIGSERIAL PRIMARY KEY,
    title       TEXT NOT NULL,
    text_json   TEXT NOT NULL,                   -- {"kk": "...", "ru": "...", "en": "..."}
    created_at  BIGINT NOT NULL,
    updated_at  BIGINT NOT NULL
  );
  ALTER TABLE directory ADD COLUMN hours TEXT;
  ALTER TABLE directory ADD COLUMN languages TEXT;  -- e.g. "kk,ru"
  ALTER TABLE directory ADD COLUMN hidden INTEGER NOT NULL DEFAULT 0;
  ALTER TABLE directory ADD COLUMN updated_at BIGINT;
  -- blocking (issue 11): the person's messages are kept for the record, answered only with SOS
  ALTER TABLE contacts ADD COLUMN blocked INTEGER NOT NULL DEFAULT 0;
  -- screening answers kept for the console after the flow moved on to the hand-off
  ALTER TABLE conversations ADD COLUMN screening_enc BYTEA;
  -- person side of the hand-off: SOS flag on logged messages, long-wait notice, web-chat presence
  ALTER TABLE messages ADD COLUMN sos INTEGER NOT NULL DEFAULT 0;
  ALTER TABLE handoff_queue ADD COLUMN notified_at BIGINT;
  ALTER TABLE contacts ADD COLUMN stream_seen_at BIGINT;
  `,
  /* 3: broadcasts (subscriptions, campaigns, deliveries) */ `
  -- Consent to campaign broadcasts: when, in which language, on which channel; nothing else.
  -- contacts.subscribed stays the switch; this row is the record of the consent behind it.
  CREATE TABLE broadcast_subscriptions (
    contact_id    TEXT PRIMARY KEY REFERENCES contacts(id) ON DELETE CASCADE,
    channel       TEXT NOT NULL,
    lang          TEXT NOT NULL,
    consented_at  BIGINT NOT NULL
  );

  CREATE TABLE broadcast_campaigns (
    id            BIGSERIAL PRIMARY KEY,
    name          TEXT NOT NULL,
    texts_json    TEXT NOT NULL,              -- {"kk": "...", "ru": "...", "en": "..."} (no personal data)
    link_json     TEXT,                       -- {"label": {...}, "url": "https://..."}
    filter_json   TEXT NOT NULL,              -- {"langs": [...], "channels": [...], "sources": [...]}
    status        TEXT NOT NULL CHECK (status IN ('draft','scheduled','running','paused','done','cancelled')),
    send_at       BIGINT,
    created_by    BIGINT,
    created_at    BIGINT NOT NULL,
    updated_at    BIGINT NOT NULL,
    started_at    BIGINT,
    finished_at   BIGINT
  );
  CREATE INDEX broadcast_campaigns_by_status ON broadcast_campaigns(status, send_at);

  -- One row per recipient and campaign (the UNIQUE pair: never two for one person), claimed
  -- before sending: pending -> sending -> sent / failed / blocked, or unknown when its sender
  -- died mid-send (never sent again), or skipped when the person stopped first.
  CREATE TABLE broadcast_deliveries (
    id               BIGSERIAL PRIMARY KEY,
    campaign_id      BIGINT NOT NULL REFERENCES broadcast_campaigns(id) ON DELETE CASCADE,
    contact_id       TEXT NOT NULL REFERENCES contacts(id) ON DELETE CASCADE,
    channel          TEXT NOT NULL,
    lang             TEXT NOT NULL,
    status           TEXT NOT NULL CHECK (status IN ('pending','sending','sent','failed','blocked','unknown','skipped')),
    attempts         INTEGER NOT NULL DEFAULT 0,
    next_attempt_at  BIGINT NOT NULL,
    claimed_at       BIGINT,
    done_at          BIGINT,
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
    admin_id    BIGINT PRIMARY KEY,
    contact_id  TEXT NOT NULL REFERENCES contacts(id) ON DELETE CASCADE,
    linked_at   BIGINT NOT NULL
  );
  CREATE TABLE broadcast_link_codes (
    code_hash   TEXT PRIMARY KEY,             -- keyed hash of the code, never the code
    admin_id    BIGINT NOT NULL,
    expires_at  BIGINT NOT NULL
  );
  `,
  /* 4: safety (blocking, floods, erase confirmation) */ `
  SELECT 1;
  `,
  /* 5: performance — the ready index carries the claim's whole order (next_attempt_at, id):
     without id, rows due at the same moment (a backlog) were sorted on every claim, whose cost
     then grew with the backlog (29 ms with 10,000 pending) */ `
  DROP INDEX outbox_ready;
  CREATE INDEX outbox_ready ON outbox(channel, lane, next_attempt_at, id) WHERE head = 1 AND status = 'pending';
  `,
  /* 6: a leaner turn — the flood window on the conversation row the turn writes anyway, instead of
     counting the person's recent messages on every message */ `
  ALTER TABLE conversations ADD COLUMN inbound_window_at BIGINT;
  ALTER TABLE conversations ADD COLUMN inbound_window_count INTEGER NOT NULL DEFAULT 0;
  `,
  /* 7: a leaner delivery (reserved) */ `
  SELECT 1;
  `,
];
