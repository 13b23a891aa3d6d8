/**
 * Ports the core depends on. `src/store/sqlite/` and `src/store/postgres/` implement `Store`;
 * one contract suite (test/store/store.contract.ts) runs against both.
 *
 * The store is shaped around a turn: load what a message needs, decide (synchronously, in the
 * flow), then commit snapshot + message log + outbox in ONE transaction holding the person's lock.
 * Records here hold plain values: encryption happens inside the store, never in callers.
 */
import type { FlowId, Who } from '../../flows/contract.js';
import type { Channel, Lang, OutboundMessage, RiskLevel } from './types.js';

export type ConversationStatus = 'bot' | 'queued' | 'counsellor' | 'closed';

export interface ConversationRecord {
  id: number;
  contactId: string;
  channel: Channel;
  lang: Lang | null;
  status: ConversationStatus;
  flow: FlowId;
  flowVersion: number;
  /** Persisted XState snapshot (contains screening answers: encrypted at rest). */
  snapshot: unknown | null;
  riskLevel: RiskLevel | null;
  who: Who | null;
  /** Counsellor account that owns the conversation while status is 'counsellor'. */
  assignee: number | null;
  /** Outcome tag a counsellor chose when closing the case. */
  outcome?: string | null;
  /** Screening answers kept for the console once the flow moved on (written when set, never cleared). */
  screening?: Record<string, string> | null;
  /**
   * The person's messages in the current flood window (FLOOD_WINDOW_MS from `since`), kept on the
   * row the turn writes anyway, so the flood limit costs no query and holds across instances.
   */
  inboundWindow?: { since: number; count: number } | null;
  /** Optimistic concurrency: bumped by every save; a save with a stale version fails. */
  version: number;
  createdAt: number;
  updatedAt: number;
}

export interface ContactRecord {
  id: string;
  channel: Channel;
  address: string;
  lang: Lang | null;
  subscribed: boolean;
  unreachable: boolean;
  source: string | null;
  /** Blocked from the console (issue 11): messages are kept, only SOS is answered. */
  blocked?: boolean;
}

/** What is recorded when a person asks for campaign broadcasts. */
export interface Consent {
  lang: Lang;
  channel: Channel;
  now: number;
}

/** Who wrote a logged message. */
export type Author = { kind: 'person' } | { kind: 'bot' } | { kind: 'counsellor'; accountId: number };

/**
 * Delivery lanes. A person's fresh replies (and SOS) go in `live`; rows that already failed once
 * and bulk re-sends go in `bulk`, so a backlog after an outage never delays a new reply.
 */
export const OUTBOX_LANES = ['live', 'bulk'] as const;
export type OutboxLane = (typeof OUTBOX_LANES)[number];

export interface OutboxItem {
  id: number;
  conversationId: number | null;
  contactId: string;
  channel: Channel;
  address: string;
  message: OutboundMessage;
  attempts: number;
  /** Parts of a split message already delivered (a retry sends only the rest). */
  partsSent: number;
  createdAt: number;
}

/** A row that could not be read back (wrong key, corruption): failed by the store, never sent. */
export interface UnreadableOutboxRow {
  id: number;
  channel: Channel;
  reason: string;
}

export interface DirectoryEntry {
  id: number;
  region: string | null;
  name: Record<Lang, string>;
  phone: string;
  note: Record<Lang, string> | null;
  source: string;
  checkedOn: string;
}

export interface NewOutboxItem {
  conversationId: number | null;
  contactId: string;
  channel: Channel;
  /** Where to send it; omitted: the contact's stored address, read when the row is claimed. */
  address?: string | undefined;
  message: OutboundMessage;
  /** The logged copy of this message (its platform refs are recorded there once sent). */
  messageId?: number | undefined;
  lane?: OutboxLane;
  now: number;
}

/** What a transaction can read and write. Every method runs inside the open transaction. */
export interface StoreTx {
  /**
   * Runs `fn` once the open transaction has committed (at once outside a transaction), so live
   * views told of a change read it, not the state before it. Not run if the transaction fails.
   */
  afterCommit(fn: () => void): void;

  /** Records an inbound external id; false if it was seen before (a duplicate). */
  markInboundSeen(key: string, now: number): Promise<boolean>;

  getContact(id: string): Promise<ContactRecord | undefined>;
  /** Creates the contact or marks it seen (and reachable) again. */
  upsertContact(c: { id: string; channel: Channel; address: string; now: number }): Promise<ContactRecord>;
  setContactLang(id: string, lang: Lang): Promise<void>;
  /**
   * Turns campaign broadcasts on or off. On: `consent` is recorded (time, language, channel;
   * nothing else). Off: the consent record goes and campaign deliveries not yet sent are skipped.
   */
  setContactSubscribed(id: string, subscribed: boolean, consent?: Consent): Promise<void>;
  setContactSource(id: string, source: string): Promise<void>;
  /** Unreachable (blocked the bot) also ends a broadcast subscription. */
  setContactUnreachable(id: string, unreachable: boolean): Promise<void>;

  /** The person's open conversation (any status but 'closed'), if any. */
  getConversation(contactId: string): Promise<ConversationRecord | undefined>;
  getConversationById(id: number): Promise<ConversationRecord | undefined>;
  createConversation(
    c: Omit<ConversationRecord, 'id' | 'createdAt' | 'updatedAt' | 'version' | 'assignee'> & {
      assignee?: number | null;
    },
    now: number,
  ): Promise<ConversationRecord>;
  /** Saves and bumps `version`; throws `ConcurrencyError` if someone saved it since it was read. */
  saveConversation(c: ConversationRecord, now: number): Promise<ConversationRecord>;

  appendMessage(m: {
    conversationId: number;
    direction: 'in' | 'out';
    author?: Author;
    text: string;
    platformRef?: string | undefined;
    /** The person sent SOS or mentioned help: the console highlights it. */
    sos?: boolean;
    now: number;
  }): Promise<number>;
  /**
   * The person's messages in a conversation since `since`, counted up to `limit` (the flood limit;
   * bounded, whatever the flood).
   */
  recentInboundCount(conversationId: number, since: number, limit: number): Promise<number>;
  /** Platform refs of messages in the person's conversations since `since` (for quick exit). */
  platformRefsSince(contactId: string, since: number): Promise<string[]>;

  enqueueOutbox(item: NewOutboxItem): Promise<number>;
  /**
   * Adds a row like `enqueueOutbox`; when it is the person's head (nothing of theirs unsent before
   * it) it is claimed at once, in this transaction, as `claimOutbox` would claim it, and returned
   * ready to send: the local dispatcher delivers it without a claim transaction of its own.
   * `address` is where the person is reached (the row itself still reads the contact's).
   */
  enqueueClaimed(item: NewOutboxItem, address: string): Promise<OutboxItem | undefined>;

  enqueueHandoff(conversationId: number, riskLevel: RiskLevel | null, now: number): Promise<void>;
  cancelHandoff(conversationId: number): Promise<void>;
  /** 1-based place in the queue (ordered by risk, then waiting time), or null if not queued. */
  queuePosition(conversationId: number): Promise<number | null>;
  /**
   * Claims the one long-wait notice of a queued conversation (sets its `notified_at`); false if it
   * is no longer queued or another instance claimed it first.
   */
  claimLongWaitNotice(conversationId: number, now: number): Promise<boolean>;
  /** At least one enabled counsellor account is marked on duty (the console's duty toggle). */
  anyCounsellorOnDuty(): Promise<boolean>;

  listDirectory(region: string | null): Promise<DirectoryEntry[]>;

  /** Removes every row about the contact. */
  eraseContact(contactId: string): Promise<void>;
}

export interface TransactionOptions {
  /**
   * Serialises transactions with the same key, in this process and across instances (SQLite: one
   * writer anyway; PostgreSQL: an advisory lock held until commit). Use the contact id for turns.
   */
  lock?: string;
}

/** A held database lock (leader election for what may run on one instance only). */
export interface HeldLock {
  release(): Promise<void>;
  /** Resolves if the lock is lost (the database connection died). */
  readonly lost: Promise<void>;
}

export interface Store extends StoreTx {
  readonly kind: 'sqlite' | 'postgres';
  /** Run `fn` in one transaction: all its writes commit together or not at all. */
  transaction<T>(fn: (tx: StoreTx) => Promise<T>, options?: TransactionOptions): Promise<T>;

  /**
   * Claims due items: only the oldest unsent item of each person is claimable, so per-person
   * order holds and each item is in flight at most once (across instances). Live lane first.
   */
  claimOutbox(
    now: number,
    limit: number,
    channels: readonly Channel[],
  ): Promise<{ items: OutboxItem[]; unreadable: UnreadableOutboxRow[] }>;
  /** Claims the due head item of one person (a web-chat stream pulling its own replies). */
  claimOutboxFor(
    contactId: string,
    now: number,
  ): Promise<{ items: OutboxItem[]; unreadable: UnreadableOutboxRow[] }>;
  markOutboxSent(id: number, refs: string[], now: number): Promise<void>;
  markOutboxProgress(id: number, partsSent: number, refs: string[]): Promise<void>;
  markOutboxRetry(id: number, error: string, nextAttemptAt: number): Promise<void>;
  /** Fails the item for good; its encrypted payload stays until retention removes it. */
  markOutboxFailed(id: number, error: string, now: number): Promise<void>;
  /** Gives up on every unsent item for a contact (they blocked the bot). */
  failPendingOutbox(contactId: string, error: string, now: number): Promise<number>;
  /** Items claimed before `before` and never finished (their instance died) go back to 'pending'. */
  releaseStaleClaims(before: number): Promise<number>;
  outboxBacklog(now: number): Promise<Array<{ lane: OutboxLane; count: number; oldestAgeMs: number }>>;
  /** People waiting for a counsellor per risk level (unknown risk counts as standard), for metrics. */
  handoffQueueStats(
    now: number,
  ): Promise<Array<{ riskLevel: RiskLevel; count: number; oldestWaitMs: number }>>;
  /** Unsent rows (of the given channels, or all). */
  pendingOutboxCount(channels?: readonly Channel[]): Promise<number>;

  /** Queued conversations waiting since before `queuedBefore` whose long-wait notice is not sent yet. */
  longWaiting(queuedBefore: number, limit: number): Promise<number[]>;
  /** A web-chat page of the person holds its event stream now (heartbeat; read by the console). */
  markStreamSeen(contactId: string, now: number): Promise<void>;

  /**
   * Deletes what is older than `before`: messages, closed conversations, finished outbox rows,
   * people idle since then (unless subscribed to news), and idle conversations' answers.
   */
  purgeExpired(
    before: number,
  ): Promise<{ contacts: number; messages: number; conversations: number; outbox: number }>;

  /**
   * After an erase: leave no readable copy of deleted rows in the database files (SQLite: copy the
   * WAL into the file, whose deleted rows are zeroed, and truncate the WAL; PostgreSQL: nothing,
   * deleted rows are invisible to every query and vacuumed away).
   */
  scrub(): Promise<void>;
  /** Tries to take a named lock held for as long as this process lives (null: another holds it). */
  tryLock(name: string): Promise<HeldLock | null>;
  /** The database answers. */
  ping(): Promise<void>;
  close(): Promise<void>;
}

/**
 * Tells every instance that something changed (LISTEN/NOTIFY on PostgreSQL, an in-process
 * emitter on SQLite). Topics carry no personal data: `outbox:<contact pseudonym>`, `queue`,
 * `conversation:<id>`. Listeners re-read the store.
 */
export interface Notifier {
  publish(topic: string): void;
  /** `prefix:*` hears every `prefix:<anything>`; the listener gets the topic. */
  subscribe(topic: string, listener: (topic: string) => void): () => void;
  close(): Promise<void>;
}
