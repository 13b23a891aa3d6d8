/**
 * Creating a console account from the command line (`npm run admin -- create-user`, src/cli/admin.ts):
 * the first admin; later admins add counsellors in the console. The password is read from
 * TIREK_ADMIN_PASSWORD or asked for on the terminal (not echoed). There is no default password.
 */

import { createInterface } from 'node:readline';
import { z } from 'zod';
import { loadConfig, readEnvironment } from '../config.js';
import { createCipher } from '../privacy/cipher.js';
import { resolveDataKey } from '../privacy/data-key.js';
import { openStore } from '../store/index.js';
import { Password, Username } from './account-rules.js';
import { hashPassword, MIN_PASSWORD_LENGTH } from './passwords.js';

export const HELP = `Usage: npm run admin -- create-user --role admin|counsellor --username NAME [--display-name "Shown name"]

Creates a console account. The password comes from TIREK_ADMIN_PASSWORD, or is asked for
(at least ${MIN_PASSWORD_LENGTH} characters). Uses the same DATABASE_PATH / DATABASE_URL and DATA_KEY as Tirek.`;

const Args = z.object({
  role: z.enum(['admin', 'counsellor'], { message: '--role must be admin or counsellor' }),
  username: Username,
  displayName: z.string().trim().min(1).max(80).optional(),
});

function flag(args: string[], name: string): string | undefined {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : undefined;
}

/** Asks for the password twice without echoing it. */
async function askPassword(): Promise<string> {
  if (!process.stdin.isTTY) throw new Error('set TIREK_ADMIN_PASSWORD or run this in a terminal');
  const ask = (question: string) =>
    new Promise<string>((resolve) => {
      const rl = createInterface({ input: process.stdin, output: process.stdout, terminal: true });
      const out = rl as unknown as { _writeToOutput: (s: string) => void };
      rl.question(question, (answer) => {
        rl.close();
        process.stdout.write('\n');
        resolve(answer);
      });
      out._writeToOutput = (s: string) => {
        if (s.includes(question)) process.stdout.write(question);
      };
    });
  const first = await ask('Password: ');
  const second = await ask('Once more: ');
  if (first !== second) throw new Error('the two passwords differ');
  return first;
}

export async function createUserCommand(
  args: string[],
  env: Record<string, string | undefined> = readEnvironment(),
  password?: string,
): Promise<string> {
  const parsed = Args.safeParse({
    role: flag(args, 'role'),
    username: flag(args, 'username'),
    displayName: flag(args, 'display-name'),
  });
  if (!parsed.success) throw new Error(parsed.error.issues.map((i) => i.message).join('\n'));
  const pw = Password.safeParse(password ?? env.TIREK_ADMIN_PASSWORD ?? (await askPassword()));
  if (!pw.success) throw new Error(pw.error.issues[0]?.message ?? 'bad password');
  const config = loadConfig(env);
  const { key } = resolveDataKey(config.DATA_KEY, config.DATABASE_PATH);
  const { store, notifier, consoleStore } = await openStore(config, createCipher(key), () => {});
  try {
    const { role, username, displayName } = parsed.data;
    if (await consoleStore.findLogin(username)) throw new Error(`the username ${username} is taken`);
    const user = await consoleStore.createUser({
      username,
      displayName: displayName ?? username,
      role,
      passwordHash: await hashPassword(pw.data),
      now: Date.now(),
    });
    await consoleStore.audit({
      actorId: null,
      action: 'user added (command line)',
      detail: `${user.username} (${role})`,
      now: Date.now(),
    });
    return `Created ${role} "${user.username}". Log in at /console.`;
  } finally {
    await notifier.close();
    await store.close();
  }
}
