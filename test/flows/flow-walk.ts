/**
 * Helpers shared by the flow and locale tests: walk a flow machine's reachable states with the
 * events its prompts offer, collect every locale key a flow uses, and load the locale files.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { getAdjacencyMap } from '@xstate/graph';
import type { AnyMachineSnapshot, AnyStateMachine, AnyStateNode } from 'xstate';
import type { FlowInput, Prompt, StateMeta } from '../../flows/contract.js';
import {
  answeredCount,
  B_HIGH_THRESHOLD,
  B_ITEMS,
  DA5_HIGH_THRESHOLD,
  DA5_ITEMS,
  MIN_ANSWERED,
  type ScreeningAnswers,
  scoreScreening,
  shouldOfferCounsellor,
} from '../../flows/screening-score.js';
import { LANGS, type Lang } from '../../src/core/types.js';
import { loadResources } from '../../src/i18n/translator.js';

export const LOCALES_DIR = join(import.meta.dirname, '..', '..', 'locales');

export const defaultInput: FlowInput = { lang: 'en', riskLevel: null, who: null };

/** The prompt of the state a snapshot is in (flows are flat: at most one prompt). */
export function promptOf(snapshot: AnyMachineSnapshot): Prompt | undefined {
  const metas = Object.values(snapshot.getMeta()) as Array<Partial<StateMeta> | undefined>;
  return metas.find((meta) => meta?.prompt)?.prompt;
}

/** Events a person can send in a state: one per offered choice, plus free text. */
export function eventsFor(snapshot: AnyMachineSnapshot) {
  const prompt = promptOf(snapshot);
  return [
    ...(prompt?.choices ?? []).map((choice) => ({ type: `choice.${choice.id}` })),
    { type: 'text', text: 'hello' },
  ];
}

/**
 * States are told apart by their value and, for the screening, by what their answers so far can
 * still lead to (the counts each scoring rule looks at, capped at its threshold), so that every
 * result state is reached without enumerating every combination of answers.
 */
export function serializeFlowState(snapshot: AnyMachineSnapshot): string {
  const context = snapshot.context as { answers?: ScreeningAnswers };
  const a = context.answers;
  const yes = (items: readonly (keyof ScreeningAnswers)[]) =>
    items.filter((item) => a?.[item] === 'yes').length;
  const features = a
    ? [
        scoreScreening(a),
        shouldOfferCounsellor(a),
        Math.min(yes(B_ITEMS), B_HIGH_THRESHOLD),
        Math.min(yes(DA5_ITEMS), DA5_HIGH_THRESHOLD),
        a.c12 === 'yes',
        Math.min(answeredCount(a), MIN_ANSWERED),
      ].join('/')
    : '';
  return `${JSON.stringify(snapshot.value)}|${snapshot.status}|${features}`;
}

export interface WalkedState {
  id: string;
  snapshot: AnyMachineSnapshot;
  /** Serialized ids of the states reached by each offered event. */
  next: string[];
}

/** Every reachable state of a flow with the events its prompts offer (@xstate/graph adjacency). */
export function walkFlow(
  machine: AnyStateMachine,
  input: FlowInput = defaultInput,
): Map<string, WalkedState> {
  const adjacency = getAdjacencyMap(machine, {
    input,
    events: (snapshot: AnyMachineSnapshot) => eventsFor(snapshot),
    serializeState: (snapshot: AnyMachineSnapshot) => serializeFlowState(snapshot),
  });
  const states = new Map<string, WalkedState>();
  for (const [id, { state, transitions }] of Object.entries(adjacency)) {
    states.set(id, {
      id,
      snapshot: state as AnyMachineSnapshot,
      next: Object.values(transitions).map((t) =>
        serializeFlowState((t as { state: AnyMachineSnapshot }).state),
      ),
    });
  }
  return states;
}

// ---------------------------------------------------------------------------------------------
// Locale keys used by the flows

function stateNodesOf(node: AnyStateNode): AnyStateNode[] {
  return [node, ...Object.values(node.states as Record<string, AnyStateNode>).flatMap(stateNodesOf)];
}

function sayKeys(actions: unknown): string[] {
  const list = Array.isArray(actions) ? actions : actions ? [actions] : [];
  return list.flatMap((action) => {
    const { type, params } = (action ?? {}) as { type?: unknown; params?: unknown };
    if (type !== 'say') return [];
    if (typeof params === 'function') throw new Error('say params must be static to be checked');
    return [(params as { key: string }).key];
  });
}

export interface FlowKeys {
  /** Prompt texts and `say` texts. */
  texts: Set<string>;
  /** Choice labels (rendered as buttons). */
  labels: Set<string>;
}

/** Every locale key a machine declares: prompt keys, choice labels and `say` keys. */
export function collectKeys(machine: AnyStateMachine): FlowKeys {
  const texts = new Set<string>();
  const labels = new Set<string>();
  for (const node of stateNodesOf(machine.root)) {
    const prompt = (node.meta as Partial<StateMeta> | undefined)?.prompt;
    if (prompt) {
      texts.add(prompt.key);
      for (const choice of prompt.choices ?? []) labels.add(choice.label);
    }
    for (const key of sayKeys(node.entry)) texts.add(key);
    for (const key of sayKeys(node.exit)) texts.add(key);
    const transitions = [...node.transitions.values()].flat().concat(node.always ?? []);
    for (const transition of transitions) for (const key of sayKeys(transition.actions)) texts.add(key);
  }
  return { texts, labels };
}

// ---------------------------------------------------------------------------------------------
// Locale files

export type LocaleTree = { [key: string]: string | LocaleTree };
/** lang → namespace → JSON tree. */
export type Locales = Record<Lang, Record<string, LocaleTree>>;

/** The locale files with the `facts` and `sources` namespaces built from locales/facts.json. */
export function loadLocales(): Locales {
  return loadResources(LOCALES_DIR) as unknown as Locales;
}

/** The locale files only, as written by translators (without the generated namespaces). */
export function loadLocaleFiles(): Locales {
  const locales = {} as Locales;
  for (const lang of LANGS) {
    locales[lang] = {};
    for (const file of readdirSync(join(LOCALES_DIR, lang)).filter((f) => f.endsWith('.json'))) {
      locales[lang][file.replace(/\.json$/, '')] = JSON.parse(
        readFileSync(join(LOCALES_DIR, lang, file), 'utf8'),
      );
    }
  }
  return locales;
}

/** Flattens a namespace to `ns:dotted.path` → text. */
export function flatten(ns: string, tree: LocaleTree, prefix = ''): Map<string, string> {
  const out = new Map<string, string>();
  for (const [key, value] of Object.entries(tree)) {
    const path = prefix ? `${prefix}.${key}` : key;
    if (typeof value === 'string') out.set(`${ns}:${path}`, value);
    else for (const [k, v] of flatten(ns, value, path)) out.set(k, v);
  }
  return out;
}

export function flatLocale(locales: Locales, lang: Lang): Map<string, string> {
  const out = new Map<string, string>();
  for (const [ns, tree] of Object.entries(locales[lang]))
    for (const [k, v] of flatten(ns, tree)) out.set(k, v);
  return out;
}

export const PLURAL_SUFFIX = /_(zero|one|two|few|many|other)$/;

/** True when the key exists in the flat locale, directly or as plural forms. */
export function hasKey(flat: Map<string, string>, key: string): boolean {
  if (flat.has(key)) return true;
  for (const k of flat.keys()) if (k.replace(PLURAL_SUFFIX, '') === key) return true;
  return false;
}
