/**
 * Telegram's side of bench/telegram.ts, in a process of its own: the fake Bot API and the load
 * (updates from many chats at a steady rate, handed to getUpdates or POSTed to the webhook), so
 * the app under test neither shares its event loop with them nor pays their CPU. Prints
 * `port <n>`; on a `load` message runs the load and answers with every reply latency.
 */
import { Agent, request } from 'node:http';
import { FAKE_BOT_TOKEN, FakeTelegramApi, type FakeUser } from '../test/helpers/fake-telegram-api.js';
import { ReplyWatcher } from './tirek-app.js';

export interface LoadRequest {
  type: 'load';
  mode: 'polling' | 'webhook';
  seconds: number;
  rate: number;
  chats: number;
  webhook?: string;
  secret?: string;
}

export interface LoadResult {
  latencies: number[];
  failed: number;
  achieved: number;
  total: number;
}

/** Telegram's default max_connections for a webhook. */
const WEBHOOK_CONNECTIONS = 40;

const agent = new Agent({ keepAlive: true, maxSockets: WEBHOOK_CONNECTIONS });

/** One webhook POST (node:http: the load's own CPU must stay small beside the app's). */
function post(url: string, body: string, secret: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      {
        method: 'POST',
        agent,
        headers: {
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(body),
          'X-Telegram-Bot-Api-Secret-Token': secret,
        },
      },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

const fake = await FakeTelegramApi.start(FAKE_BOT_TOKEN);
const watcher = new ReplyWatcher(fake);
process.stdout.write(`port ${fake.port}\n`);

async function load(r: LoadRequest): Promise<LoadResult> {
  if (r.mode === 'polling') await fake.waitPolling(30_000);
  const users: FakeUser[] = Array.from({ length: r.chats }, () => fake.newUser('en'));
  let nextId = 1_000_000;
  let failed = 0;
  const send = (u: FakeUser) => {
    if (r.mode === 'polling') return void fake.sendText(u, 'hello');
    const update = {
      update_id: nextId++,
      message: {
        message_id: nextId,
        date: Math.floor(Date.now() / 1000),
        chat: { id: u.id, type: 'private', first_name: u.first_name },
        from: { id: u.id, is_bot: false, first_name: u.first_name, language_code: 'en' },
        text: 'hello',
      },
    };
    queued.push(JSON.stringify(update));
    pump();
  };
  // Telegram keeps at most max_connections webhook requests open at once (40 unless setWebhook
  // says otherwise; Tirek does not) and holds the rest back until one is answered.
  const queued: string[] = [];
  let open = 0;
  const pump = () => {
    while (open < WEBHOOK_CONNECTIONS && queued.length > 0) {
      const body = queued.shift() as string;
      open++;
      void post(r.webhook as string, body, r.secret ?? '')
        .then((status) => {
          if (status !== 200) failed++;
        })
        .catch(() => void failed++)
        .finally(() => {
          open--;
          pump();
        });
    }
  };
  const latencies: number[] = [];
  const pending: Promise<void>[] = [];
  const total = Math.round(r.seconds * r.rate);
  const t0 = performance.now();
  for (let i = 0; i < total; i++) {
    // an even stream: update i is due at i / rate seconds
    const due = t0 + (1000 * i) / r.rate;
    const wait = due - performance.now();
    if (wait > 1) await new Promise((resolve) => setTimeout(resolve, wait));
    const u = users[Math.floor(Math.random() * r.chats)] as FakeUser;
    const reply = watcher.next(u.id, 60_000);
    const sent = performance.now();
    send(u);
    pending.push(
      reply.then(
        () => void latencies.push(performance.now() - sent),
        () => void failed++,
      ),
    );
  }
  await Promise.all(pending);
  const achieved = total / ((performance.now() - t0) / 1000);
  return { latencies, failed, achieved, total };
}

process.on('message', async (m: LoadRequest | 'exit') => {
  if (m === 'exit') {
    await fake.close();
    process.exit(0);
  }
  if (m.type === 'load') process.send?.(await load(m));
});
