/**
 * Memory: peak RSS of one process with 100,000 stored conversations and 1,000 people writing at
 * once (bench/memory-child.mjs, in its own process: the compiled app of `npm run start:prod`, the
 * bench runs `npm run build` first when dist/ is stale), process.memoryUsage() at each phase,
 * every in-memory cache's size against its limit, and the per-person queues (KeyedSerial) left
 * once everyone has been answered.
 */
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type BenchContext, type BenchModule, ensureBuilt, fmt, type Table } from './lib.js';
import { storedConversations } from './startup.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

interface ChildResult {
  rssBeforeMb: number;
  peakMb: number;
  heapMb: number;
  delivered: number;
  trafficCpuMs: number;
  activeConversations: number;
  caches: Array<{ name: string; size: number; limit: number }>;
  phases: Array<{
    phase: string;
    rssMb: number;
    heapUsedMb: number;
    heapTotalMb: number;
    externalMb: number;
    arrayBuffersMb: number;
  }>;
}

export const memoryBench: BenchModule = {
  name: 'memory',
  async run(ctx: BenchContext): Promise<Table[]> {
    const writers = 1_000;
    const stored = storedConversations().n;
    const rounds = ctx.quick ? 2 : 10;
    const main = await ensureBuilt(ROOT);
    const { path: storedPath, key } = storedConversations();
    const run = (heap: 'tuned' | 'default'): ChildResult => {
      const dir = mkdtempSync(join(tmpdir(), 'tirek-bench-mem-'));
      copyFileSync(storedPath, join(dir, 'tirek.db'));
      const out = execFileSync(
        process.execPath,
        [
          '--expose-gc',
          join(ROOT, 'bench/memory-child.mjs'),
          join(main, '../..'),
          dir,
          key.toString('base64'),
          String(writers),
          String(rounds),
        ],
        {
          cwd: ROOT,
          encoding: 'utf8',
          maxBuffer: 1 << 20,
          env: { ...process.env, BENCH_HEAP: heap },
        },
      );
      rmSync(dir, { recursive: true, force: true });
      return JSON.parse(out.trim().split('\n').at(-1) as string) as ChildResult;
    };
    const r = run('tuned');
    // V8's defaults (without src/heap.ts) for comparison, in the full run only
    const d = ctx.quick ? undefined : run('default');
    const both = (f: (x: ChildResult) => string) => (d ? [f(r), f(d)] : [f(r)]);
    return [
      {
        title: `Memory: ${fmt(stored, 0)} stored conversations, ${fmt(writers, 0)} people writing at once (${rounds} rounds)`,
        columns: ['figure', 'as production runs (src/heap.ts)', ...(d ? ['V8 defaults'] : [])],
        rows: [
          ['RSS before the traffic (MB)', ...both((x) => fmt(x.rssBeforeMb, 0))],
          ['peak RSS (MB)', ...both((x) => fmt(x.peakMb, 0))],
          ['heap used at the end, after a full GC (MB)', ...both((x) => fmt(x.heapMb, 0))],
          ['replies delivered', ...both((x) => fmt(x.delivered, 0))],
          ['CPU time of the traffic rounds (s)', ...both((x) => fmt(x.trafficCpuMs / 1000, 1))],
          ['per-person queues left when idle (KeyedSerial)', ...both((x) => fmt(x.activeConversations, 0))],
          ...r.caches.map((c) => [
            `cache ${c.name} (entries / limit)`,
            `${fmt(c.size, 0)} / ${fmt(c.limit, 0)}`,
            ...(d ? [''] : []),
          ]),
        ],
        note: 'One process running the compiled app (node dist/, as npm run start:prod), SQLite; the dispatcher delivers every reply through a recording adapter in place of the Bot API. The peak is the highest RSS sampled every 10 ms or the kernel maxrss, whichever is higher.',
      },
      {
        title: 'Memory by phase (process.memoryUsage(), MB)',
        columns: ['phase', 'RSS', 'heap used', 'heap total', 'external', 'array buffers'],
        rows: r.phases.map((p) => [
          p.phase,
          fmt(p.rssMb, 0),
          fmt(p.heapUsedMb, 1),
          fmt(p.heapTotalMb, 1),
          fmt(p.externalMb, 1),
          fmt(p.arrayBuffersMb, 1),
        ]),
        note: "As production runs (src/heap.ts). Only the last phase is taken after global.gc(); RSS includes SQLite's page cache and the native modules, which the heap figures do not.",
      },
    ];
  },
};
