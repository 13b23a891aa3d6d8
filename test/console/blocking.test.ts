/**
 * Blocking (issue 11 item 8): a counsellor blocks a pseudonym with a reason (audit log); the
 * person's messages are stored for the record and get no answer, except SOS; only an admin unblocks.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { aliasOf } from '../../src/console/alias.js';
import { removeDir, startTestApp, type TestApp } from '../helpers/test-app.js';
import { addUser, drain, loggedIn, person } from './console-client.js';

/** Every outbox item for the person, of any type (a quick exit also queues a page clear). */
async function drainTypes(app: TestApp['app'], contactId: string): Promise<string[]> {
  const types: string[] = [];
  for (;;) {
    const { items } = await app.store.claimOutboxFor(contactId, Date.now() + 1000);
    const item = items[0];
    if (!item) return types;
    types.push(item.message.type);
    await app.store.markOutboxSent(item.id, [], Date.now());
  }
}

const apps: TestApp[] = [];
afterEach(async () => {
  for (const t of apps.splice(0)) {
    await t.stop();
    removeDir(t.dir);
  }
});

describe('blocking a person', () => {
  it('should store a blocked person’s words, answer nothing but SOS, and let only an admin unblock', async () => {
    const t = await startTestApp();
    apps.push(t);
    await addUser(t.app, 'root', 'admin', 'Root');
    await addUser(t.app, 'aigerim', 'counsellor', 'Aigerim');
    const admin = await loggedIn(t.baseUrl, 'root');
    const aigerim = await loggedIn(t.baseUrl, 'aigerim');
    const p = person(t.app, 'web-block');
    await p.command('start');
    await p.choose('en');
    await p.choose('yes');
    await p.choose('me');
    await drain(t.app, p.contactId);
    const id = (await t.app.store.getConversation(p.contactId))?.id as number;

    expect((await aigerim.post(`/api/conversations/${id}/block`, {})).status).toBe(400);
    const block = await aigerim.post(`/api/conversations/${id}/block`, { reason: 'insults counsellors' });
    expect(block.status).toBe(200);
    expect(block.json.conversation.blocked).toBe(true);

    expect((await p.text('you are all useless')).status).toBe('stored');
    await p.choose('counsellor');
    await p.command('menu');
    expect(await drain(t.app, p.contactId)).toEqual([]);
    // still in the record for the counsellors
    const view = await aigerim.get(`/api/conversations/${id}`);
    expect(view.json.transcript.map((m: { text: string }) => m.text)).toContain('you are all useless');

    // SOS still answers at once, with the emergency numbers (and nothing else)
    await p.text('SOS');
    expect(await drain(t.app, p.contactId)).toEqual([t.app.translator.t('en', 'common:sos.text')]);
    await p.command('sos');
    expect(await drain(t.app, p.contactId)).toEqual([t.app.translator.t('en', 'common:sos.text')]);

    // a counsellor cannot unblock; an admin can, and the bot answers again
    expect((await aigerim.post(`/api/conversations/${id}/unblock`)).status).toBe(403);
    const unblock = await admin.post(`/api/conversations/${id}/unblock`);
    expect(unblock.json.conversation.blocked).toBe(false);
    await p.command('menu');
    expect((await drain(t.app, p.contactId)).at(-1)).toBe(t.app.translator.t('en', 'menu:main.text'));

    const entries = (await admin.get('/api/audit')).json.entries as Array<{
      action: string;
      actor: string;
      alias: string;
      detail: string | null;
    }>;
    expect(entries.find((e) => e.action === 'block')).toMatchObject({
      actor: 'Aigerim',
      alias: aliasOf(p.contactId),
      detail: 'insults counsellors',
    });
    expect(entries.find((e) => e.action === 'unblock')).toMatchObject({ actor: 'Root' });
  });

  it('should still let a blocked person leave without traces and erase their data', async () => {
    const t = await startTestApp();
    apps.push(t);
    await addUser(t.app, 'aigerim', 'counsellor', 'Aigerim');
    const aigerim = await loggedIn(t.baseUrl, 'aigerim');
    const p = person(t.app, 'web-block-2');
    await p.command('start');
    await p.choose('en');
    await drain(t.app, p.contactId);
    const id = (await t.app.store.getConversation(p.contactId))?.id as number;
    expect((await aigerim.post(`/api/conversations/${id}/block`, { reason: 'spam' })).status).toBe(200);

    // the quick exit still clears the page and says its one neutral line
    await p.command('exit');
    expect(await drainTypes(t.app, p.contactId)).toContain('clear');
    // erasing one's data still asks once, and "yes" erases everything
    await p.command('erase');
    expect(await drain(t.app, p.contactId)).toEqual([t.app.translator.t('en', 'erase:confirm')]);
    await p.choose('erase_yes');
    expect(await t.app.store.getContact(p.contactId)).toBeUndefined();
  });
});
