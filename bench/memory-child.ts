/**
 * Run by bench/memory.ts in its own process, so its RSS is only this: the parent's database of
 * stored conversations, `writers` people writing at once for `rounds` rounds, the dispatcher delivering.
 * Prints one JSON line.
 */
import { join } from 'node:path';
import { cacheSizes } from '../src/core/bounded-cache.js';
import { EngineHarness } from '../test/helpers/engine-harness.js';
import { seedConversations } from './engine.js';

// the database of stored conversations is built by the parent (its memory is not ours)
const [dir, keyArg, writersArg, roundsArg] = process.argv.slice(2);
const writers = Number(writersArg);
const rounds = Number(roundsArg);
const key = Buffer.from(keyArg as string, 'base64');
const dbPath = join(dir as string, 'tirek.db');
const h = await EngineHarness.open({ dbPath, key });
const users = await seedConversations(h, writers, 'm');
await h.dispatcher.start();
let peak = process.memoryUsage().rss;
const sample = setInterval(() => {
  peak = Math.max(peak, process.memoryUsage().rss);
}, 20);
const rssBefore = process.memoryUsage().rss;
for (let r = 0; r < rounds; r++) {
  await Promise.all(users.map((u) => h.choose(u.id, u.sent++ % 2 === 0 ? 'dv' : 'back')));
  h.adapter.sent.length = 0; // the recording adapter's log is the bench's, not the app's
}
await h.engine.idle();
await h.dispatcher.drain(120_000);
clearInterval(sample);
peak = Math.max(peak, process.memoryUsage().rss);
console.log(
  JSON.stringify({
    rssBeforeMb: rssBefore / 2 ** 20,
    peakMb: Math.max(peak, process.resourceUsage().maxRSS * 1024) / 2 ** 20,
    heapMb: process.memoryUsage().heapUsed / 2 ** 20,
    activeConversations: h.engine.activeConversations,
    caches: cacheSizes(),
  }),
);
await h.close();
