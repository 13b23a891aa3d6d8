/**
 * Console administration over the real API: accounts (add, duplicate, weak password, reset ends
 * sessions, the admin CLI), canned replies (seeded in kk/ru/en, edited by admins), the help
 * directory (hide: gone from the bot at once; stale after DIRECTORY_RECHECK_DAYS), the audit log
 * (erase reduces a person's entries; retention purges), WhatsApp linking (QR drawn locally).
 */
import { afterEach, describe, expect, inject, it } from 'vitest';
import { aliasOf } from '../../src/console/alias.js';
import { writeAudit } from '../../src/console/audit.js';
import { createUserCommand } from '../../src/console/create-user.js';
import type { ChannelAdapter } from '../../src/core/types.js';
import { freshDatabase } from '../helpers/postgres-cluster.js';
import { removeDir, startTestApp, type TestApp, testEnv } from '../helpers/test-app.js';
import { addUser, ConsoleClient, loggedIn, PASSWORD, person } from './console-client.js';

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
  return { t, admin: await loggedIn(t.baseUrl, 'root') };
}

const ENTRY = {
  region: 'Almaty',
  name: { kk: 'Дағдарыс орталығы', ru: 'Кризисный центр', en: 'Crisis centre' },
  phone: '+7 727 000 00 00',
  hours: 'Mon–Fri 09:00–18:00',
  languages: ['kk', 'ru'],
  note: null,
  source: 'NGO list, 2026',
  checkedOn: '2026-11-20',
};

describe('console accounts', () => {
  it('should let an admin add a counsellor, refuse duplicates and weak passwords, and reset a password', async () => {
    const { t, admin } = await setup();
    const weak = await admin.post('/api/users', {
      username: 'dana',
      displayName: 'Dana',
      role: 'counsellor',
      password: 'short',
    });
    expect(weak.status).toBe(400);
    expect(weak.json.error).toMatch(/at least 12 characters/);
    const badRole = await admin.post('/api/users', {
      username: 'dana',
      displayName: 'Dana',
      role: 'root',
      password: PASSWORD,
    });
    expect(badRole.status).toBe(400);
    const add = await admin.post('/api/users', {
      username: 'dana',
      displayName: 'Dana',
      role: 'counsellor',
      password: PASSWORD,
    });
    expect(add.status).toBe(200);
    expect(add.json.user).toMatchObject({
      username: 'dana',
      role: 'counsellor',
      disabled: false,
      lastLoginAt: null,
    });
    expect(JSON.stringify(add.json)).not.toMatch(/argon2|password/i);
    expect(
      (
        await admin.post('/api/users', {
          username: 'Dana',
          displayName: 'D',
          role: 'admin',
          password: PASSWORD,
        })
      ).status,
    ).toBe(409);

    const dana = await loggedIn(t.baseUrl, 'dana');
    const list = await admin.get('/api/users');
    expect(list.json.users.map((u: { username: string }) => u.username)).toEqual(['root', 'dana']);
    expect(list.json.users[1].lastLoginAt).toEqual(expect.any(Number));
    // any counsellor sees whom to transfer to
    expect((await dana.get('/api/counsellors')).json.counsellors).toEqual([
      { id: add.json.user.id, displayName: 'Dana', onDuty: false },
      { id: list.json.users[0].id, displayName: 'Root', onDuty: false },
    ]);

    const reset = await admin.post(`/api/users/${add.json.user.id}/password`, {
      password: 'a new long password',
    });
    expect(reset.status).toBe(204);
    expect((await dana.get('/api/me')).status).toBe(401); // the old session ended
    expect((await new ConsoleClient(t.baseUrl).login('dana', PASSWORD)).status).toBe(401);
    expect((await new ConsoleClient(t.baseUrl).login('dana', 'a new long password')).status).toBe(200);
    expect((await admin.post('/api/users/999/disable')).status).toBe(404);

    const actions = (await admin.get('/api/audit')).json.entries.map((e: { action: string }) => e.action);
    expect(actions).toEqual(expect.arrayContaining(['user added', 'password reset']));
  });

  it('should create the first admin from the command line, with no default password', async () => {
    const { env, dir } = testEnv();
    // the command line writes to the database the app then opens (PostgreSQL under test:postgres)
    if (process.env.TIREK_TEST_STORE === 'postgres')
      env.DATABASE_URL = await freshDatabase(inject('postgresUrl'));
    const args = ['--role', 'admin', '--username', 'first', '--display-name', 'First Admin'];
    await expect(createUserCommand(args, { ...env, TIREK_ADMIN_PASSWORD: 'short' })).rejects.toThrow(
      /12 characters/,
    );
    await expect(
      createUserCommand(['--role', 'boss', '--username', 'x'], { ...env, TIREK_ADMIN_PASSWORD: PASSWORD }),
    ).rejects.toThrow(/--role/);
    // no password given and no terminal: refuses instead of inventing one
    const { TIREK_ADMIN_PASSWORD: _, ...noPassword } = { ...env, TIREK_ADMIN_PASSWORD: undefined };
    await expect(createUserCommand(args, noPassword)).rejects.toThrow(/TIREK_ADMIN_PASSWORD/);
    expect(await createUserCommand(args, { ...env, TIREK_ADMIN_PASSWORD: PASSWORD })).toMatch(
      /Created admin "first"/,
    );
    await expect(createUserCommand(args, { ...env, TIREK_ADMIN_PASSWORD: PASSWORD })).rejects.toThrow(
      /taken/,
    );
    const t = await startTestApp({ env, dir });
    apps.push(t);
    const first = new ConsoleClient(t.baseUrl);
    const login = await first.login('first', PASSWORD);
    expect(login.json.user).toMatchObject({ username: 'first', displayName: 'First Admin', role: 'admin' });
    expect((await first.get('/api/users')).status).toBe(200);
  });
});

describe('console canned replies', () => {
  it('should seed defaults in kk/ru/en from the locales and let admins edit them', async () => {
    const { t, admin } = await setup();
    await addUser(t.app, 'aigerim');
    const aigerim = await loggedIn(t.baseUrl, 'aigerim');
    const seeded = (await aigerim.get('/api/canned')).json.canned;
    expect(seeded).toHaveLength(6);
    expect(seeded[0].text).toEqual({
      kk: t.app.translator.t('kk', 'canned:defaults.greeting.text'),
      ru: t.app.translator.t('ru', 'canned:defaults.greeting.text'),
      en: t.app.translator.t('en', 'canned:defaults.greeting.text'),
    });
    const text = { kk: 'Сәлем', ru: 'Привет', en: 'Hello' };
    expect((await aigerim.post('/api/canned', { title: 'Hi', text })).status).toBe(403);
    expect((await admin.post('/api/canned', { title: 'Hi', text: { ru: 'Привет' } })).status).toBe(400);
    const created = await admin.post('/api/canned', { title: 'Hi', text });
    expect(created.json.canned).toMatchObject({ title: 'Hi', text });
    const id = created.json.canned.id;
    const updated = await admin.put(`/api/canned/${id}`, { title: 'Hello', text });
    expect(updated.json.canned.title).toBe('Hello');
    expect((await admin.put('/api/canned/9999', { title: 'x', text })).status).toBe(404);
    expect((await admin.delete(`/api/canned/${id}`)).status).toBe(204);
    expect((await admin.delete(`/api/canned/${id}`)).status).toBe(404);
    expect((await aigerim.get('/api/canned')).json.canned).toHaveLength(6);
  });
});

describe('console help directory', () => {
  it('should hide an entry from the bot at once and flag old entries as stale', async () => {
    const now = Date.parse('2026-12-01T12:00:00Z');
    const { t, admin } = await setup({ env: { DIRECTORY_RECHECK_DAYS: '30' }, clock: () => now });
    const list = (await admin.get('/api/directory')).json.entries;
    expect(list.length).toBeGreaterThan(0);
    const created = await admin.post('/api/directory', ENTRY);
    expect(created.status).toBe(200);
    expect(created.json.entry).toMatchObject({ ...ENTRY, hidden: false, stale: false });
    const id = created.json.entry.id;
    const old = await admin.put(`/api/directory/${id}`, { ...ENTRY, checkedOn: '2026-10-01' });
    expect(old.json.entry.stale).toBe(true);
    expect((await admin.put(`/api/directory/${id}`, { ...ENTRY, checkedOn: 'last week' })).status).toBe(400);
    expect((await admin.post('/api/directory', { ...ENTRY, phone: 'call me' })).status).toBe(400);
    expect((await admin.put('/api/directory/9999', ENTRY)).status).toBe(404);

    const bot = async () => (await t.app.store.listDirectory('Almaty')).map((e) => e.id);
    expect(await bot()).toContain(id);
    const hidden = await admin.post(`/api/directory/${id}/hide`);
    expect(hidden.json.entry.hidden).toBe(true);
    expect(await bot()).not.toContain(id);
    expect((await admin.get('/api/directory')).json.entries.map((e: { id: number }) => e.id)).toContain(id);
    await admin.post(`/api/directory/${id}/show`);
    expect(await bot()).toContain(id);
    expect((await admin.post('/api/directory/9999/hide')).status).toBe(404);
  });
});

describe('console audit log', () => {
  it('should reduce a person’s entries to “erased” when they erase their data, and purge old ones', async () => {
    const { t, admin } = await setup();
    await addUser(t.app, 'aigerim', 'counsellor', 'Aigerim');
    const aigerim = await loggedIn(t.baseUrl, 'aigerim');
    const p = person(t.app, 'web-erase');
    const id = await p.queue();
    await aigerim.get(`/api/conversations/${id}`);
    await aigerim.post(`/api/conversations/${id}/block`, { reason: 'a reason' });
    await aigerim.post(`/api/conversations/${id}/unblock`); // 403: not audited
    const mine = async () =>
      (
        (await admin.get('/api/audit')).json.entries as Array<{
          action: string;
          alias: string | null;
          detail: string | null;
        }>
      ).filter((e) => ['open', 'block'].includes(e.action));
    expect(await mine()).toEqual([
      expect.objectContaining({ action: 'block', alias: aliasOf(p.contactId), detail: 'a reason' }),
      expect.objectContaining({ action: 'open', alias: aliasOf(p.contactId) }),
    ]);
    await t.app.store.transaction((tx) => tx.eraseContact(p.contactId));
    expect(await mine()).toEqual([
      expect.objectContaining({ action: 'block', alias: null, detail: 'erased' }),
      expect.objectContaining({ action: 'open', alias: null, detail: 'erased' }),
    ]);

    // other parts write entries too (e.g. broadcasts); RETENTION_DAYS purges old entries
    await writeAudit(t.app.consoleStore, {
      actorId: null,
      action: 'campaign sent',
      detail: 'winter',
      now: Date.now() - 40 * 86_400_000,
    });
    const has = async () =>
      (await admin.get('/api/audit?limit=500')).json.entries.some(
        (e: { action: string }) => e.action === 'campaign sent',
      );
    expect(await has()).toBe(true);
    await t.app.store.purgeExpired(Date.now() - 30 * 86_400_000);
    expect(await has()).toBe(false);
    expect((await admin.get('/api/audit?limit=0')).status).toBe(400);
    expect((await admin.get('/api/audit?limit=2')).json.entries).toHaveLength(2);
  });
});

describe('console WhatsApp linking', () => {
  it('should say off without WhatsApp, and show the QR to scan, drawn locally', async () => {
    const plain = await setup();
    expect((await plain.admin.get('/api/whatsapp')).json).toMatchObject({ state: 'off', qr: null });

    let state: { status: string; qr?: string; since: number } = {
      status: 'qr',
      qr: '2@abc,def,ghi',
      since: 1,
    };
    const fake = {
      channel: 'whatsapp',
      start: async () => {},
      stop: async () => {},
      send: async () => ({ refs: [] }),
      linkingState: () => state,
    } as unknown as ChannelAdapter;
    const { admin } = await setup({ channelOverrides: { whatsapp: fake } });
    const qr = await admin.get('/api/whatsapp');
    expect(qr.json.state).toBe('qr');
    expect(qr.json.qr).toMatch(/^data:image\/svg\+xml;base64,/);
    expect(Buffer.from(qr.json.qr.split(',')[1], 'base64').toString()).toMatch(/<svg/);
    state = { status: 'ready', since: 2 };
    expect((await admin.get('/api/whatsapp')).json).toMatchObject({ state: 'connected', qr: null });
  });
});
