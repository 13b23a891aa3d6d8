/**
 * Benchmarks: `npm run bench` (every figure) or `npm run bench -- --quick` (smaller, < 2 min).
 * `--only=engine,outbox` runs some modules. Each module prints tables of figures with the
 * baseline of the same run beside them (figures, not pass/fail).
 */
import { cpus, totalmem } from 'node:os';
import { broadcastBench } from './broadcast.js';
import { engineBench } from './engine.js';
import { type BenchModule, printTable } from './lib.js';
import { memoryBench } from './memory.js';
import { outboxBench } from './outbox.js';
import { peerBench } from './peer.js';
import { benchPostgres, stopBenchPostgres } from './postgres.js';
import { startupBench } from './startup.js';
import { telegramBench } from './telegram.js';

/** The bench modules, in order. Add a module here (one line) to have it run. */
const MODULES: BenchModule[] = [
  engineBench,
  outboxBench,
  telegramBench,
  peerBench,
  startupBench,
  memoryBench,
  broadcastBench,
];

const args = process.argv.slice(2);
const quick = args.includes('--quick');
const only = args
  .find((a) => a.startsWith('--only='))
  ?.slice('--only='.length)
  .split(',');
const ctx = { quick, repeats: quick ? 1 : 3, postgres: benchPostgres };

console.log(
  `# Tirek benchmarks${quick ? ' (--quick)' : ''}\n\nnode ${process.version}, ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, ${Math.round(totalmem() / 2 ** 30)} GB; load average ${(
    await import('node:os')
  )
    .loadavg()
    .map((l) => l.toFixed(1))
    .join(' ')}`,
);
const began = performance.now();
for (const m of MODULES) {
  if (only && !only.includes(m.name)) continue;
  const t0 = performance.now();
  for (const table of await m.run(ctx)) printTable(table);
  console.log(`\n(${m.name}: ${((performance.now() - t0) / 1000).toFixed(1)} s)`);
}
await stopBenchPostgres();
console.log(`\nTotal ${((performance.now() - began) / 1000).toFixed(1)} s`);
