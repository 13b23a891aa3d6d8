import { getShortestPaths } from '@xstate/graph';
import { describe, expect, it } from 'vitest';
import { type AnyMachineSnapshot, type AnyStateMachine, createActor } from 'xstate';
import { FLOW_IDS, type FlowInput, isFlowId } from '../../flows/contract.js';
import { handoffMachine } from '../../flows/handoff.js';
import { flows } from '../../flows/index.js';
import { screeningMachine } from '../../flows/screening.js';
import { GLOBAL_COMMANDS, LANGS, type Lang } from '../../src/core/types.js';
import {
  defaultInput,
  eventsFor,
  flatLocale,
  hasKey,
  loadLocales,
  promptOf,
  serializeFlowState,
  walkFlow,
} from './flow-walk.js';

const locales = loadLocales();
const flat = Object.fromEntries(LANGS.map((lang) => [lang, flatLocale(locales, lang)])) as Record<
  Lang,
  Map<string, string>
>;

/** Choice ids the engine catches before the flow (the menu lists some global commands). */
const engineChoices = new Set<string>(GLOBAL_COMMANDS);

/** Screening states shown only to someone who wrote for a child, for another person, or as a minor. */
const forSomeone = ['minor', 'forChild', 'forOther'];

/** Each flow with its default (no-op) effects, plus the hand-off with counsellors on duty and the
 * screening for each `who`. */
const variants: Array<{ name: string; machine: AnyStateMachine; unreachable: string[]; input: FlowInput }> = [
  ...FLOW_IDS.map((id) => ({
    name: id,
    machine: flows[id].machine,
    unreachable: id === 'screening' ? forSomeone : [],
    input: defaultInput,
  })),
  {
    name: 'handoff (counsellors on duty)',
    machine: handoffMachine.provide({ guards: { counsellorsOnDuty: () => true } }),
    unreachable: ['offDuty'],
    input: defaultInput,
  },
  ...(
    [
      ['minor', 'minor'],
      ['child', 'forChild'],
      ['other', 'forOther'],
    ] as const
  ).map(([who, state]) => ({
    name: `screening (who: ${who})`,
    machine: screeningMachine,
    // Only its own first state is checked here; the rest is covered by the plain screening.
    unreachable: Object.keys(screeningMachine.root.states).filter((key) => key !== state),
    input: { ...defaultInput, who },
  })),
];

describe('flow registry', () => {
  it('should register every flow id with its own machine and a version', () => {
    for (const id of FLOW_IDS) {
      expect(flows[id].id).toBe(id);
      expect(flows[id].machine.id).toBe(id);
      expect(flows[id].version).toBeGreaterThanOrEqual(1);
    }
  });
});

describe.each(variants)('flow $name', ({ machine, unreachable, input }) => {
  const states = walkFlow(machine, input);
  const all = [...states.values()];
  const waiting = all.filter((s) => s.snapshot.status === 'active');
  const finals = all.filter((s) => s.snapshot.status === 'done');

  it('should reach every state that declares a prompt', () => {
    const declared = Object.entries(machine.root.states)
      .filter(
        ([key, node]) =>
          (node.meta as { prompt?: unknown } | undefined)?.prompt && !unreachable.includes(key),
      )
      .map(([key]) => key);
    const reached = new Set(waiting.map((s) => JSON.stringify(s.snapshot.value)));
    expect(declared.filter((key) => !reached.has(JSON.stringify(key)))).toEqual([]);
  });

  it('should declare a prompt with a key in every state that waits for the person', () => {
    expect(waiting.length).toBeGreaterThan(0);
    for (const { id, snapshot } of waiting) {
      const prompt = promptOf(snapshot);
      expect(prompt?.key, `state ${id}`).toMatch(/^[a-z_]+:[a-z0-9_.]+$/);
    }
  });

  it('should have every prompt text and choice label in kk, ru and en', () => {
    for (const { snapshot } of waiting) {
      const prompt = promptOf(snapshot);
      const keys = [prompt?.key ?? '', ...(prompt?.choices ?? []).map((c) => c.label)];
      for (const lang of LANGS)
        for (const key of keys) expect(hasKey(flat[lang], key), `${lang} ${key}`).toBe(true);
    }
  });

  it('should offer short [a-z0-9_] choice ids, each once per prompt', () => {
    for (const { snapshot } of waiting) {
      const ids = (promptOf(snapshot)?.choices ?? []).map((c) => c.id);
      for (const id of ids) expect(id).toMatch(/^[a-z0-9_]{1,32}$/);
      expect(new Set(ids).size).toBe(ids.length);
    }
  });

  it('should accept every choice its prompts offer (no dead buttons)', () => {
    for (const { id, snapshot } of waiting) {
      for (const choice of promptOf(snapshot)?.choices ?? []) {
        if (engineChoices.has(choice.id)) continue;
        expect(snapshot.can({ type: `choice.${choice.id}` }), `${id} choice.${choice.id}`).toBe(true);
      }
    }
  });

  it('should reach a final state from every reachable state', () => {
    expect(finals.length).toBeGreaterThan(0);
    const canFinish = new Set(finals.map((s) => s.id));
    let grew = true;
    while (grew) {
      grew = false;
      for (const s of all) {
        if (!canFinish.has(s.id) && s.next.some((n) => canFinish.has(n))) {
          canFinish.add(s.id);
          grew = true;
        }
      }
    }
    expect(all.filter((s) => !canFinish.has(s.id)).map((s) => s.id)).toEqual([]);
  });

  it('should name a registered next flow in every final state', () => {
    for (const { snapshot } of finals)
      expect(isFlowId((snapshot.output as { next?: unknown }).next)).toBe(true);
  });

  it('should reach every final state by a shortest path made only of offered events', () => {
    const paths = getShortestPaths(machine, {
      input,
      events: (snapshot: AnyMachineSnapshot) => eventsFor(snapshot),
      serializeState: (snapshot: AnyMachineSnapshot) => serializeFlowState(snapshot),
      toState: (snapshot: AnyMachineSnapshot) => snapshot.status === 'done',
    });
    expect(paths.length).toBeGreaterThan(0);
    for (const path of paths) {
      const actor = createActor(machine, { input }).start();
      for (const { event } of path.steps) {
        if (event.type.startsWith('xstate.')) continue;
        expect(
          actor.getSnapshot().can(event),
          `${event.type} in ${JSON.stringify(actor.getSnapshot().value)}`,
        ).toBe(true);
        actor.send(event);
      }
      expect(actor.getSnapshot().status).toBe('done');
    }
  });
});
