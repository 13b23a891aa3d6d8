/**
 * Benchmarks (npm run bench): engine turns per second on a real SQLite file (WAL), and whether the
 * cost of a turn stays flat as a conversation grows (the engine must be O(1) in its length).
 */
import { EngineHarness } from '../test/helpers/engine-harness.js';

const line = (label: string, value: string) => console.log(`${label.padEnd(52)} ${value}`);

async function turnsPerSecond(people: number, turnsEach: number): Promise<number> {
  const h = await EngineHarness.open();
  for (let p = 0; p < people; p++) {
    await h.command(`p${p}`, 'start');
    await h.choose(`p${p}`, 'en');
    await h.choose(`p${p}`, 'yes');
    await h.choose(`p${p}`, 'me');
  }
  const started = performance.now();
  let turns = 0;
  for (let i = 0; i < turnsEach; i++) {
    const batch = [];
    for (let p = 0; p < people; p++) batch.push(h.choose(`p${p}`, i % 2 === 0 ? 'legal' : 'sos'));
    await Promise.all(batch);
    turns += people;
  }
  const seconds = (performance.now() - started) / 1000;
  await h.close();
  return turns / seconds;
}

async function costByLength(): Promise<Array<[number, number]>> {
  const h = await EngineHarness.open();
  await h.command('long', 'start');
  await h.choose('long', 'en');
  const out: Array<[number, number]> = [];
  let sent = 2;
  for (const target of [100, 1000, 5000]) {
    while (sent < target) {
      await h.text('long', 'something that is not a choice');
      sent++;
    }
    const started = performance.now();
    for (let i = 0; i < 200; i++) await h.text('long', 'something that is not a choice');
    sent += 200;
    out.push([target, (performance.now() - started) / 200]);
  }
  await h.close();
  return out;
}

console.log('Tirek benchmarks (one process, SQLite WAL, synchronous=NORMAL)\n');
line('turns/s, 50 people × 40 turns (restore, send, commit)', (await turnsPerSecond(50, 40)).toFixed(0));
for (const [length, ms] of await costByLength()) {
  line(`ms per turn after ${length} messages in one conversation`, ms.toFixed(3));
}
await import('./broadcast.js'); // campaign broadcasts (npm run bench:broadcast)
