/**
 * Queue, conversation view and the counsellor's actions through the console API (real HTTP, the
 * real app): queue order across and within risk levels, aliases only, the audit log of every
 * opening and action, the ownership rule (409 with a clear message), transfer only to an enabled
 * counsellor, delivery status of replies, private notes, bad input → 4xx, live events.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { aliasOf } from '../../src/console/alias.js';
import { removeDir, startTestApp, type TestApp } from '../helpers/test-app.js';
import { addUser, type ConsoleClient, drain, loggedIn, person, queuedAt } from './console-client.js';

const apps: TestApp[] = [];
afterEach(async () => {
  for (const t of apps.splice(0)) {
    await t.stop();
    removeDir(t.dir);
  }
});

async function setup(options: Parameters<typeof startTestApp>[0] = {}) {
  const t = await startTestApp(options);
  apps.push(t);
  await addUser(t.app, 'root', 'admin', 'Root');
  await addUser(t.app, 'aigerim', 'counsellor', 'Aigerim');
  await addUser(t.app, 'dana', 'counsellor', 'Dana');
  return {
    t,
    admin: await loggedIn(t.baseUrl, 'root'),
    aigerim: await loggedIn(t.baseUrl, 'aigerim'),
    dana: await loggedIn(t.baseUrl, 'dana'),
  };
}

const auditActions = async (admin: ConsoleClient) =>
  (
    (await admin.get('/api/audit')).json.entries as Array<{
      action: string;
      actor: string;
      alias: string | null;
    }>
  )
    .reverse()
    .filter((e) => !['login', 'logout'].includes(e.action));

describe('console queue', () => {
  it('should order waiting people by risk, then oldest first within one level', async () => {
    const { t, aigerim } = await setup();
    const base = Date.now() - 3_600_000;
    const ids = {
      standardOld: await queuedAt(t.app, 's-old', 'standard', base),
      highNew: await queuedAt(t.app, 'h-new', 'high', base + 30 * 60_000),
      immediate: await queuedAt(t.app, 'i', 'immediate', base + 50 * 60_000),
      highOld: await queuedAt(t.app, 'h-old', 'high', base + 10 * 60_000),
      unknownRisk: await queuedAt(t.app, 'u', null, base + 5 * 60_000),
      standardNew: await queuedAt(t.app, 's-new', 'standard', base + 40 * 60_000),
    };
    const q = await aigerim.get('/api/queue');
    expect(q.status).toBe(200);
    expect(q.json.waiting.map((r: { id: number }) => r.id)).toEqual([
      ids.immediate,
      ids.highOld,
      ids.highNew,
      ids.standardOld,
      ids.unknownRisk,
      ids.standardNew,
    ]);
    const first = q.json.waiting[0];
    expect(first).toMatchObject({
      alias: aliasOf('test-contact-i'),
      channel: 'telegram',
      lang: 'en',
      status: 'queued',
      risk: 'immediate',
      who: 'me',
      assignee: null,
      sos: false,
      connected: null,
    });
    expect(first.alias).toMatch(/^Person [0-9A-Z]{4}$/);
    expect(first.waitingMs).toBeGreaterThanOrEqual(10 * 60_000 - 1000);
    // never an address (the chat id) in what the console gets
    expect(JSON.stringify(q.json)).not.toMatch(/chat-/);
  });

  it('should show the conversations the bot handles now and those a counsellor has', async () => {
    const { t, aigerim } = await setup();
    const p = person(t.app, 'web-1');
    await p.command('start');
    const q = await aigerim.get('/api/queue');
    expect(q.json.waiting).toEqual([]);
    expect(q.json.active).toHaveLength(1);
    expect(q.json.active[0]).toMatchObject({
      status: 'bot',
      channel: 'webchat',
      alias: aliasOf(p.contactId),
    });
    expect(q.json.active[0].connected).toBe(false);
    await t.app.store.markStreamSeen(p.contactId, Date.now());
    expect((await aigerim.get('/api/queue')).json.active[0].connected).toBe(true);
    // a counsellor can take over a conversation the bot is handling
    const id = q.json.active[0].id;
    const take = await aigerim.post(`/api/conversations/${id}/take`);
    expect(take.status).toBe(200);
    expect(take.json.conversation).toMatchObject({
      status: 'counsellor',
      assignee: { displayName: 'Aigerim' },
    });
  });
});

describe('console conversation actions', () => {
  it('should take, reply, note, transfer, hand back and close, each written to the audit log', async () => {
    const { t, admin, aigerim, dana } = await setup();
    const p = person(t.app, 'web-2');
    const id = await p.queue();
    const alias = aliasOf(p.contactId);

    const view = await aigerim.get(`/api/conversations/${id}`);
    expect(view.status).toBe(200);
    expect(view.json.conversation).toMatchObject({ id, alias, status: 'queued' });
    expect(view.json.transcript.length).toBeGreaterThan(3);
    expect(view.json.transcript[0]).toMatchObject({ author: 'person', text: '/start' });
    expect(view.json.transcript.some((m: { author: string }) => m.author === 'bot')).toBe(true);
    expect(view.json.earlierCases).toEqual([]);

    const take = await aigerim.post(`/api/conversations/${id}/take`);
    expect(take.json.conversation).toMatchObject({
      status: 'counsellor',
      assignee: { displayName: 'Aigerim' },
    });

    const reply = await aigerim.post(`/api/conversations/${id}/reply`, { text: 'Hello, I am here.' });
    expect(reply.status).toBe(200);
    expect(reply.json.messageId).toBeGreaterThan(0);
    const afterReply = await aigerim.get(`/api/conversations/${id}`);
    const sent = afterReply.json.transcript.find((m: { id: number }) => m.id === reply.json.messageId);
    // web chat: queued until the person's page pulls it
    expect(sent).toMatchObject({
      author: 'counsellor',
      counsellor: 'Aigerim',
      text: 'Hello, I am here.',
      delivery: 'queued',
    });

    const note = await aigerim.post(`/api/conversations/${id}/notes`, { text: 'Seems calm; follow up.' });
    expect(note.json.note).toMatchObject({ author: 'Aigerim', text: 'Seems calm; follow up.' });
    expect((await dana.get(`/api/conversations/${id}`)).json.notes).toEqual([note.json.note]);

    const transfer = await aigerim.post(`/api/conversations/${id}/transfer`, {
      to: (await dana.get('/api/me')).json.user.id,
    });
    expect(transfer.json.conversation.assignee).toMatchObject({ displayName: 'Dana' });
    // Aigerim no longer owns it
    const notOwner = await aigerim.post(`/api/conversations/${id}/reply`, { text: 'still me' });
    expect(notOwner.status).toBe(409);
    expect(notOwner.json).toMatchObject({ reason: 'not_owner' });

    const back = await dana.post(`/api/conversations/${id}/handback`);
    expect(back.json.conversation).toMatchObject({ status: 'bot', assignee: null });
    await dana.post(`/api/conversations/${id}/take`);
    const close = await dana.post(`/api/conversations/${id}/close`, { outcome: 'referred' });
    expect(close.json.conversation).toMatchObject({ status: 'closed' });
    const closedAgain = await dana.post(`/api/conversations/${id}/take`);
    expect(closedAgain.status).toBe(409);
    expect(closedAgain.json.reason).toBe('closed');

    const entries = await auditActions(admin);
    expect(entries.map((e) => [e.actor, e.action, e.alias])).toEqual([
      ['Aigerim', 'open', alias],
      ['Aigerim', 'take', alias],
      ['Aigerim', 'reply', alias],
      ['Aigerim', 'open', alias],
      ['Aigerim', 'note', alias],
      ['Dana', 'open', alias],
      ['Aigerim', 'transfer', alias],
      ['Dana', 'hand back', alias],
      ['Dana', 'take', alias],
      ['Dana', 'close', alias],
    ]);

    // the next message opens a new case; the console shows the earlier one
    await p.text('hello again');
    const next = (await t.app.store.getConversation(p.contactId))?.id;
    expect(next).not.toBe(id);
    const nextView = await aigerim.get(`/api/conversations/${next}`);
    expect(nextView.json.earlierCases).toEqual([
      expect.objectContaining({ id, outcome: 'referred', closedAt: expect.any(Number) }),
    ]);
  });

  it('should never let a second counsellor take a conversation: 409 with a clear message', async () => {
    const { t, aigerim, dana } = await setup();
    const id = await person(t.app, 'web-3').queue();
    expect((await aigerim.post(`/api/conversations/${id}/take`)).status).toBe(200);
    const second = await dana.post(`/api/conversations/${id}/take`);
    expect(second.status).toBe(409);
    expect(second.json).toEqual({ error: 'Aigerim has this conversation already', reason: 'owned_by_other' });
    const reply = await dana.post(`/api/conversations/${id}/reply`, { text: 'hi' });
    expect(reply.status).toBe(409);
    expect(reply.json.reason).toBe('not_owner');
    expect(reply.json.error).toMatch(/take the conversation over first/);
  });

  it('should show each reply’s delivery: queued, sent, or failed with the reason', async () => {
    const { t, aigerim } = await setup();
    const p = person(t.app, 'web-delivery');
    const id = await p.queue();
    await aigerim.post(`/api/conversations/${id}/take`);
    await drain(t.app, p.contactId); // the bot's earlier replies and "a counsellor joined"
    const first = (await aigerim.post(`/api/conversations/${id}/reply`, { text: 'first' })).json.messageId;
    const second = (await aigerim.post(`/api/conversations/${id}/reply`, { text: 'second' })).json.messageId;
    const delivery = async () =>
      Object.fromEntries(
        (
          (await aigerim.get(`/api/conversations/${id}`)).json.transcript as Array<{
            id: number;
            delivery: string | null;
            error: string | null;
          }>
        )
          .filter((m) => m.id === first || m.id === second)
          .map((m) => [m.id, [m.delivery, m.error]]),
      );
    expect(await delivery()).toEqual({ [first]: ['queued', null], [second]: ['queued', null] });
    // the page pulls the first; the second fails for good (e.g. the person blocked the bot)
    const one = (await t.app.store.claimOutboxFor(p.contactId, Date.now())).items[0];
    await t.app.store.markOutboxSent(one?.id as number, [], Date.now());
    const two = (await t.app.store.claimOutboxFor(p.contactId, Date.now())).items[0];
    await t.app.store.markOutboxFailed(two?.id as number, 'the person blocked the bot', Date.now());
    expect(await delivery()).toEqual({
      [first]: ['sent', null],
      [second]: ['failed', 'the person blocked the bot'],
    });
  });

  it('should transfer only to an enabled counsellor', async () => {
    const { t, admin, aigerim } = await setup();
    const id = await person(t.app, 'web-4').queue();
    await aigerim.post(`/api/conversations/${id}/take`);
    const dana = (await admin.get('/api/users')).json.users.find(
      (u: { username: string }) => u.username === 'dana',
    );
    await admin.post(`/api/users/${dana.id}/disable`);
    const toDisabled = await aigerim.post(`/api/conversations/${id}/transfer`, { to: dana.id });
    expect(toDisabled.status).toBe(400);
    expect(toDisabled.json.error).toMatch(/disabled/);
    expect((await aigerim.post(`/api/conversations/${id}/transfer`, { to: 9999 })).status).toBe(404);
    const view = await aigerim.get(`/api/conversations/${id}`);
    expect(view.json.conversation.assignee.displayName).toBe('Aigerim');
  });

  it('should answer bad input with a 4xx and a clear message, never a 500', async () => {
    const { t, aigerim } = await setup();
    const id = await person(t.app, 'web-5').queue();
    await aigerim.post(`/api/conversations/${id}/take`);
    const cases: Array<[string, string, unknown, number, RegExp]> = [
      ['GET', '/api/conversations/999999', undefined, 404, /no such conversation/],
      ['GET', '/api/conversations/abc', undefined, 404, /no such/],
      ['GET', '/api/conversations/-1', undefined, 404, /no such/],
      ['POST', '/api/conversations/999999/take', {}, 404, /no such conversation/],
      ['POST', `/api/conversations/${id}/reply`, {}, 400, /text/],
      ['POST', `/api/conversations/${id}/reply`, { text: 42 }, 400, /text/],
      ['POST', `/api/conversations/${id}/reply`, { text: '   ' }, 400, /write something/],
      ['POST', `/api/conversations/${id}/reply`, { text: 'x'.repeat(4001) }, 400, /text/],
      ['POST', `/api/conversations/${id}/transfer`, { to: 'dana' }, 400, /to/],
      ['POST', `/api/conversations/${id}/close`, { outcome: 'whatever' }, 400, /outcome/],
      ['POST', `/api/conversations/${id}/notes`, { text: ['a'] }, 400, /text/],
      ['POST', '/api/duty', { onDuty: 'yes' }, 400, /onDuty/],
      ['POST', '/api/login', { username: 'a' }, 400, /password/],
    ];
    for (const [method, path, body, status, message] of cases) {
      const a = await aigerim.request(method, path, body);
      expect([method, path, a.status]).toEqual([method, path, status]);
      expect(a.json.error).toMatch(message);
    }
    const notJson = await aigerim.request('POST', `/api/conversations/${id}/reply`, undefined, {
      raw: '{nope',
    });
    expect(notJson.status).toBe(400);
    expect(notJson.json.error).toMatch(/JSON/);
    const huge = await aigerim.request('POST', `/api/conversations/${id}/reply`, undefined, {
      raw: JSON.stringify({ text: 'x'.repeat(20_000) }),
    });
    expect(huge.status).toBe(413);
    expect(huge.json.error).toMatch(/larger than 16 kB/);
  });

  it('should keep the duty toggle on the account', async () => {
    const { t, aigerim } = await setup();
    expect(await t.app.consoleStore.countOnDuty()).toBe(0);
    expect((await aigerim.post('/api/duty', { onDuty: true })).json).toEqual({ onDuty: true });
    expect((await aigerim.get('/api/me')).json.user.onDuty).toBe(true);
    expect(await t.app.consoleStore.countOnDuty()).toBe(1);
    expect(await t.app.store.anyCounsellorOnDuty()).toBe(true);
    await aigerim.post('/api/duty', { onDuty: false });
    expect(await t.app.store.anyCounsellorOnDuty()).toBe(false);
  });
});

describe('console live events', () => {
  it('should stream queue, alert and conversation events', async () => {
    const { t, aigerim } = await setup();
    const res = await fetch(`${t.baseUrl}/api/events`, { headers: { cookie: aigerim.cookie ?? '' } });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/text\/event-stream/);
    const reader = (res.body as ReadableStream<Uint8Array>).getReader();
    let seen = '';
    const until = async (pattern: RegExp) => {
      const deadline = Date.now() + 5000;
      while (!pattern.test(seen)) {
        if (Date.now() > deadline) throw new Error(`no ${pattern} in: ${seen}`);
        const { value, done } = await reader.read();
        if (done) throw new Error('stream ended');
        seen += new TextDecoder().decode(value);
      }
    };
    await until(/event: ready/);
    // a burst collapses into one event (notifications come after the writer's commit)
    for (let i = 0; i < 3; i++) t.app.notifier.publish('queue');
    await until(/event: queue/);
    await new Promise((r) => setTimeout(r, 300));
    t.app.notifier.publish('alert:high');
    await until(/event: alert\ndata: \{"risk":"high"\}/);
    expect(seen.match(/event: queue/g)).toHaveLength(1);
    expect(seen.match(/event: alert/g)).toHaveLength(1);
    const id = await person(t.app, 'web-6').queue();
    await until(/event: queue/);
    await until(new RegExp(`event: conversation\\ndata: \\{"id":${id}\\}`));
    await reader.cancel();
  });

  it('should close a stream as soon as its session is ended: logout, a disabled account, a new password', async () => {
    const { t, admin, aigerim, dana } = await setup();
    const open = async (cookie: string | undefined) => {
      const res = await fetch(`${t.baseUrl}/api/events`, { headers: { cookie: cookie ?? '' } });
      expect(res.status).toBe(200);
      const reader = (res.body as ReadableStream<Uint8Array>).getReader();
      let ended = false;
      const read = (async () => {
        while (!(await reader.read()).done) {
          // keep reading until the server ends the stream
        }
        ended = true;
      })();
      return { ended: () => ended, read, cancel: () => reader.cancel().catch(() => {}) };
    };
    // within a second, not at the next 25-second keep-alive check
    const endsSoon = async (s: { ended: () => boolean; read: Promise<void> }) => {
      await Promise.race([s.read, new Promise((r) => setTimeout(r, 2000))]);
      return s.ended();
    };
    const mine = await open(aigerim.cookie);
    const others = await open(dana.cookie);
    const admins = await open(admin.cookie);
    await new Promise((r) => setTimeout(r, 100));
    await aigerim.post('/api/logout');
    expect(await endsSoon(mine)).toBe(true);
    // the other streams stay open
    expect(others.ended()).toBe(false);
    expect(admins.ended()).toBe(false);

    const danaId = (
      (await admin.get('/api/users')).json.users as Array<{ id: number; username: string }>
    ).find((u) => u.username === 'dana')?.id;
    await admin.post(`/api/users/${danaId}/disable`);
    expect(await endsSoon(others)).toBe(true);
    expect(admins.ended()).toBe(false);

    const again = await open((await loggedIn(t.baseUrl, 'aigerim')).cookie);
    const aigerimId = (
      (await admin.get('/api/users')).json.users as Array<{ id: number; username: string }>
    ).find((u) => u.username === 'aigerim')?.id;
    await admin.post(`/api/users/${aigerimId}/password`, { password: 'a new long passphrase 2026' });
    expect(await endsSoon(again)).toBe(true);
    expect(admins.ended()).toBe(false);
    await admins.cancel();
  });
});
