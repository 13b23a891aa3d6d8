/**
 * The console's audit log: who did what, when, to which pseudonym alias. Other parts write their
 * entries through `writeAudit` (e.g. broadcasts: "campaign sent"). Details are encrypted at rest;
 * on erase of a person their entries keep only the action ("erased"); RETENTION_DAYS purges them.
 */
import type { ConsoleStore } from '../core/console-ports.js';
import { aliasOf } from './alias.js';

export interface AuditInput {
  /** Console account that acted (null: the system). */
  actorId: number | null;
  /** e.g. 'login', 'open', 'take', 'reply', 'campaign sent'. */
  action: string;
  /** The person concerned (their pseudonym): the entry shows their alias. */
  contactId?: string | null;
  conversationId?: number | null;
  /** Short free text (no personal data beyond what the action needs, e.g. a block reason). */
  detail?: string | null;
  now: number;
}

export function writeAudit(store: ConsoleStore, e: AuditInput): Promise<void> {
  return store.audit({
    actorId: e.actorId,
    action: e.action,
    contactId: e.contactId ?? null,
    conversationId: e.conversationId ?? null,
    alias: e.contactId ? aliasOf(e.contactId) : null,
    detail: e.detail == null ? null : e.detail.slice(0, 500),
    now: e.now,
  });
}
