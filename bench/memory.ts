/**
 * Memory: peak RSS of one process with 100,000 stored conversations and 1,000 people writing at
 * once (bench/memory-child.ts, in its own process), every in-memory cache's size against its
 * limit, and the per-person queues (KeyedSerial) left once everyone has been answered.
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type BenchContext, type BenchModule, fmt, type Table } from './lib.js';
import { buildDatabase } from './startup.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

interface ChildResult {
  rssBeforeMb: number;
  peakMb: number;
  heapMb: number;
  activeConversations: number;
  caches: Array<{ name: string; size: number; limit: number }>;
}

export const memoryBench: BenchModule = {
  name: 'memory',
  async run(ctx: BenchContext): Promise<Table[]> {
    const stored = 100_000;
    const writers = 1_000;
    const rounds = ctx.quick ? 2 : 10;
    const dir = mkdtempSync(join(tmpdir(), 'tirek-bench-mem-'));
    const key = randomBytes(32);
    buildDatabase(join(dir, 'tirek.db'), key, stored, 0);
    const out = execFileSync(
      join(ROOT, 'node_modules/.bin/tsx'),
      [join(ROOT, 'bench/memory-child.ts'), dir, key.toString('base64'), String(writers), String(rounds)],
      { cwd: ROOT, encoding: 'utf8', maxBuffer: 1 << 20 },
    );
    rmSync(dir, { recursive: true, force: true });
    const r = JSON.parse(out.trim().split('\n').at(-1) as string) as ChildResult;
    return [
      {
        title: `Memory: ${fmt(stored, 0)} stored conversations, ${fmt(writers, 0)} people writing at once (${rounds} rounds)`,
        columns: ['figure', 'value'],
        rows: [
          ['RSS before the traffic (MB)', fmt(r.rssBeforeMb, 0)],
          ['peak RSS (MB)', fmt(r.peakMb, 0)],
          ['heap used after (MB)', fmt(r.heapMb, 0)],
          ['per-person queues left when idle (KeyedSerial)', fmt(r.activeConversations, 0)],
          ...r.caches.map((c) => [
            `cache ${c.name} (entries / limit)`,
            `${fmt(c.size, 0)} / ${fmt(c.limit, 0)}`,
          ]),
        ],
        note: 'One process (tsx, as npm start), SQLite; the dispatcher delivers every reply through a recording adapter.',
      },
    ];
  },
};
