/**
 * Crash safety with the real entry point (`src/main.ts`, as `npm start` runs it) in a child
 * process: kill -9 in the middle of the screening, start again on the same database and key,
 * and the conversation continues at the same question, with nothing lost and nothing repeated.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createTranslator } from '../../../src/i18n/translator.js';
import { countRows } from '../../helpers/count-rows.js';
import { FAKE_BOT_TOKEN, FakeTelegramApi, type FakeUser } from '../../helpers/fake-telegram-api.js';
import { removeDir, testEnv } from '../../helpers/test-app.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const i18n = createTranslator();
const t = (key: string) => i18n.t('ru', key, { retentionDays: 30 });

let fake: FakeTelegramApi;
let env: Record<string, string>;
let dir: string;
const children: ChildProcess[] = [];

function startChild(): ChildProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  children.push(child);
  return child;
}

beforeAll(async () => {
  fake = await FakeTelegramApi.start();
  ({ env, dir } = testEnv({ TELEGRAM_BOT_TOKEN: FAKE_BOT_TOKEN, TELEGRAM_API_ROOT: fake.apiRoot }));
});

afterAll(async () => {
  for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
  await fake.close();
  removeDir(dir);
});

it('should resume at the same screening question after kill -9 and a restart', async () => {
  const user: FakeUser = fake.newUser('ru');
  const texts = () => fake.messagesTo(user.id).map((m) => m.text);
  /** One step: the person acts, the bot handles it and delivers `expected` last. */
  const step = async (act: () => number, expected: string) => {
    const updateId = act();
    await fake.waitHandled(updateId, 20_000);
    await fake.waitFor(() => texts().at(-1) === expected, 20_000, expected.slice(0, 30));
  };

  const first = startChild();
  await fake.waitPolling(30_000);
  await step(() => fake.sendCommand(user, 'start'), t('intake:language.text'));
  await step(() => fake.pressButton(user, 'c:ru'), t('intake:safety.text'));
  await step(() => fake.pressButton(user, 'c:yes'), t('intake:who.text'));
  await step(() => fake.pressButton(user, 'c:me'), t('menu:main.text'));
  await step(() => fake.pressButton(user, 'c:screening'), t('screening:intro.text'));
  await step(() => fake.pressButton(user, 'c:start'), t('screening:questions.g1'));
  await step(() => fake.pressButton(user, 'c:no'), t('screening:questions.g2'));
  await step(() => fake.pressButton(user, 'c:no'), t('screening:questions.relation'));
  await step(() => fake.pressButton(user, 'c:partner'), t('screening:questions.a1'));
  await step(() => fake.pressButton(user, 'c:no'), t('screening:questions.a2'));
  const before = texts();
  // every reply recorded as sent (a reply handed to Telegram but not yet recorded when the process
  // dies is sent again after the restart: at least once, by design)
  await fake.waitFor(
    async () =>
      (await countRows(
        { dbPath: env.DATABASE_PATH as string, env },
        'outbox',
        `status IN ('pending','sending')`,
      )) === 0,
    20_000,
    'every reply recorded',
  );

  const exited = new Promise((resolve) => first.once('exit', resolve));
  first.kill('SIGKILL');
  await exited;

  const polls = fake.callsTo('getUpdates').length;
  startChild();
  await fake.waitFor(() => fake.callsTo('getUpdates').length > polls, 30_000, 'the restarted bot to poll');
  expect(texts()).toEqual(before); // nothing re-sent on start

  await step(() => fake.pressButton(user, 'c:no'), t('screening:questions.a3'));
  expect(texts()).toEqual([...before, t('screening:questions.a3')]);
}, 60_000);
