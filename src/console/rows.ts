/** The contract's Row and user shapes (docs/console-api.md): aliases only, never an address. */
import type { ConsoleUser, ConversationSummary } from '../core/console-ports.js';
import { isConnected } from '../core/presence.js';
import { aliasOf } from './alias.js';

/** Counts of the screening for the queue row: no words of the person, only item ids. */
export function screeningSummary(answers: Record<string, string> | null) {
  if (!answers) return null;
  const entries = Object.entries(answers).filter(([item]) => item !== 'relation');
  return {
    yes: entries.filter(([, a]) => a === 'yes').length,
    asked: entries.filter(([, a]) => a === 'yes' || a === 'no' || a === 'unsure').length,
    items: entries.filter(([, a]) => a === 'yes').map(([item]) => item),
  };
}

export function toRow(s: ConversationSummary, now: number) {
  return {
    id: s.id,
    alias: aliasOf(s.contactId),
    channel: s.channel,
    lang: s.lang,
    status: s.status,
    risk: s.risk,
    who: s.who,
    queuedAt: s.queuedAt,
    waitingMs: s.queuedAt == null ? null : Math.max(0, now - s.queuedAt),
    assignee: s.assignee,
    lastMessageAt: s.lastMessageAt,
    sos: s.sos,
    connected: s.channel === 'webchat' ? isConnected(s.streamSeenAt, now) : null,
    blocked: s.blocked,
    summary: screeningSummary(s.screening),
  };
}

export type Row = ReturnType<typeof toRow>;

export const toUserView = (u: ConsoleUser) => ({
  id: u.id,
  username: u.username,
  displayName: u.displayName,
  role: u.role,
  onDuty: u.onDuty,
});

export const toUserAdminView = (u: ConsoleUser) => ({
  ...toUserView(u),
  disabled: u.disabled,
  lastLoginAt: u.lastLoginAt,
});
