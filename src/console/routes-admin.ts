/**
 * Admin routes: accounts, the audit log, canned replies (read by every counsellor), the help
 * directory and WhatsApp linking. Every change is written to the audit log.
 */
import type { Hono } from 'hono';
import { z } from 'zod';
import { LANGS } from '../core/types.js';
import { Password, Username } from './account-rules.js';
import { writeAudit } from './audit.js';
import type { ConsoleDeps, ConsoleEnv } from './deps.js';
import { SESSIONS_ENDED } from './events.js';
import { BadInput, body, idParam } from './http.js';
import { hashPassword } from './passwords.js';
import { toUserAdminView } from './rows.js';
import { requireAdmin } from './session.js';

const NewUser = z.object({
  username: Username,
  displayName: z.string().trim().min(1).max(80),
  role: z.enum(['counsellor', 'admin']),
  password: Password,
});
const PasswordBody = z.object({ password: Password });
const short = (max: number) => z.string().trim().min(1).max(max);
const InLangs = (max: number) => z.object({ kk: short(max), ru: short(max), en: short(max) });
const Canned = z.object({ title: short(120), text: InLangs(4000) });
const Directory = z.object({
  region: z.string().trim().max(80).nullable().default(null),
  name: InLangs(200),
  phone: z
    .string()
    .trim()
    .regex(/^[0-9+() -]{2,32}$/, 'a phone number: digits, +, spaces, dashes'),
  hours: z.string().trim().max(120).nullable().default(null),
  languages: z.array(z.enum(LANGS)).max(3).default([]),
  note: InLangs(500).nullable().default(null),
  source: short(300),
  checkedOn: z.iso.date({ message: 'checkedOn must be a date like 2026-11-24' }),
});

const DAY_MS = 86_400_000;

export function mountAdmin(api: Hono<ConsoleEnv>, deps: ConsoleDeps): void {
  const { consoleStore } = deps;
  const audit = (actorId: number, action: string, detail?: string) =>
    writeAudit(consoleStore, { actorId, action, detail, now: deps.clock() });
  const actor = (c: { get(k: 'session'): { user: { id: number } } }) => c.get('session').user.id;

  // Every counsellor reads the canned replies and the directory; only admins change them.
  api.get('/canned', async (c) => c.json({ canned: await consoleStore.listCanned() }));
  api.post('/canned', requireAdmin, async (c) => {
    const input = await body(c, Canned);
    const canned = await consoleStore.createCanned({ ...input, now: deps.clock() });
    await audit(actor(c), 'canned reply added', input.title);
    return c.json({ canned });
  });
  api.put('/canned/:id', requireAdmin, async (c) => {
    const id = idParam(c);
    const input = await body(c, Canned);
    const canned = await consoleStore.updateCanned(id, { ...input, now: deps.clock() });
    if (!canned) throw new BadInput('no such canned reply', 404);
    await audit(actor(c), 'canned reply changed', input.title);
    return c.json({ canned });
  });
  api.delete('/canned/:id', requireAdmin, async (c) => {
    const id = idParam(c);
    if (!(await consoleStore.deleteCanned(id))) throw new BadInput('no such canned reply', 404);
    await audit(actor(c), 'canned reply deleted', String(id));
    return c.body(null, 204);
  });

  api.get('/users', requireAdmin, async (c) =>
    c.json({ users: (await consoleStore.listUsers()).map(toUserAdminView) }),
  );
  api.post('/users', requireAdmin, async (c) => {
    const input = await body(c, NewUser);
    if (await consoleStore.findLogin(input.username)) throw new BadInput('this username is taken', 409);
    const user = await consoleStore.createUser({
      username: input.username,
      displayName: input.displayName,
      role: input.role,
      passwordHash: await hashPassword(input.password),
      now: deps.clock(),
    });
    await audit(actor(c), 'user added', `${user.username} (${user.role})`);
    return c.json({ user: toUserAdminView(user) });
  });
  for (const [path, disabled] of [
    ['disable', true],
    ['enable', false],
  ] as const) {
    api.post(`/users/:id/${path}`, requireAdmin, async (c) => {
      const id = idParam(c);
      if (disabled && id === actor(c)) throw new BadInput('you cannot disable your own account');
      const user = await consoleStore.setUserDisabled(id, disabled);
      if (!user) throw new BadInput('no such user', 404);
      if (disabled) deps.notifier.publish(SESSIONS_ENDED);
      await audit(actor(c), disabled ? 'user disabled' : 'user enabled', user.username);
      return c.json({ user: toUserAdminView(user) });
    });
  }
  api.post('/users/:id/password', requireAdmin, async (c) => {
    const id = idParam(c);
    const { password } = await body(c, PasswordBody);
    if (!(await consoleStore.setUserPassword(id, await hashPassword(password))))
      throw new BadInput('no such user', 404);
    deps.notifier.publish(SESSIONS_ENDED);
    await audit(actor(c), 'password reset', (await consoleStore.getUser(id))?.username);
    return c.body(null, 204);
  });

  api.get('/audit', requireAdmin, async (c) => {
    const q = z
      .object({
        limit: z.coerce.number().int().min(1).max(500).default(100),
        before: z.coerce.number().int().positive().optional(),
      })
      .safeParse({ limit: c.req.query('limit') || undefined, before: c.req.query('before') || undefined });
    if (!q.success) throw new BadInput('limit must be 1–500 and before an entry id');
    return c.json({ entries: await consoleStore.listAudit(q.data.limit, q.data.before ?? null) });
  });

  const recheckMs = deps.config.DIRECTORY_RECHECK_DAYS * DAY_MS;
  const view = <T extends { checkedOn: string }>(e: T) => ({
    ...e,
    stale: !(Date.parse(e.checkedOn) >= deps.clock() - recheckMs),
  });
  api.get('/directory', async (c) =>
    c.json({ entries: (await consoleStore.listDirectoryAdmin()).map(view) }),
  );
  api.post('/directory', requireAdmin, async (c) => {
    const input = await body(c, Directory);
    const entry = await consoleStore.createDirectoryEntry(input, deps.clock());
    await audit(actor(c), 'directory entry added', `${entry.id} ${input.name.en}`);
    return c.json({ entry: view(entry) });
  });
  api.put('/directory/:id', requireAdmin, async (c) => {
    const id = idParam(c);
    const input = await body(c, Directory);
    const entry = await consoleStore.updateDirectoryEntry(id, input, deps.clock());
    if (!entry) throw new BadInput('no such directory entry', 404);
    await audit(actor(c), 'directory entry changed', `${id} ${input.name.en}`);
    return c.json({ entry: view(entry) });
  });
  for (const [path, hidden] of [
    ['hide', true],
    ['show', false],
  ] as const) {
    api.post(`/directory/:id/${path}`, requireAdmin, async (c) => {
      const id = idParam(c);
      const entry = await consoleStore.setDirectoryHidden(id, hidden, deps.clock());
      if (!entry) throw new BadInput('no such directory entry', 404);
      await audit(
        actor(c),
        hidden ? 'directory entry hidden' : 'directory entry shown',
        `${id} ${entry.name.en}`,
      );
      return c.json({ entry: view(entry) });
    });
  }

  api.get('/whatsapp', requireAdmin, async (c) => {
    const s = deps.whatsappState?.();
    if (!s) return c.json({ state: 'off', qr: null, since: null });
    const state =
      s.status === 'qr'
        ? 'qr'
        : s.status === 'ready' || s.status === 'authenticated'
          ? 'connected'
          : s.status === 'disconnected' || s.status === 'auth_failure'
            ? 'disconnected'
            : s.status === 'stopped'
              ? 'off'
              : 'starting';
    // The QR is drawn here, never by a third party: it is the key to the NGO's WhatsApp account.
    const qr =
      state === 'qr' && s.qr
        ? `data:image/svg+xml;base64,${Buffer.from(await (await import('qrcode')).default.toString(s.qr, { type: 'svg', margin: 2 })).toString('base64')}`
        : null;
    return c.json({ state, qr, since: s.since });
  });
}
