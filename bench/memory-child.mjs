/**
 * Run by bench/memory.ts with plain `node` (no tsx: production runs the compiled code) in its own
 * process, so its RSS is only this: the whole app of `npm run start:prod` (dist/src/app.js, every
 * part wired as in production) on the parent's database of stored conversations, `writers` people
 * writing at once on Telegram for `rounds` rounds, the outbox dispatcher delivering every reply
 * through a recording adapter in place of the Bot API. Prints one JSON line.
 *
 * Plain JavaScript because it imports the compiled app from dist/ (the parent builds it first).
 */
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

const [dist, dir, keyArg, writersArg, roundsArg] = process.argv.slice(2);
const writers = Number(writersArg);
const rounds = Number(roundsArg);
const from = (path) => import(pathToFileURL(join(dist, path)).href);

const mb = (bytes) => bytes / 2 ** 20;
let peak = 0;
const phases = [];
/** process.memoryUsage() at a named moment (after a full GC when `settled`: the last one only). */
const phase = (name, settled = false) => {
  if (settled) globalThis.gc?.();
  const m = process.memoryUsage();
  peak = Math.max(peak, m.rss);
  phases.push({
    phase: name,
    rssMb: mb(m.rss),
    heapUsedMb: mb(m.heapUsed),
    heapTotalMb: mb(m.heapTotal),
    externalMb: mb(m.external),
    arrayBuffersMb: mb(m.arrayBuffers),
  });
};
phase('node started, nothing loaded');
// as src/main.ts does first (BENCH_HEAP=default leaves V8's defaults, to compare)
if (process.env.BENCH_HEAP !== 'default') (await from('src/heap.js')).tuneHeapForServer();
const { createApp } = await from('src/app.js');
const { loadConfig } = await from('src/config.js');
const { createLogger } = await from('src/logger.js');
const { cacheSizes } = await from('src/core/bounded-cache.js');

/** Stands in for the Bot API: counts what it is asked to send, keeps none of it. */
let delivered = 0;
let nextRef = 1;
const recording = {
  channel: 'telegram',
  sink: undefined,
  async start(sink) {
    this.sink = sink;
  },
  async stop() {
    this.sink = undefined;
  },
  async send() {
    delivered++;
    return { refs: [String(nextRef++)] };
  },
};

const config = loadConfig({
  NODE_ENV: 'production',
  LOG_LEVEL: 'silent',
  DATABASE_PATH: join(dir, 'tirek.db'),
  DATA_KEY: keyArg,
  HOST: '127.0.0.1',
  PORT: '0',
  DUTY_HOURS: '00:00-24:00',
  DUTY_DAYS: '1-7',
  // the bench's people write faster than people do
  FLOOD_MAX_PER_MINUTE: '1000',
});
const app = await createApp({
  config,
  logger: createLogger('silent'),
  channelOverrides: { telegram: recording },
});
await app.start();
phase('app started (modules loaded, database open)');
const sample = setInterval(() => {
  peak = Math.max(peak, process.memoryUsage().rss);
}, 10);

let externalId = 0;
const say = (userId, body) =>
  recording.sink({ channel: 'telegram', userId, externalId: `b-${++externalId}`, ...body });

// every writer is in the legal-help topic: /start, language, consent, "for me", the topic
const users = Array.from({ length: writers }, (_, i) => `${2_000_000 + i}`);
const steps = [
  { kind: 'command', command: 'start' },
  { kind: 'choice', choice: 'en' },
  { kind: 'choice', choice: 'yes' },
  { kind: 'choice', choice: 'me' },
  { kind: 'choice', choice: 'legal' },
];
for (const step of steps) await Promise.all(users.map((u) => say(u, step)));
await app.engine.idle();
await app.dispatcher.drain(120_000);
phase('1,000 conversations opened');

const cpuBefore = process.cpuUsage();
const sent = new Map(users.map((u) => [u, 0]));
for (let r = 0; r < rounds; r++) {
  await Promise.all(
    users.map((u) => {
      const n = sent.get(u) ?? 0;
      sent.set(u, n + 1);
      return say(u, { kind: 'choice', choice: n % 2 === 0 ? 'dv' : 'back' });
    }),
  );
}
await app.engine.idle();
await app.dispatcher.drain(120_000);
clearInterval(sample);
const cpu = process.cpuUsage(cpuBefore);
phase(`${rounds} rounds of 1,000 people writing at once`);
phase('after a full GC', true);

console.log(
  JSON.stringify({
    rssBeforeMb: phases[1].rssMb,
    peakMb: mb(Math.max(peak, process.resourceUsage().maxRSS * 1024)),
    heapMb: phases.at(-1).heapUsedMb,
    delivered,
    trafficCpuMs: (cpu.user + cpu.system) / 1000,
    activeConversations: app.engine.activeConversations,
    caches: cacheSizes(),
    phases,
  }),
);
await app.stop();
