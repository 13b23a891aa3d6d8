/**
 * Creates a console account in a running test app's database, as the admin CLI does (the console
 * store, an argon2id hash of the password), through the app's own connection: a second SQLite
 * connection in the same thread would wait synchronously for a lock only this thread can release.
 */
import { hashPassword } from '../../src/console/passwords.js';
import type { ConsoleRole } from '../../src/core/console-ports.js';
import type { TestApp } from './test-app.js';

export async function createCounsellor(
  app: TestApp,
  username: string,
  displayName: string,
  password: string,
  role: ConsoleRole = 'counsellor',
): Promise<number> {
  const user = await app.app.consoleStore.createUser({
    username,
    displayName,
    role,
    passwordHash: await hashPassword(password),
    now: Date.now(),
  });
  return user.id;
}
