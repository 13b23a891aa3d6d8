/** Small helpers shared by the bench modules: tables, percentiles, medians, a run context. */

export interface BenchContext {
  /** `npm run bench -- --quick`: smaller sizes and fewer repeats (under 2 minutes in all). */
  quick: boolean;
  /** How many times a comparison is repeated; the tables show the median. */
  repeats: number;
  /** A fresh database in a throwaway PostgreSQL cluster started for this run (null if none). */
  postgres(): Promise<string | null>;
}

export interface Table {
  title: string;
  columns: string[];
  rows: Array<Array<string | number>>;
  /** One or two lines under the table: what was measured and how. */
  note?: string;
}

export interface BenchModule {
  name: string;
  run(ctx: BenchContext): Promise<Table[]>;
}

export function percentile(values: number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] as number;
}

export const median = (values: number[]) => percentile(values, 50);

/** Formats a number with a sensible precision for a table cell. */
export function fmt(n: number, digits?: number): string {
  if (!Number.isFinite(n)) return '—';
  const d = digits ?? (Math.abs(n) >= 100 ? 0 : Math.abs(n) >= 10 ? 1 : Math.abs(n) >= 1 ? 2 : 3);
  return n.toLocaleString('en-US', { minimumFractionDigits: d, maximumFractionDigits: d });
}

export function printTable(t: Table): void {
  const cells = [t.columns, ...t.rows.map((r) => r.map(String))];
  const widths = t.columns.map((_, i) => Math.max(...cells.map((r) => (r[i] ?? '').length)));
  const line = (r: string[]) =>
    `| ${r.map((c, i) => (i === 0 ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0))).join(' | ')} |`;
  console.log(`\n### ${t.title}\n`);
  console.log(line(t.columns));
  console.log(
    `|${widths.map((w, i) => (i === 0 ? `${'-'.repeat(w + 1)}-` : `${'-'.repeat(w + 1)}:`)).join('|')}|`,
  );
  for (const r of t.rows) console.log(line(r.map(String)));
  if (t.note) console.log(`\n${t.note}`);
}

/** Runs `fn` `times` times and returns every result (callers take the median). */
export async function repeat<T>(times: number, fn: (i: number) => Promise<T>): Promise<T[]> {
  const out: T[] = [];
  for (let i = 0; i < times; i++) out.push(await fn(i));
  return out;
}

export const gc = () => (globalThis as { gc?: () => void }).gc?.();

/**
 * Production runs the compiled code (`npm run build`, then `node dist/src/main.js`): the start-up
 * and memory modules measure that. Builds dist/ first when it is missing or older than any source
 * file it is made from (src/, flows/, locales/), so a figure is never taken on stale code.
 */
export async function ensureBuilt(root: string): Promise<string> {
  const { execFileSync } = await import('node:child_process');
  const { existsSync, readdirSync, statSync } = await import('node:fs');
  const { join } = await import('node:path');
  const main = join(root, 'dist/src/main.js');
  const newest = (dir: string): number => {
    let t = 0;
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const p = join(dir, e.name);
      t = Math.max(t, e.isDirectory() ? newest(p) : statSync(p).mtimeMs);
    }
    return t;
  };
  const sources = ['src', 'flows', 'locales', 'tsconfig.json', 'tsconfig.build.json'].map((p) =>
    join(root, p),
  );
  const stale =
    !existsSync(main) ||
    sources.some(
      (p) => (statSync(p).isDirectory() ? newest(p) : statSync(p).mtimeMs) > statSync(main).mtimeMs,
    );
  if (stale) {
    process.stderr.write('bench: dist/ is missing or older than the sources: npm run build\n');
    execFileSync('npm', ['run', 'build'], { cwd: root, stdio: ['ignore', 'ignore', 'inherit'] });
  }
  return main;
}
