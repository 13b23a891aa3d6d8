/**
 * Counsellor actions through the engine (what the console calls), on SQLite and PostgreSQL:
 * take over, reply, transfer, hand back, close; ownership; the person's side while a counsellor
 * has the chat.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { CounsellorActionError } from '../../src/core/errors.js';
import { BACKENDS } from '../helpers/backends.js';
import { EngineHarness } from '../helpers/engine-harness.js';

const harnesses: EngineHarness[] = [];
afterEach(async () => {
  for (const h of harnesses.splice(0)) await h.close().catch(() => {});
});

async function queued(h: EngineHarness, user: string) {
  await h.command(user, 'start');
  await h.choose(user, 'en');
  await h.choose(user, 'yes');
  await h.choose(user, 'me');
  await h.choose(user, 'counsellor');
  await h.delivered(user);
  h.adapter.sent.length = 0;
  const conv = await h.store.getConversation(h.cipher.pseudonym('webchat', user));
  if (!conv) throw new Error('no conversation');
  return conv;
}

const ALICE = 1;
const BOB = 2;

describe.each(BACKENDS)('counsellor actions on $name', (backend) => {
  const open = async () => {
    const h = await EngineHarness.open(await backend.fresh());
    harnesses.push(h);
    return h;
  };

  it('should take over: the person is told, the queue entry goes, the bot goes silent', async () => {
    const h = await open();
    const conv = await queued(h, 'u1');
    expect(await h.store.queuePosition(conv.id)).toBe(1);
    const { conversation } = await h.engine.counsellor(conv.id, ALICE, { type: 'take' });
    expect(conversation).toMatchObject({ status: 'counsellor', assignee: ALICE });
    expect(await h.store.queuePosition(conv.id)).toBeNull();
    expect(await h.delivered('u1')).toEqual([h.t('en', 'handoff:joined')]);
    h.adapter.sent.length = 0;
    const r = await h.text('u1', 'are you there?');
    expect(r.status).toBe('stored');
    expect(await h.delivered('u1')).toEqual([]);
  });

  it('should never let two counsellors own one conversation', async () => {
    const h = await open();
    const conv = await queued(h, 'u1');
    await h.engine.counsellor(conv.id, ALICE, { type: 'take' });
    const second = h.engine.counsellor(conv.id, BOB, { type: 'take' });
    await expect(second).rejects.toBeInstanceOf(CounsellorActionError);
    await expect(second).rejects.toMatchObject({ reason: 'owned_by_other' });
    await expect(h.engine.counsellor(conv.id, BOB, { type: 'reply', text: 'hi' })).rejects.toMatchObject({
      reason: 'not_owner',
    });
    // taking it twice oneself is harmless and says nothing twice
    await h.engine.counsellor(conv.id, ALICE, { type: 'take' });
    expect(await h.delivered('u1')).toEqual([h.t('en', 'handoff:joined')]);
  });

  it('should deliver a reply in order after the bot’s earlier replies, and log its author', async () => {
    const h = await open();
    const conv = await queued(h, 'u1');
    await h.engine.counsellor(conv.id, ALICE, { type: 'take' });
    const { messageId } = await h.engine.counsellor(conv.id, ALICE, {
      type: 'reply',
      text: 'Hello, I am here.',
    });
    expect(messageId).toBeGreaterThan(0);
    expect(await h.delivered('u1')).toEqual([h.t('en', 'handoff:joined'), 'Hello, I am here.']);
    const last = h.lastSent('u1');
    expect(last?.type === 'message' && last.globalChoices.map((c) => c.id)).toEqual(['sos', 'exit']);
  });

  it('should still answer SOS at once while a counsellor has the chat', async () => {
    const h = await open();
    const conv = await queued(h, 'u1');
    await h.engine.counsellor(conv.id, ALICE, { type: 'take' });
    await h.delivered('u1');
    h.adapter.sent.length = 0;
    await h.text('u1', 'SOS');
    expect(await h.delivered('u1')).toEqual([h.t('en', 'common:sos.text')]);
  });

  it('should transfer to another counsellor, who then owns the conversation', async () => {
    const h = await open();
    const conv = await queued(h, 'u1');
    await h.engine.counsellor(conv.id, ALICE, { type: 'take' });
    await h.engine.counsellor(conv.id, ALICE, { type: 'transfer', to: BOB });
    await expect(h.engine.counsellor(conv.id, ALICE, { type: 'reply', text: 'x' })).rejects.toMatchObject({
      reason: 'not_owner',
    });
    await h.engine.counsellor(conv.id, BOB, { type: 'reply', text: 'Bob here' });
    expect((await h.delivered('u1')).at(-1)).toBe('Bob here');
  });

  it('should hand back to the bot: the person gets the menu and the bot answers again', async () => {
    const h = await open();
    const conv = await queued(h, 'u1');
    await h.engine.counsellor(conv.id, ALICE, { type: 'take' });
    await h.engine.counsellor(conv.id, ALICE, { type: 'handBack' });
    expect(await h.delivered('u1')).toEqual([
      h.t('en', 'handoff:joined'),
      h.t('en', 'handoff:returned'),
      h.t('en', 'menu:main.text'),
    ]);
    h.adapter.sent.length = 0;
    await h.choose('u1', 'legal');
    expect((await h.delivered('u1')).length).toBeGreaterThan(0);
    expect((await h.store.getConversationById(conv.id))?.status).toBe('bot');
  });

  it('should close a case, keep it, and open a new one at the menu on the next message', async () => {
    const h = await open();
    const conv = await queued(h, 'u1');
    await h.engine.counsellor(conv.id, ALICE, { type: 'take' });
    await h.engine.counsellor(conv.id, ALICE, { type: 'close', outcome: 'referred' });
    expect((await h.delivered('u1')).slice(-2)).toEqual([
      h.t('en', 'handoff:closed'),
      h.t('en', 'menu:main.text'),
    ]);
    const closed = await h.store.getConversationById(conv.id);
    expect(closed).toMatchObject({ status: 'closed', outcome: 'referred' });
    await expect(h.engine.counsellor(conv.id, ALICE, { type: 'reply', text: 'x' })).rejects.toMatchObject({
      reason: 'closed',
    });
    h.adapter.sent.length = 0;
    await h.choose('u1', 'legal');
    const next = await h.store.getConversation(h.cipher.pseudonym('webchat', 'u1'));
    expect(next?.id).not.toBe(conv.id);
    expect(next?.flow).toBe('legal');
    expect(await h.delivered('u1')).not.toContain(h.t('en', 'intake:language.text'));
  });

  it('should refuse an unknown conversation', async () => {
    const h = await open();
    await expect(h.engine.counsellor(999_999, ALICE, { type: 'take' })).rejects.toMatchObject({
      reason: 'not_found',
    });
  });
});
