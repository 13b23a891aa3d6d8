/**
 * Erase asks once, then removes every row about the person, on SQLite and PostgreSQL.
 * "Every row" is checked against the schema itself: the table list is read from sqlite_master /
 * information_schema, so tables added later (notes, audit, subscriptions, deliveries…) are covered
 * without touching this file. A row is about the person when any column holds their pseudonym, or
 * a column naming a conversation or a message holds one of theirs.
 */
import Database from 'better-sqlite3';
import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import { BACKENDS, type Backend } from '../helpers/backends.js';
import { EngineHarness } from '../helpers/engine-harness.js';
import { storedBytes } from '../helpers/stored-text.js';

const harnesses: EngineHarness[] = [];
afterEach(async () => {
  for (const h of harnesses.splice(0)) await h.close().catch(() => {});
});

const open = async (backend: Backend) => {
  const h = await EngineHarness.open(await backend.fresh());
  harnesses.push(h);
  return h;
};

interface Traces {
  contactId: string;
  conversationIds: number[];
  messageIds: number[];
}

/** Query any table of either backend with `?` placeholders. */
async function withDb<T>(
  h: EngineHarness,
  fn: (
    q: <R>(sql: string, params?: unknown[]) => Promise<R[]>,
    tables: Array<{ table: string; columns: string[] }>,
  ) => Promise<T>,
): Promise<T> {
  const url = h.options.databaseUrl;
  if (url) {
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      const q = async <R>(sql: string, params: unknown[] = []) => {
        let n = 0;
        return (
          await client.query(
            sql.replace(/\?/g, () => `$${++n}`),
            params,
          )
        ).rows as R[];
      };
      const cols = await q<{ table_name: string; column_name: string }>(
        `SELECT table_name, column_name FROM information_schema.columns WHERE table_schema = 'public' ORDER BY table_name, ordinal_position`,
      );
      return await fn(q, groupColumns(cols.map((c) => [c.table_name, c.column_name])));
    } finally {
      await client.end();
    }
  }
  const db = new Database(h.dbPath, { readonly: true });
  try {
    const q = async <R>(sql: string, params: unknown[] = []) => db.prepare(sql).all(...params) as R[];
    const tables = db
      .prepare(`SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'`)
      .all() as Array<{ name: string }>;
    const pairs: Array<[string, string]> = [];
    for (const { name } of tables)
      for (const c of db.prepare(`SELECT name FROM pragma_table_info(?)`).all(name) as Array<{
        name: string;
      }>)
        pairs.push([name, c.name]);
    return await fn(q, groupColumns(pairs));
  } finally {
    db.close();
  }
}

function groupColumns(pairs: Array<[string, string]>): Array<{ table: string; columns: string[] }> {
  const by = new Map<string, string[]>();
  for (const [t, c] of pairs) by.set(t, [...(by.get(t) ?? []), c]);
  return [...by].map(([table, columns]) => ({ table, columns }));
}

/** The person's ids as the database holds them: pseudonym, every conversation (open or closed), every message. */
async function tracesOf(h: EngineHarness, userId: string): Promise<Traces> {
  const contactId = h.cipher.pseudonym('webchat', userId);
  return withDb(h, async (q) => {
    const conversationIds = (
      await q<{ id: number | string }>('SELECT id FROM conversations WHERE contact_id = ?', [contactId])
    ).map((r) => Number(r.id));
    const messageIds: number[] = [];
    for (const id of conversationIds)
      for (const r of await q<{ id: number | string }>('SELECT id FROM messages WHERE conversation_id = ?', [
        id,
      ]))
        messageIds.push(Number(r.id));
    return { contactId, conversationIds, messageIds };
  });
}

/** Every row of every table that points at the person, as "table.column = value" lines. */
async function rowsAbout(h: EngineHarness, t: Traces): Promise<string[]> {
  const pg = Boolean(h.options.databaseUrl);
  return withDb(h, async (q, tables) => {
    const found: string[] = [];
    for (const { table, columns } of tables) {
      for (const column of columns) {
        const asText = pg ? `"${column}"::text` : `CAST("${column}" AS TEXT)`;
        const checks: Array<[string, unknown[]]> = [[`${asText} = ?`, [t.contactId]]];
        // a column naming a conversation or a message (conversation_id, message_id, …; the id of
        // conversations and messages themselves)
        const isConversation = /conversation/.test(column) || (table === 'conversations' && column === 'id');
        const isMessage = /(^|_)message_id$/.test(column) || (table === 'messages' && column === 'id');
        if (isConversation && t.conversationIds.length > 0)
          checks.push([
            `${asText} IN (${t.conversationIds.map(() => '?').join(',')})`,
            t.conversationIds.map(String),
          ]);
        if (isMessage && t.messageIds.length > 0)
          checks.push([`${asText} IN (${t.messageIds.map(() => '?').join(',')})`, t.messageIds.map(String)]);
        for (const [where, params] of checks) {
          const rows = await q<{ n: number | string }>(
            `SELECT count(*) AS n FROM "${table}" WHERE ${where}`,
            params,
          );
          const n = Number(rows[0]?.n ?? 0);
          if (n > 0) found.push(`${table}.${column}: ${n} row(s)`);
        }
      }
    }
    return found;
  });
}

/** Intake, a closed case, a new case with screening answers, a counsellor request, a planted marker. */
async function richHistory(h: EngineHarness, userId: string, marker: string) {
  await h.command(userId, 'start', marker); // a deep-link tag: kept in clear text on the contact
  await h.choose(userId, 'en');
  await h.choose(userId, 'yes');
  await h.choose(userId, 'me');
  await h.choose(userId, 'counsellor');
  await h.text(userId, `first case ${marker}`);
  await h.delivered(userId);
  const first = await h.store.getConversation(h.cipher.pseudonym('webchat', userId));
  if (!first) throw new Error('no conversation');
  await h.engine.counsellor(first.id, 7, { type: 'take' });
  await h.engine.counsellor(first.id, 7, { type: 'reply', text: `counsellor words ${marker}` });
  await h.engine.counsellor(first.id, 7, { type: 'close', outcome: 'advice' });
  await h.delivered(userId);
  // a new case: screening answers in the snapshot, a risk level, a queue entry
  await h.text(userId, `second case ${marker}`);
  await h.choose(userId, 'screening');
  await h.choose(userId, 'start');
  await h.choose(userId, 'no');
  await h.choose(userId, 'no');
  await h.choose(userId, 'partner');
  await h.choose(userId, 'no'); // a1
  await h.choose(userId, 'yes'); // a2: threatened to kill -> high
  for (let i = 0; i < 11; i++) await h.choose(userId, 'no'); // a3 … d13
  await h.choose(userId, 'no'); // something else worries?
  await h.choose(userId, 'counsellor'); // queued, high
  await h.delivered(userId);
}

describe.each(BACKENDS)('erase on $name', (backend) => {
  it('should ask once and, on yes, leave no row about the person in any table', async () => {
    const h = await open(backend);
    const marker = `mk${Math.random().toString(36).slice(2, 10)}`;
    await richHistory(h, 'gone', marker);
    await richHistory(h, 'stays', `${marker.split('').reverse().join('')}x`);
    await h.delivered('gone');
    await h.dispatcher.stop();
    await h.choose('gone', 'screening'); // its replies are still pending in the outbox
    const before = await tracesOf(h, 'gone');
    expect(before.conversationIds.length).toBe(2); // the closed case and the open one
    const traced = await rowsAbout(h, before);
    // the check sees the person everywhere they are (so it can see a row left behind)
    for (const where of [
      'contacts.id',
      'conversations.contact_id',
      'messages.conversation_id',
      'outbox.contact_id',
      'outbox.conversation_id',
      'outbox.message_id',
      'handoff_queue.conversation_id',
    ])
      expect(
        traced.some((line) => line.startsWith(`${where}:`)),
        where,
      ).toBe(true);

    await h.command('gone', 'erase');
    expect((await rowsAbout(h, before)).length).toBeGreaterThan(0); // nothing erased yet: asked first
    const sentBefore = h.adapter.sent.length;
    await h.choose('gone', 'erase_yes');
    await h.delivered('gone');

    expect(await rowsAbout(h, before)).toEqual([]);
    // the other person keeps everything
    const other = await tracesOf(h, 'stays');
    expect(other.conversationIds.length).toBe(2);
    expect((await rowsAbout(h, other)).length).toBeGreaterThan(0);

    // the last things sent: delete what the platform allows, clear the page, one honest line
    // (and nothing else: the replies that were still waiting are gone with the rest)
    const last = h.adapter.sent.slice(sentBefore).filter((s) => s.address === 'gone');
    expect(last.map((s) => s.message.type)).toEqual(['delete', 'clear', 'message']);
    const del = last[0]?.message;
    expect(del?.type === 'delete' && del.refs.length).toBeGreaterThan(5);
    expect(last[2]?.message.type === 'message' && last[2].message.text).toBe(h.t('en', 'erase:done_webchat'));

    // and no planted string is left in the files (SQLite file and WAL, read while the app runs
    // and after it closed) or any PostgreSQL table
    const files = { dbPath: h.dbPath, databaseUrl: h.options.databaseUrl };
    const running = await storedBytes(files);
    await h.close();
    const closed = await storedBytes(files);
    for (const bytes of [...running, ...closed])
      expect(bytes.includes(Buffer.from(marker)), 'the marker of the erased person').toBe(false);
    // The goodbye rows carried the pseudonym until delivered (the web chat page pulls by it); on
    // SQLite their WAL frames hold it until the next checkpoint (at the latest at shutdown).
    for (const bytes of closed)
      expect(bytes.includes(Buffer.from(before.contactId)), 'the pseudonym of the erased person').toBe(false);
    // the other person's tag (kept in clear on purpose: a campaign tag) is still there: the search works
    const all = Buffer.concat(await storedBytes({ dbPath: h.dbPath, databaseUrl: h.options.databaseUrl }));
    expect(all.includes(Buffer.from(`${marker.split('').reverse().join('')}x`))).toBe(true);
  });

  it('should start fresh when the erased person writes again', async () => {
    const h = await open(backend);
    await richHistory(h, 'u1', 'mkfresh');
    await h.command('u1', 'erase');
    await h.choose('u1', 'erase_yes');
    await h.delivered('u1');
    h.adapter.sent.length = 0;
    await h.text('u1', 'hello');
    expect(await h.delivered('u1')).toEqual([h.t('ru', 'intake:language.text')]);
    const contact = await h.store.getContact(h.cipher.pseudonym('webchat', 'u1'));
    expect(contact?.lang).toBeNull();
    expect(contact?.source).toBeNull();
  });

  it('should keep everything on "no", another word or a stale button, and say so', async () => {
    const h = await open(backend);
    await richHistory(h, 'u1', 'mkkeep');
    await h.delivered('u1');
    const traces = await tracesOf(h, 'u1');
    const rows = await rowsAbout(h, traces);
    const conversation = await h.store.getConversation(traces.contactId);
    for (const answer of ['no', 'word', 'stale'] as const) {
      await h.command('u1', 'erase');
      expect((await h.delivered('u1')).at(-1)).toBe(h.t('en', 'erase:confirm'));
      const q = h.lastSent('u1');
      expect(q?.type === 'message' && q.choices.map((c) => c.id)).toEqual(['erase_yes', 'erase_no']);
      h.adapter.sent.length = 0;
      if (answer === 'no') await h.choose('u1', 'erase_no');
      if (answer === 'word') await h.text('u1', 'wait');
      if (answer === 'stale') {
        await h.choose('u1', 'erase_no');
        await h.delivered('u1');
        h.adapter.sent.length = 0;
        await h.choose('u1', 'erase_yes'); // the button of the question that is gone
      }
      const said = await h.delivered('u1');
      expect(said).toContain(answer === 'stale' ? h.t('en', 'common:stale_button') : h.t('en', 'erase:kept'));
      // back where they were: in the queue for a counsellor
      expect(said.at(-1)).toBe(h.t('en', 'handoff:queued.text', { queuePosition: 1 }));
    }
    // every row is still there (and more: the new messages)
    const after = await tracesOf(h, 'u1');
    expect(after.conversationIds).toEqual(traces.conversationIds);
    expect(after.messageIds).toEqual(expect.arrayContaining(traces.messageIds));
    const where = (lines: string[]) => lines.map((line) => line.split(':')[0]);
    expect(where(await rowsAbout(h, after))).toEqual(expect.arrayContaining(where(rows)));
    const now = await h.store.getConversation(traces.contactId);
    expect(now?.riskLevel).toBe(conversation?.riskLevel);
    expect(now?.riskLevel).toBe('high');
    expect(await h.store.queuePosition(now?.id ?? -1)).toBe(1);
  });

  it('should go back to the same screening question on "no", with the answers given so far', async () => {
    const h = await open(backend);
    await h.command('u1', 'start');
    await h.choose('u1', 'en');
    await h.choose('u1', 'yes');
    await h.choose('u1', 'me');
    await h.choose('u1', 'screening');
    await h.choose('u1', 'start');
    await h.choose('u1', 'no'); // g1
    await h.choose('u1', 'no'); // g2
    await h.choose('u1', 'partner');
    await h.choose('u1', 'no'); // a1
    await h.choose('u1', 'yes'); // a2: threatened to kill -> high
    await h.delivered('u1');
    h.adapter.sent.length = 0;
    await h.command('u1', 'erase');
    await h.command('u1', 'erase'); // asked twice: still back to where they were before the first
    await h.choose('u1', 'erase_no');
    expect(await h.delivered('u1')).toEqual([
      h.t('en', 'erase:confirm'),
      h.t('en', 'erase:confirm'),
      h.t('en', 'erase:kept'),
      h.t('en', 'screening:questions.a3'),
    ]);
    for (let i = 0; i < 11; i++) await h.choose('u1', 'no'); // a3 … d13
    await h.choose('u1', 'no'); // something else worries?
    await h.delivered('u1');
    // the answer given before the question (a2: yes) still counts
    expect((await h.store.getConversation(h.cipher.pseudonym('webchat', 'u1')))?.riskLevel).toBe('high');
  });

  it('should erase on the word "yes" typed in kk, ru or en, and on the erase word and the menu entry', async () => {
    const h = await open(backend);
    const ways: Array<[string, () => Promise<unknown>, string]> = [
      ['k', () => h.text('k', 'өшіру'), 'иә'],
      ['r', () => h.text('r', 'удалить мои данные'), 'да'],
      ['e', () => h.choose('e', 'erase'), 'yes'],
    ];
    for (const [user, ask, yes] of ways) {
      await h.command(user, 'start');
      await h.choose(user, 'en');
      await h.choose(user, 'yes');
      await h.choose(user, 'me');
      await ask();
      expect((await h.delivered(user)).at(-1)).toBe(h.t('en', 'erase:confirm'));
      expect(await h.store.getContact(h.cipher.pseudonym('webchat', user))).toBeDefined();
      await h.text(user, yes);
      expect((await h.delivered(user)).at(-1)).toBe(h.t('en', 'erase:done_webchat'));
      expect(await h.store.getContact(h.cipher.pseudonym('webchat', user))).toBeUndefined();
    }
  });

  it('should answer SOS while the question is open, and keep the question open', async () => {
    const h = await open(backend);
    await h.command('u1', 'start');
    await h.choose('u1', 'en');
    await h.command('u1', 'erase');
    await h.delivered('u1');
    h.adapter.sent.length = 0;
    await h.text('u1', 'help');
    expect(await h.delivered('u1')).toEqual([h.t('en', 'common:sos.text'), h.t('en', 'erase:confirm')]);
    await h.choose('u1', 'erase_yes');
    expect((await h.delivered('u1')).at(-1)).toBe(h.t('en', 'erase:done_webchat'));
  });

  it('should ask and erase during a counsellor chat too, and on "no" go back to the chat without the menu', async () => {
    const h = await open(backend);
    await h.command('u1', 'start');
    await h.choose('u1', 'en');
    await h.choose('u1', 'yes');
    await h.choose('u1', 'me');
    await h.choose('u1', 'counsellor');
    const conv = await h.store.getConversation(h.cipher.pseudonym('webchat', 'u1'));
    await h.engine.counsellor(conv?.id ?? -1, 3, { type: 'take' });
    await h.delivered('u1');
    h.adapter.sent.length = 0;
    await h.command('u1', 'erase');
    expect(await h.delivered('u1')).toEqual([h.t('en', 'erase:confirm')]);
    h.adapter.sent.length = 0;
    await h.choose('u1', 'erase_no');
    expect(await h.delivered('u1')).toEqual([h.t('en', 'erase:kept')]);
    h.adapter.sent.length = 0;
    await h.text('u1', 'still talking'); // to the counsellor: stored, the bot stays silent
    expect(await h.delivered('u1')).toEqual([]);
    await h.command('u1', 'erase');
    await h.choose('u1', 'erase_yes');
    expect((await h.delivered('u1')).at(-1)).toBe(h.t('en', 'erase:done_webchat'));
    expect(await h.store.getConversationById(conv?.id ?? -1)).toBeUndefined();
  });
});
