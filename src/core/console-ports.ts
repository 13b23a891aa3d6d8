/**
 * The console's port: accounts, sessions, login failures, audit log, notes, canned replies, the
 * queue and conversation views, the help directory's admin side and blocking. Implemented once in
 * src/store/console-store.ts over the same `SqlDb` as the main store (SQLite and PostgreSQL).
 * Records hold plain values; notes and audit details are encrypted inside the store.
 */
import type { Who } from '../../flows/contract.js';
import type { ConversationStatus } from './ports.js';
import type { Channel, Lang, RiskLevel } from './types.js';

export type ConsoleRole = 'counsellor' | 'admin';

export interface ConsoleUser {
  id: number;
  username: string;
  displayName: string;
  role: ConsoleRole;
  disabled: boolean;
  onDuty: boolean;
  lastLoginAt: number | null;
}

export interface ConsoleSession {
  user: ConsoleUser;
  csrf: string;
  lastSeenAt: number;
}

export interface AuditEntry {
  id: number;
  at: number;
  actor: string | null;
  action: string;
  alias: string | null;
  detail: string | null;
}

export interface NewAuditEntry {
  actorId: number | null;
  action: string;
  /** The person's pseudonym (kept so erase can reduce the entry); never shown. */
  contactId?: string | null;
  conversationId?: number | null;
  alias?: string | null;
  detail?: string | null;
  now: number;
}

/** One conversation as the queue and the conversation view see it (no personal data). */
export interface ConversationSummary {
  id: number;
  contactId: string;
  channel: Channel;
  lang: Lang | null;
  status: ConversationStatus;
  risk: RiskLevel | null;
  who: Who | null;
  queuedAt: number | null;
  assignee: { id: number; displayName: string } | null;
  lastMessageAt: number;
  sos: boolean;
  streamSeenAt: number | null;
  blocked: boolean;
  createdAt: number;
  closedAt: number | null;
  outcome: string | null;
  /** Screening answers by item id (`g1`, `a1`…, `other`), if the person did a screening. */
  screening: Record<string, string> | null;
}

export interface TranscriptMessage {
  id: number;
  at: number;
  author: 'person' | 'bot' | 'counsellor';
  counsellor: string | null;
  text: string;
  sos: boolean;
  delivery: 'queued' | 'sent' | 'failed' | null;
  error: string | null;
}

export interface Note {
  id: number;
  at: number;
  author: string;
  text: string;
}

export interface CannedReply {
  id: number;
  title: string;
  text: Record<Lang, string>;
}

export interface DirectoryAdminEntry {
  id: number;
  region: string | null;
  name: Record<Lang, string>;
  phone: string;
  hours: string | null;
  languages: Lang[];
  note: Record<Lang, string> | null;
  source: string;
  checkedOn: string;
  hidden: boolean;
  updatedAt: number | null;
}

export type DirectoryInput = Omit<DirectoryAdminEntry, 'id' | 'hidden' | 'updatedAt'>;

export interface ConsoleStore {
  createUser(u: {
    username: string;
    displayName: string;
    role: ConsoleRole;
    passwordHash: string;
    now: number;
  }): Promise<ConsoleUser>;
  /** The user and their password hash, by (case-insensitive) username. */
  findLogin(username: string): Promise<{ user: ConsoleUser; passwordHash: string } | undefined>;
  getUser(id: number): Promise<ConsoleUser | undefined>;
  listUsers(): Promise<ConsoleUser[]>;
  /** Enabled accounts (any role): whom a conversation can be transferred to. */
  listCounsellors(): Promise<ConsoleUser[]>;
  /** Disabling also ends every session of the user. */
  setUserDisabled(id: number, disabled: boolean): Promise<ConsoleUser | undefined>;
  /** A new password ends every session of the user. */
  setUserPassword(id: number, passwordHash: string): Promise<boolean>;
  setOnDuty(id: number, onDuty: boolean): Promise<void>;
  markLogin(id: number, now: number): Promise<void>;
  /** Enabled accounts marked on duty now. */
  countOnDuty(): Promise<number>;

  createSession(s: { tokenHash: string; userId: number; csrf: string; now: number }): Promise<void>;
  /**
   * The session if it was used within `idleMs` (its last use becomes `now`); an idle one, or one of
   * a disabled user, is deleted and undefined returned.
   */
  touchSession(
    tokenHash: string,
    now: number,
    idleMs: number,
    /** false: only check it (an open event stream does not count as use). */
    touch?: boolean,
  ): Promise<ConsoleSession | undefined>;
  deleteSession(tokenHash: string): Promise<void>;

  /** Failed logins for `key` since `since`. */
  countLoginFailures(key: string, since: number): Promise<number>;
  /** Records a failure and drops failures older than `before` (the table stays bounded). */
  addLoginFailure(key: string, now: number, before: number): Promise<void>;
  clearLoginFailures(key: string): Promise<void>;

  audit(e: NewAuditEntry): Promise<void>;
  listAudit(limit: number, before: number | null): Promise<AuditEntry[]>;

  /** Waiting (ordered by risk then waiting time) and active conversations. */
  queue(now: number): Promise<{ waiting: ConversationSummary[]; active: ConversationSummary[] }>;
  summary(conversationId: number): Promise<ConversationSummary | undefined>;
  transcript(conversationId: number): Promise<TranscriptMessage[]>;
  /** Screening answers recorded for the conversation (null if it had no screening). */
  screeningAnswers(conversationId: number): Promise<Record<string, string> | null>;
  earlierCases(
    contactId: string,
    exceptId: number,
  ): Promise<Array<{ id: number; createdAt: number; closedAt: number | null; outcome: string | null }>>;

  addNote(n: { conversationId: number; authorId: number; text: string; now: number }): Promise<Note>;
  listNotes(conversationId: number): Promise<Note[]>;

  listCanned(): Promise<CannedReply[]>;
  createCanned(c: { title: string; text: Record<Lang, string>; now: number }): Promise<CannedReply>;
  updateCanned(
    id: number,
    c: { title: string; text: Record<Lang, string>; now: number },
  ): Promise<CannedReply | undefined>;
  deleteCanned(id: number): Promise<boolean>;
  /** Seeds the default canned replies once (an empty table). */
  seedCanned(defaults: Array<{ title: string; text: Record<Lang, string> }>, now: number): Promise<void>;

  listDirectoryAdmin(): Promise<DirectoryAdminEntry[]>;
  getDirectoryEntry(id: number): Promise<DirectoryAdminEntry | undefined>;
  createDirectoryEntry(e: DirectoryInput, now: number): Promise<DirectoryAdminEntry>;
  updateDirectoryEntry(id: number, e: DirectoryInput, now: number): Promise<DirectoryAdminEntry | undefined>;
  setDirectoryHidden(id: number, hidden: boolean, now: number): Promise<DirectoryAdminEntry | undefined>;

  setBlocked(contactId: string, blocked: boolean): Promise<void>;
}
