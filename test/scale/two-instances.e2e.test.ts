/**
 * Several instances on one PostgreSQL, for real: two `src/main.ts` processes (as `npm start` runs
 * them) in Telegram webhook mode behind a round-robin "load balancer" (this test), one fake Bot API.
 * 200 people × 10 messages, some updates delivered to both instances at once: every person gets
 * exactly the replies one instance alone gives, in order, none twice. Then kill -9 of one
 * instance mid-traffic: the other finishes the work and nothing is lost; a reply is sent twice
 * only if the dead instance had handed it to Telegram without recording it (counted, at most the
 * dispatcher's concurrency).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TELEGRAM_WEBHOOK_PATH } from '../../src/channels/telegram/index.js';
import { BACKENDS } from '../helpers/backends.js';
import { FAKE_BOT_TOKEN, FakeTelegramApi } from '../helpers/fake-telegram-api.js';
import { removeDir, startTestApp, testEnv } from '../helpers/test-app.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const SECRET = 'webhook_secret_0123456789abcdef';
const PEOPLE = 200;
/** What each person types, one after the other (choices typed as their numbers). */
const SCRIPT = ['/start', '2', '1', '1', 'sos', 'привет', 'sos', 'меню', 'привет', '/sos'];

let fake: FakeTelegramApi;
const dirs: string[] = [];
const children: ChildProcess[] = [];

interface Instance {
  child: ChildProcess;
  url: string;
  dead: boolean;
}

function startInstance(env: Record<string, string>): Promise<Instance> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  return new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`instance did not start: ${out}`)), 60_000);
    child.stdout?.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /Tirek web chat: (http:\/\/[^/\s]+)\/chat/.exec(out);
      if (m?.[1]) {
        clearTimeout(timer);
        resolve({ child, url: m[1], dead: false });
      }
    });
    child.stderr?.on('data', (d: Buffer) => {
      out += d.toString();
    });
    child.once('exit', (code) => reject(new Error(`instance exited (${code}): ${out}`)));
  });
}

let nextUpdate = 1;
function update(chatId: number, messageId: number, text: string) {
  return {
    update_id: nextUpdate++,
    message: {
      message_id: messageId,
      date: Math.floor(Date.now() / 1000),
      chat: { id: chatId, type: 'private', first_name: 'Test' },
      from: { id: chatId, is_bot: false, first_name: 'Test', language_code: 'ru' },
      text,
      ...(text.startsWith('/')
        ? { entities: [{ type: 'bot_command', offset: 0, length: text.length }] }
        : {}),
    },
  };
}

async function post(instance: Instance, body: unknown): Promise<boolean> {
  if (instance.dead) return false;
  try {
    const res = await fetch(`${instance.url}${TELEGRAM_WEBHOOK_PATH}`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', 'X-Telegram-Bot-Api-Secret-Token': SECRET },
      body: JSON.stringify(body),
    });
    await res.arrayBuffer();
    return res.ok;
  } catch {
    return false; // the instance died: Telegram retries the update, here on the other instance
  }
}

/** Delivers an update like Telegram behind a load balancer: retried until an instance takes it. */
async function deliver(instances: Instance[], body: unknown, first: number, both: boolean): Promise<void> {
  if (both) {
    const answers = await Promise.all(instances.map((i) => post(i, body)));
    if (answers.some(Boolean)) return;
  }
  for (let attempt = 0; attempt < 200; attempt++) {
    if (await post(instances[(first + attempt) % instances.length] as Instance, body)) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error('no instance accepted an update');
}

async function runPeople(instances: Instance[], base: number, onHalf?: () => void): Promise<void> {
  let done = 0;
  const person = async (p: number) => {
    const chatId = base + p;
    for (const [i, text] of SCRIPT.entries()) {
      // a few updates reach both instances (a retried webhook racing the first attempt)
      await deliver(instances, update(chatId, i + 1, text), p + i, (p * 10 + i) % 13 === 0);
    }
    if (++done === PEOPLE / 2) onHalf?.();
  };
  // 20 people at a time: enough parallel traffic for two instances on a 2-core machine
  const queue = Array.from({ length: PEOPLE }, (_, p) => p);
  await Promise.all(
    Array.from({ length: 20 }, async () => {
      for (let p = queue.shift(); p !== undefined; p = queue.shift()) await person(p);
    }),
  );
}

/** Matches what a person received against the expected replies; repeats are counted. */
function compare(received: string[], expected: string[]): { ok: boolean; repeats: number } {
  let j = 0;
  let repeats = 0;
  for (const text of received) {
    if (j < expected.length && text === expected[j]) j++;
    else if (j > 0 && text === expected[j - 1]) repeats++;
    else return { ok: false, repeats };
  }
  return { ok: j === expected.length, repeats };
}

let expected: string[];

beforeAll(async () => {
  fake = await FakeTelegramApi.start();
  // The reference: what one instance alone answers to the script (in-process, SQLite).
  const single = await startTestApp({
    env: {
      TELEGRAM_BOT_TOKEN: FAKE_BOT_TOKEN,
      TELEGRAM_API_ROOT: fake.apiRoot,
      TELEGRAM_WEBHOOK_URL: `https://tirek.example.org${TELEGRAM_WEBHOOK_PATH}`,
      TELEGRAM_WEBHOOK_SECRET: SECRET,
    },
  });
  dirs.push(single.dir);
  const ref = { child: undefined as never, url: single.baseUrl, dead: false };
  const refChat = 9_000_000_000;
  for (const [i, text] of SCRIPT.entries()) await deliver([ref], update(refChat, i + 1, text), 0, false);
  await single.app.dispatcher.drain(20_000);
  expected = fake.messagesTo(refChat).map((m) => m.text);
  await single.stop();
  expect(expected.length).toBeGreaterThan(SCRIPT.length);
}, 60_000);

afterAll(async () => {
  for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
  await fake.close();
  for (const dir of dirs) removeDir(dir);
});

async function twoInstances(): Promise<Instance[]> {
  const { databaseUrl } = await (
    BACKENDS.find((b) => b.name === 'postgres') as (typeof BACKENDS)[number]
  ).fresh();
  const { env, dir } = testEnv({
    DATABASE_URL: databaseUrl as string,
    TELEGRAM_BOT_TOKEN: FAKE_BOT_TOKEN,
    TELEGRAM_API_ROOT: fake.apiRoot,
    TELEGRAM_WEBHOOK_URL: `https://tirek.example.org${TELEGRAM_WEBHOOK_PATH}`,
    TELEGRAM_WEBHOOK_SECRET: SECRET,
    OUTBOX_CLAIM_LEASE_SECONDS: '3',
  });
  dirs.push(dir);
  // both start at the same moment: migrations must run exactly once
  return Promise.all([startInstance(env), startInstance(env)]);
}

async function waitAllReplies(base: number, timeoutMs: number): Promise<Map<number, string[]>> {
  const got = new Map<number, string[]>();
  await fake.waitFor(
    () => {
      for (let p = 0; p < PEOPLE; p++)
        got.set(
          p,
          fake.messagesTo(base + p).map((m) => m.text),
        );
      return [...got.values()].every((texts) => texts.length >= expected.length);
    },
    timeoutMs,
    'every person to get every reply',
  );
  // a moment more, so a duplicate that is still on its way would be seen
  await new Promise((r) => setTimeout(r, 1500));
  for (let p = 0; p < PEOPLE; p++)
    got.set(
      p,
      fake.messagesTo(base + p).map((m) => m.text),
    );
  return got;
}

describe('two instances on one PostgreSQL', () => {
  it('should give 200 people × 10 messages exactly the replies of one instance, in order, none twice', async () => {
    const instances = await twoInstances();
    const base = 7_200_000_000;
    await runPeople(instances, base);
    const got = await waitAllReplies(base, 120_000);
    for (const [p, texts] of got) expect({ p, texts }).toEqual({ p, texts: expected });
    for (const i of instances) i.child.kill('SIGTERM');
  }, 240_000);

  it('should finish the work of an instance killed with -9, losing nothing', async () => {
    const instances = await twoInstances();
    const base = 7_300_000_000;
    await runPeople(instances, base, () => {
      const victim = instances[1] as Instance;
      victim.dead = true;
      victim.child.kill('SIGKILL');
    });
    const got = await waitAllReplies(base, 120_000);
    let repeats = 0;
    for (const [p, texts] of got) {
      const r = compare(texts, expected);
      expect({ p, ok: r.ok, texts }).toEqual({ p, ok: true, texts });
      repeats += r.repeats;
    }
    // at-least-once only for rows the dead instance had handed to Telegram but not yet recorded:
    // at most the dispatcher's 8 sends in flight plus the up to 8 answered ones whose record waits
    // for the next claim (deliveries are recorded in groups, src/core/dispatcher.ts)
    console.info(`replies sent twice after kill -9: ${repeats}`);
    expect(repeats).toBeLessThanOrEqual(2 * 8);
    (instances[0] as Instance).child.kill('SIGTERM');
  }, 240_000);
});
