/**
 * Run by test/heap.test.ts in a process of its own: bursts of 1,000 tasks at once, each holding
 * its state across many turns of the event loop (as turns waiting for the database do), then
 * dropping it. Prints the largest V8 heap it reached, in MB.
 */
import { tuneHeapForServer } from '../../src/heap.js';

if (process.argv[2] === 'tuned') tuneHeapForServer();
let peak = 0;
for (let round = 0; round < 20; round++) {
  await Promise.all(
    Array.from({ length: 1000 }, async (_, i) => {
      const held = Array.from({ length: 20 }, (_, k) => ({ text: `${'x'.repeat(300)}${i}:${k}`, k }));
      for (let step = 0; step < 30; step++) {
        held.push({ text: `${'y'.repeat(100)}${step}`, k: step });
        await new Promise((r) => setImmediate(r));
      }
      return held.length;
    }),
  );
  peak = Math.max(peak, process.memoryUsage().heapTotal);
}
console.log(JSON.stringify({ peakHeapMb: peak / 2 ** 20 }));
