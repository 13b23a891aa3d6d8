import { getShortestPaths } from '@xstate/graph';
import { describe, expect, it, vi } from 'vitest';
import { type AnyMachineSnapshot, type AnyStateMachine, createActor } from 'xstate';
import { FLOW_IDS, isFlowId } from '../../flows/contract.js';
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

/** Each flow with its default (no-op) effects, plus the hand-off with counsellors on duty. */
const variants: Array<{ name: string; machine: AnyStateMachine; unreachable: string[] }> = [
  ...FLOW_IDS.map((id) => ({ name: id, machine: flows[id].machine, unreachable: [] })),
  {
    name: 'handoff (counsellors on duty)',
    machine: handoffMachine.provide({ guards: { counsellorsOnDuty: () => true } }),
    unreachable: ['offDuty'],
  },
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

describe.each(variants)('flow $name', ({ machine, unreachable }) => {
  const states = walkFlow(machine);
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
      input: defaultInput,
      events: (snapshot: AnyMachineSnapshot) => eventsFor(snapshot),
      serializeState: (snapshot: AnyMachineSnapshot) => serializeFlowState(snapshot),
      toState: (snapshot: AnyMachineSnapshot) => snapshot.status === 'done',
    });
    expect(paths.length).toBeGreaterThan(0);
    for (const path of paths) {
      const actor = createActor(machine, { input: defaultInput }).start();
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

describe('screening effects', () => {
  function run(choices: string[]) {
    const recordRisk = vi.fn();
    const showEmergency = vi.fn();
    const actor = createActor(screeningMachine.provide({ actions: { recordRisk, showEmergency } }), {
      input: defaultInput,
    }).start();
    for (const id of choices) {
      expect(actor.getSnapshot().can({ type: `choice.${id}` }), `choice.${id}`).toBe(true);
      actor.send({ type: `choice.${id}` });
    }
    return { recordRisk, showEmergency, snapshot: actor.getSnapshot() };
  }
  const levels = (spy: ReturnType<typeof vi.fn>) => spy.mock.calls.map((call) => call[1]);
  /** start, G1 no, G2 no, then A1–C12 as given, then "something else worries you?". */
  const fullPath = (answers: Record<string, string>, other = 'no') => [
    'start',
    'no',
    'no',
    ...['a1', 'a2', 'a3', 'a4', 'b5', 'b6', 'b7', 'b8', 'b9', 'b10', 'b11', 'c12'].map(
      (q) => answers[q] ?? 'no',
    ),
    other,
  ];

  it('should record immediate and show the emergency numbers when the person is in danger now', () => {
    const { recordRisk, showEmergency, snapshot } = run(['start', 'yes']);
    expect(levels(recordRisk)).toEqual([{ level: 'immediate' }]);
    expect(showEmergency).toHaveBeenCalledTimes(1);
    expect(snapshot.value).toBe('immediate');
  });

  it('should record immediate when the person who hurts them could see the phone', () => {
    const { recordRisk, showEmergency, snapshot } = run(['start', 'no', 'yes']);
    expect(levels(recordRisk)).toEqual([{ level: 'immediate' }]);
    expect(showEmergency).toHaveBeenCalledTimes(1);
    expect(snapshot.value).toBe('immediate');
  });

  it('should record high when A2 is yes', () => {
    const { recordRisk, showEmergency, snapshot } = run(fullPath({ a2: 'yes' }));
    expect(levels(recordRisk)).toEqual([{ level: 'high' }]);
    expect(showEmergency).not.toHaveBeenCalled();
    expect(snapshot.value).toBe('high');
  });

  it('should record high when something else worries the person', () => {
    const { recordRisk, snapshot } = run(fullPath({}, 'yes'));
    expect(levels(recordRisk)).toEqual([{ level: 'high' }]);
    expect(snapshot.value).toBe('high');
  });

  it('should record standard when every answer is no', () => {
    const { recordRisk, showEmergency, snapshot } = run(fullPath({}));
    expect(levels(recordRisk)).toEqual([{ level: 'standard' }]);
    expect(showEmergency).not.toHaveBeenCalled();
    expect(snapshot.value).toBe('standard');
  });

  it('should record standard and offer a counsellor when the violence got worse (C12)', () => {
    const { recordRisk, snapshot } = run(fullPath({ c12: 'yes' }));
    expect(levels(recordRisk)).toEqual([{ level: 'standard' }]);
    expect(snapshot.value).toBe('standardOffer');
  });

  it('should treat skipped questions as no answer', () => {
    const skipAll = Object.fromEntries(
      ['a1', 'a2', 'a3', 'a4', 'b5', 'b6', 'b7', 'b8', 'b9', 'b10', 'b11', 'c12'].map((q) => [q, 'skip']),
    );
    const { recordRisk, snapshot } = run(fullPath(skipAll));
    expect(levels(recordRisk)).toEqual([{ level: 'standard' }]);
    expect(snapshot.value).toBe('standard');
  });

  it('should record nothing and go to the menu when the person stops', () => {
    const { recordRisk, snapshot } = run(['start', 'no', 'no', 'yes', 'stop']);
    expect(recordRisk).not.toHaveBeenCalled();
    expect(snapshot.status).toBe('done');
    expect(snapshot.output).toEqual({ next: 'menu' });
  });

  it('should hand over to the counsellor flow from a high result', () => {
    const { snapshot } = run([...fullPath({ a4: 'unsure' }), 'counsellor']);
    expect(snapshot.output).toEqual({ next: 'handoff' });
  });
});
