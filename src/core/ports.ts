/**
 * Ports the engine depends on. The SQLite store implements `Store`; a PostgreSQL one could too.
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
}

export interface OutboxItem {
  id: number;
  conversationId: number | null;
  contactId: string | null;
  channel: Channel;
  address: string;
  message: OutboundMessage;
  attempts: number;
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

export interface Store {
  /** Run `fn` in one transaction: all its writes commit together or not at all. */
  transaction<T>(fn: () => T): T;

  /** Records an inbound external id; false if it was seen before (a duplicate). */
  markInboundSeen(key: string, now: number): boolean;

  getContact(id: string): ContactRecord | undefined;
  upsertContact(c: { id: string; channel: Channel; address: string; now: number }): ContactRecord;
  setContactLang(id: string, lang: Lang): void;
  setContactSubscribed(id: string, subscribed: boolean): void;
  setContactSource(id: string, source: string): void;
  setContactUnreachable(id: string, unreachable: boolean): void;

  getConversation(contactId: string): ConversationRecord | undefined;
  createConversation(
    c: Omit<ConversationRecord, 'id' | 'createdAt' | 'updatedAt'>,
    now: number,
  ): ConversationRecord;
  saveConversation(c: ConversationRecord, now: number): void;

  appendMessage(m: {
    conversationId: number;
    direction: 'in' | 'out';
    text: string;
    platformRef?: string | undefined;
    now: number;
  }): number;
  /** Platform refs of messages in the conversation since `since` (for quick exit). */
  platformRefsSince(conversationId: number, since: number): string[];

  enqueueOutbox(item: {
    conversationId: number | null;
    contactId: string | null;
    channel: Channel;
    address: string;
    message: OutboundMessage;
    messageId?: number | undefined;
    now: number;
  }): number;
  /** Claims due items, at most one per conversation and never one behind an unsent earlier item. */
  claimOutbox(now: number, limit: number, channels: readonly Channel[]): OutboxItem[];
  markOutboxSent(id: number, refs: string[], now: number): void;
  markOutboxRetry(id: number, error: string, nextAttemptAt: number): void;
  markOutboxFailed(id: number, error: string, now: number): void;
  /** Gives up on every unsent item for a contact (they blocked the bot). */
  failPendingOutbox(contactId: string, error: string, now: number): number;
  /** Items left 'sending' by a crash go back to 'pending'. */
  releaseStaleClaims(): number;
  pendingOutboxCount(): number;

  enqueueHandoff(conversationId: number, riskLevel: RiskLevel | null, now: number): void;
  cancelHandoff(conversationId: number): void;
  /** 1-based place in the queue (ordered by risk, then waiting time), or null if not queued. */
  queuePosition(conversationId: number): number | null;

  listDirectory(region: string | null): DirectoryEntry[];

  /** Removes every row about the contact. */
  eraseContact(contactId: string): void;
  /**
   * Deletes what is older than `before`: messages, closed conversations, delivered outbox rows,
   * people idle since then (unless subscribed to news), and idle conversations' answers.
   */
  purgeExpired(before: number): { contacts: number; messages: number; conversations: number; outbox: number };

  close(): void;
}
