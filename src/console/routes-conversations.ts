/**
 * The queue, the conversation view and the counsellor's actions. Actions go through
 * Engine.counsellor (same per-person lock and outbox as the person's own turn); every opening and
 * every action is written to the audit log.
 */
import type { Context, Hono } from 'hono';
import { z } from 'zod';
import type { CounsellorAction } from '../core/engine.js';
import { CounsellorActionError } from '../core/errors.js';
import { writeAudit } from './audit.js';
import type { ConsoleDeps, ConsoleEnv } from './deps.js';
import { BadInput, body, fail, idParam } from './http.js';
import { CLOSE_OUTCOMES } from './outcomes.js';
import { toRow } from './rows.js';
import { requireAdmin } from './session.js';

export const MAX_TEXT = 4000;
const Text = z.object({ text: z.string().trim().min(1, 'write something first').max(MAX_TEXT) });
const Transfer = z.object({ to: z.number().int().positive() });
const Close = z.object({ outcome: z.enum(CLOSE_OUTCOMES) });
const Block = z.object({ reason: z.string().trim().min(1, 'give a reason').max(500) });

const conflictMessages: Record<string, string> = {
  owned_by_other: 'another counsellor has this conversation',
  not_owner: 'take the conversation over first',
  closed: 'this conversation is closed',
};

export function mountConversations(api: Hono<ConsoleEnv>, deps: ConsoleDeps): void {
  const { consoleStore } = deps;

  const summaryOr404 = async (id: number) => {
    const s = await consoleStore.summary(id);
    if (!s) throw new BadInput('no such conversation', 404);
    return s;
  };
  const rowOf = async (id: number) => toRow(await summaryOr404(id), deps.clock());

  api.get('/queue', async (c) => {
    const now = deps.clock();
    const { waiting, active } = await consoleStore.queue(now);
    return c.json({ waiting: waiting.map((s) => toRow(s, now)), active: active.map((s) => toRow(s, now)) });
  });

  api.get('/counsellors', async (c) => {
    const users = await consoleStore.listCounsellors();
    return c.json({
      counsellors: users.map((u) => ({ id: u.id, displayName: u.displayName, onDuty: u.onDuty })),
    });
  });

  api.get('/conversations/:id', async (c) => {
    const id = idParam(c);
    const s = await summaryOr404(id);
    const [transcript, notes, answers, earlierCases] = await Promise.all([
      consoleStore.transcript(id),
      consoleStore.listNotes(id),
      consoleStore.screeningAnswers(id),
      consoleStore.earlierCases(s.contactId, id),
    ]);
    await writeAudit(consoleStore, {
      actorId: c.get('session').user.id,
      action: 'open',
      contactId: s.contactId,
      conversationId: id,
      now: deps.clock(),
    });
    const screening =
      answers || s.risk
        ? {
            level: s.risk,
            answers: Object.entries(answers ?? {}).map(([item, answer]) => ({ item, answer })),
          }
        : null;
    return c.json({ conversation: toRow(s, deps.clock()), transcript, notes, screening, earlierCases });
  });

  /** Runs a counsellor action through the engine; its errors become 404/409 per the contract. */
  async function act(c: Context<ConsoleEnv>, action: CounsellorAction, detail?: string) {
    const id = idParam(c);
    const s = await summaryOr404(id);
    const { user } = c.get('session');
    try {
      const result = await deps.engine.counsellor(id, user.id, action);
      await writeAudit(consoleStore, {
        actorId: user.id,
        action: action.type === 'handBack' ? 'hand back' : action.type,
        contactId: s.contactId,
        conversationId: id,
        detail,
        now: deps.clock(),
      });
      return result;
    } catch (error) {
      if (error instanceof CounsellorActionError) {
        if (error.reason === 'not_found') throw new BadInput('no such conversation', 404);
        if (error.reason === 'owned_by_other') {
          const owner = (await consoleStore.summary(id))?.assignee?.displayName;
          throw new ActionConflict(
            error.reason,
            owner ? `${owner} has this conversation already` : 'another counsellor has this conversation',
          );
        }
        throw new ActionConflict(error.reason, conflictMessages[error.reason] ?? error.message);
      }
      throw error;
    }
  }

  api.post('/conversations/:id/take', async (c) => {
    const r = await act(c, { type: 'take' });
    return c.json({ conversation: await rowOf(r.conversation.id) });
  });
  api.post('/conversations/:id/reply', async (c) => {
    const { text } = await body(c, Text);
    const r = await act(c, { type: 'reply', text });
    return c.json({ messageId: r.messageId ?? null });
  });
  api.post('/conversations/:id/transfer', async (c) => {
    const { to } = await body(c, Transfer);
    const target = await consoleStore.getUser(to);
    if (!target) throw new BadInput('no such counsellor', 404);
    if (target.disabled) throw new BadInput('this account is disabled: choose an enabled counsellor');
    const r = await act(c, { type: 'transfer', to }, `to ${target.displayName}`);
    return c.json({ conversation: await rowOf(r.conversation.id) });
  });
  api.post('/conversations/:id/handback', async (c) => {
    const r = await act(c, { type: 'handBack' });
    return c.json({ conversation: await rowOf(r.conversation.id) });
  });
  api.post('/conversations/:id/close', async (c) => {
    const { outcome } = await body(c, Close);
    const r = await act(c, { type: 'close', outcome }, outcome);
    return c.json({ conversation: await rowOf(r.conversation.id) });
  });

  api.post('/conversations/:id/notes', async (c) => {
    const id = idParam(c);
    const { text } = await body(c, Text);
    const s = await summaryOr404(id);
    const { user } = c.get('session');
    const now = deps.clock();
    const note = await consoleStore.addNote({ conversationId: id, authorId: user.id, text, now });
    await writeAudit(consoleStore, {
      actorId: user.id,
      action: 'note',
      contactId: s.contactId,
      conversationId: id,
      now,
    });
    deps.notifier.publish(`conversation:${id}`);
    return c.json({ note });
  });

  const setBlocked = async (c: Context<ConsoleEnv>, blocked: boolean) => {
    const id = idParam(c);
    const reason = blocked ? (await body(c, Block)).reason : undefined;
    const s = await summaryOr404(id);
    await consoleStore.setBlocked(s.contactId, blocked);
    await writeAudit(consoleStore, {
      actorId: c.get('session').user.id,
      action: blocked ? 'block' : 'unblock',
      contactId: s.contactId,
      conversationId: id,
      detail: reason,
      now: deps.clock(),
    });
    deps.notifier.publish(`conversation:${id}`);
    deps.notifier.publish('queue');
    return c.json({ conversation: await rowOf(id) });
  };
  api.post('/conversations/:id/block', (c) => setBlocked(c, true));
  api.post('/conversations/:id/unblock', requireAdmin, (c) => setBlocked(c, false));
}

/** A 409 of the ownership rule, with the contract's `reason`. */
export class ActionConflict extends Error {
  constructor(
    readonly reason: string,
    message: string,
  ) {
    super(message);
  }
}

export const conflict = (c: Context, e: ActionConflict) => fail(c, 409, e.message, { reason: e.reason });
