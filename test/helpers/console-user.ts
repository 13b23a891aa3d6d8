/**
 * Creates a console account in a running test app's database, the way the admin CLI does:
 * through the console store on the same database, with an argon2id hash of the password.
 */
import { hashPassword } from '../../src/console/passwords.js';
import type { ConsoleRole } from '../../src/core/console-ports.js';
import { createCipher } from '../../src/privacy/cipher.js';
import { openStore } from '../../src/store/index.js';
import type { TestApp } from './test-app.js';

export async function createCounsellor(
  app: TestApp,
  username: string,
  displayName: string,
  password: string,
  role: ConsoleRole = 'counsellor',
): Promise<number> {
  const cipher = createCipher(Buffer.from(app.env.DATA_KEY as string, 'base64'));
  const { store, notifier, consoleStore } = await openStore(
    { DATABASE_PATH: app.dbPath, DATABASE_URL: app.env.DATABASE_URL },
    cipher,
    () => {},
  );
  try {
    const user = await consoleStore.createUser({
      username,
      displayName,
      role,
      passwordHash: await hashPassword(password),
      now: Date.now(),
    });
    return user.id;
  } finally {
    await notifier.close();
    await store.close();
  }
}
