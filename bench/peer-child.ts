/**
 * Telegram's side of bench/peer.ts, in a process of its own: the fake Bot API and the people
 * walking the screening steps (a /start, then the button of the step on the bot's last message),
 * so the bot under test pays neither the fake's CPU nor shares its event loop. Prints
 * `port <n>`; answers the commands below over IPC.
 */
import { FAKE_BOT_TOKEN, FakeTelegramApi, type FakeUser } from '../test/helpers/fake-telegram-api.js';
import { ReplyWatcher } from './tirek-app.js';

export type PeerCommand =
  /** people in a named group; answers their chat ids */
  | { type: 'people'; group: string; count: number }
  | { type: 'polling' }
  /** walk every person of the group to just before `step` (not timed) */
  | { type: 'walk'; group: string; step: number }
  /** `count` messages per person of the group from where they are, timed */
  | { type: 'measure'; group: string; count: number };

export interface Measured {
  latencies: number[];
  seconds: number;
  messages: number;
}

/** The choice a person presses at step `k` (1 = /start). */
export function stepChoice(k: number): string {
  const setup = ['', 'en', 'yes', 'me', 'legal'];
  if (k <= 5) return setup[k - 1] as string;
  return (k - 6) % 2 === 0 ? 'dv' : 'back';
}

const prefix = process.argv[2] ?? '';
const fake = await FakeTelegramApi.start(FAKE_BOT_TOKEN);
const watcher = new ReplyWatcher(fake);
const groups = new Map<string, FakeUser[]>();
const at = new Map<number, number>();
process.stdout.write(`port ${fake.port}\n`);

async function send(user: FakeUser, k: number): Promise<number> {
  const reply = watcher.next(user.id);
  const t0 = performance.now();
  if (k === 1) fake.sendCommand(user, 'start');
  else {
    const last = fake.messagesTo(user.id).at(-1);
    fake.pressButton(user, `${prefix}${stepChoice(k)}`, last?.message_id);
  }
  await reply;
  return performance.now() - t0;
}

async function handle(c: PeerCommand): Promise<unknown> {
  switch (c.type) {
    case 'people': {
      const people = Array.from({ length: c.count }, () => fake.newUser('en'));
      groups.set(c.group, people);
      return people.map((u) => u.id);
    }
    case 'polling':
      await fake.waitPolling(30_000);
      return true;
    case 'walk':
      await Promise.all(
        (groups.get(c.group) ?? []).map(async (u) => {
          for (let k = (at.get(u.id) ?? 0) + 1; k < c.step; k++) {
            await send(u, k);
            at.set(u.id, k);
          }
        }),
      );
      return true;
    case 'measure': {
      const people = groups.get(c.group) ?? [];
      const latencies: number[] = [];
      const t0 = performance.now();
      await Promise.all(
        people.map(async (u) => {
          for (let i = 0; i < c.count; i++) {
            const k = (at.get(u.id) ?? 0) + 1;
            latencies.push(await send(u, k));
            at.set(u.id, k);
          }
        }),
      );
      return {
        latencies,
        seconds: (performance.now() - t0) / 1000,
        messages: people.length * c.count,
      } satisfies Measured;
    }
  }
}

process.on('message', async (m: PeerCommand | 'exit') => {
  if (m === 'exit') {
    await fake.close();
    process.exit(0);
  }
  process.send?.(await handle(m));
});
