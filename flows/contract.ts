/**
 * The contract between flows and the engine.
 *
 * A flow is a pure XState v5 machine: no I/O, no imports from src/ other than neutral types.
 * - Each state that waits for the person declares `meta: { prompt }`: the locale key of what the
 *   bot says there and the choices it offers. The engine renders it whenever the state is entered
 *   (or re-entered) and re-shows it when the person's input did not fit.
 * - A choice arrives as the event `{ type: 'choice.<id>' }`; free text as `{ type: 'text', text }`.
 *   Choice ids are short `[a-z0-9_]` words (they travel in Telegram callback data).
 * - Effects are named actions/guards declared in `flowSetup` with no-op defaults; the engine
 *   provides the real ones with `machine.provide()` (tests swap them the same way).
 * - A flow ends in a final state whose output names the next flow: `{ next: 'menu' }`.
 *
 * The engine owns everything that must work in every state: SOS, the menu, language, quick exit,
 * erase, stop. It also appends the SOS and menu buttons to every prompt, so flows don't.
 */
import type { AnyStateMachine } from 'xstate';
import type { Lang, RiskLevel } from '../src/core/types.js';

export const FLOW_IDS = [
  'intake',
  'menu',
  'language',
  'screening',
  'legal',
  'handoff',
  'erase',
  'subscribe',
] as const;
export type FlowId = (typeof FLOW_IDS)[number];

export function isFlowId(value: unknown): value is FlowId {
  return typeof value === 'string' && (FLOW_IDS as readonly string[]).includes(value);
}

/** A choice offered by a prompt: `label` is a locale key ("ns:path"). */
export interface ChoiceDef {
  id: string;
  label: string;
}

/** Values the engine computes when rendering, on request of a prompt. */
export type PromptData =
  /** `{{directory}}`: the help directory entries for `context.region` (or the national lines). */
  | 'directory'
  /** `{{queuePosition}}`: the person's place in the counsellor queue. */
  | 'queuePosition'
  /** `{{dutyHours}}`, `{{nextDuty}}`: when counsellors are on duty / back next. */
  | 'duty';

export interface Prompt {
  /** Locale key of the text ("ns:path"). The flow's context (primitive fields) is passed as params. */
  key: string;
  choices?: ChoiceDef[];
  data?: PromptData[];
}

export interface StateMeta {
  prompt: Prompt;
}

/** Who the person is seeking help for (asked at intake): themselves, their child, someone they know,
 * or themselves as a child or teenager under 18 (`minor`: the counsellor queue flags it). */
export type Who = 'me' | 'child' | 'other' | 'minor';

/** Where a conversation stood: a flow, its version and its persisted snapshot. */
export interface FlowPlace {
  flow: FlowId;
  flowVersion: number;
  snapshot: unknown;
}

/** What every flow gets when the engine starts it. */
export interface FlowInput {
  lang: Lang;
  riskLevel: RiskLevel | null;
  who: Who | null;
  /** Where the person was before this flow (the erase question keeps it to go back on "no"). */
  resume?: FlowPlace | undefined;
}

/** What every flow returns when it ends. */
export interface FlowOutput {
  next: FlowId;
  /** Go back to this place instead of starting `next` (when it can still be restored). */
  resume?: FlowPlace | undefined;
}

export type FlowEvent = { type: `choice.${string}` } | { type: 'text'; text: string };

/** A registered flow. Bump `version` whenever a change could strand stored snapshots. */
export interface FlowDefinition {
  id: FlowId;
  version: number;
  machine: AnyStateMachine;
}

/** Event type for a choice id. */
export const choiceEvent = (id: string) => `choice.${id}` as const;
