/**
 * The facts the bot shows (locales/facts.json): each with its sources, the date it was last
 * checked, and how many sources its rule asks for. From it the translator builds two namespaces:
 *
 * - `facts`: the value of every fact that may be shown (a phone number, a name), so a text says
 *   `$t(facts:n111)` and each number lives in one place. `$t(facts:n112_name)` is the fact's name.
 * - `sources`: for every text that states facts (listed in a fact's `shownIn`, or nesting
 *   `$t(facts:…)`), one line "Sources: … Checked on …" in each language, nested at the end of the
 *   text as `$t(sources:legal.dv.text)`.
 *
 * A fact marked "re-check", or with fewer sources than `minSources`, is left out of both, so a
 * text that uses it shows a missing key (and the locale tests fail) instead of an unchecked fact.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { LANGS, type Lang } from '../core/types.js';

const perLang = z.object({ kk: z.string().min(1), ru: z.string().min(1), en: z.string().min(1) });
const isoDate = z.string().regex(/^\d{4}(-\d{2}(-\d{2})?)?$/, 'YYYY, YYYY-MM or YYYY-MM-DD');

const sourceSchema = z.object({
  /** Name of the source as a reader would look it up (a site, a code, a newspaper). */
  title: z.union([z.string().min(1), perLang]),
  url: z.string().url().optional(),
  /** Publication date of the source (YYYY, YYYY-MM or YYYY-MM-DD), when known. */
  date: isoDate.optional(),
});

const factSchema = z.object({
  /** The statement, in English, as the texts make it (for reviewers). */
  claim: z.string().min(1),
  /** `fact`: a checked statement; `guidance`: practice advice reviewed by counsellors. */
  kind: z.enum(['fact', 'guidance']).default('fact'),
  /** What a text shows for `$t(facts:<id>)`: a number (the same in every language) or a name. */
  value: z.union([z.string().min(1), perLang]).optional(),
  /** What a text shows for `$t(facts:<id>_name)`. */
  name: perLang.optional(),
  sources: z.array(sourceSchema),
  /** The rule: how many independent sources this fact needs before it is shown. */
  minSources: z.number().int().min(1),
  /** When the fact was last checked against its sources (YYYY-MM-DD). */
  checked: z.string().regex(/^\d{4}-\d{2}-\d{2}$/),
  /** `re-check`: never shown until someone checks it again and sets `ok`. */
  status: z.enum(['ok', 're-check']),
  /** Texts ("ns:key") that state this fact in words; their sources line lists it. */
  shownIn: z.array(z.string().regex(/^[a-z_]+:[a-z0-9_.]+$/)).default([]),
  /** Why it is held back, what is uncertain, what to check next. */
  note: z.string().optional(),
});

const factsFileSchema = z.object({
  $comment: z.string().optional(),
  facts: z.record(z.string().regex(/^[a-z][a-z0-9_]*$/), factSchema),
});

export type Fact = z.infer<typeof factSchema>;
export type FactSource = z.infer<typeof sourceSchema>;
export type Facts = Record<string, Fact>;

export const FACTS_FILE = 'facts.json';

export function loadFacts(localesDir: string): Facts {
  const raw = JSON.parse(readFileSync(join(localesDir, FACTS_FILE), 'utf8'));
  const facts = factsFileSchema.parse(raw).facts;
  for (const id of Object.keys(facts)) {
    if (id.endsWith('_name')) throw new Error(`fact id ${id} must not end with _name`);
  }
  return facts;
}

/** A fact may be shown: not marked "re-check", with at least as many sources as its rule asks. */
export function isShowable(fact: Fact): boolean {
  return fact.status === 'ok' && fact.sources.length >= fact.minSources;
}

/** `$t(facts:<id>)` and `$t(facts:<id>_name)` in a text, as fact ids. */
export function factsNestedIn(text: string): string[] {
  return [...text.matchAll(/\$t\(facts:([a-z0-9_]+)\)/g)].map((m) => (m[1] ?? '').replace(/_name$/, ''));
}

/** `YYYY-MM-DD` → `DD.MM.YYYY`, `YYYY-MM` → `MM.YYYY`. */
export function formatDate(date: string): string {
  return date.split('-').reverse().join('.');
}

const pick = (value: string | Record<Lang, string>, lang: Lang) =>
  typeof value === 'string' ? value : value[lang];

type Tree = { [key: string]: string | Tree };

function setPath(tree: Tree, path: string[], value: string): void {
  let node = tree;
  for (const part of path.slice(0, -1)) {
    const next = node[part];
    if (typeof next === 'object') node = next;
    else node = node[part] = {};
  }
  node[path.at(-1) as string] = value;
}

/** Flat "ns:dotted.key" → text for one language (namespaces as loaded from the locale files). */
function flatTexts(namespaces: Record<string, unknown>): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (ns: string, node: unknown, prefix: string) => {
    if (typeof node === 'string') out.set(`${ns}:${prefix}`, node);
    else if (node && typeof node === 'object')
      for (const [k, v] of Object.entries(node)) walk(ns, v, prefix ? `${prefix}.${k}` : k);
  };
  for (const [ns, tree] of Object.entries(namespaces)) walk(ns, tree, '');
  return out;
}

/** The facts each text states: from `shownIn`, then from its `$t(facts:…)`, in file order. */
export function factsByText(facts: Facts, texts: Map<string, string>): Map<string, string[]> {
  const out = new Map<string, string[]>();
  const add = (key: string, id: string) => {
    const list = out.get(key) ?? [];
    if (!list.includes(id)) list.push(id);
    out.set(key, list);
  };
  for (const [id, fact] of Object.entries(facts)) for (const key of fact.shownIn) add(key, id);
  for (const [key, text] of texts) for (const id of factsNestedIn(text)) add(key, id);
  return out;
}

/**
 * The `facts` and `sources` namespaces for each language, built from the facts and the texts.
 * `sourcesLine` is the localized template ("Sources: {{list}}. Checked on {{checked}}.") from
 * `common:sources.line`.
 */
export function factNamespaces(
  facts: Facts,
  resources: Record<Lang, Record<string, unknown>>,
): Record<Lang, { facts: Tree; sources: Tree }> {
  const shown = Object.fromEntries(Object.entries(facts).filter(([, fact]) => isShowable(fact)));
  const out = {} as Record<Lang, { facts: Tree; sources: Tree }>;
  for (const lang of LANGS) {
    const factTree: Tree = {};
    for (const [id, fact] of Object.entries(shown)) {
      if (fact.value) factTree[id] = pick(fact.value, lang);
      if (fact.name) factTree[`${id}_name`] = fact.name[lang];
    }
    const common = (resources[lang].common ?? {}) as { sources?: { line?: string } };
    const template = common.sources?.line ?? 'Sources: {{list}}. Checked on {{checked}}.';
    const sources: Tree = {};
    for (const [key, ids] of factsByText(facts, flatTexts(resources[lang]))) {
      const used = ids.map((id) => shown[id]).filter((fact): fact is Fact => fact !== undefined);
      if (used.length === 0) continue;
      const list: string[] = [];
      for (const fact of used) {
        for (const source of fact.sources) {
          const item = `${pick(source.title, lang)}${source.date ? ` (${formatDate(source.date)})` : ''}`;
          if (!list.includes(item)) list.push(item);
        }
      }
      const checked = used.map((fact) => fact.checked).sort()[0] as string;
      const [ns, path] = key.split(':') as [string, string];
      setPath(
        sources,
        [ns, ...path.split('.')],
        template.replace('{{list}}', list.join('; ')).replace('{{checked}}', formatDate(checked)),
      );
    }
    out[lang] = { facts: factTree, sources };
  }
  return out;
}

/** Facts last checked more than `months` months before `now` (for the yearly review). */
export function staleFacts(facts: Facts, now: Date, months = 6): Array<{ id: string; checked: string }> {
  const limit = new Date(now);
  limit.setUTCMonth(limit.getUTCMonth() - months);
  const cutoff = limit.toISOString().slice(0, 10);
  return Object.entries(facts)
    .filter(([, fact]) => fact.checked < cutoff)
    .map(([id, fact]) => ({ id, checked: fact.checked }));
}
