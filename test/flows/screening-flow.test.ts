/**
 * The screening machine with spied effects: who is asked what, which level is recorded, and that
 * every question of the screen offers the five answers.
 */
import { describe, expect, it, vi } from 'vitest';
import { createActor } from 'xstate';
import type { Who } from '../../flows/contract.js';
import { ANSWER_CHOICE_IDS, screeningMachine } from '../../flows/screening.js';
import { QUESTION_ITEMS } from '../../flows/screening-score.js';
import { defaultInput, promptOf, walkFlow } from './flow-walk.js';

function run(choices: string[], who: Who | null = null) {
  const recordRisk = vi.fn();
  const showEmergency = vi.fn();
  const actor = createActor(screeningMachine.provide({ actions: { recordRisk, showEmergency } }), {
    input: { ...defaultInput, who },
  }).start();
  const asked: string[] = [];
  for (const id of choices) {
    asked.push(promptOf(actor.getSnapshot())?.key ?? '');
    expect(actor.getSnapshot().can({ type: `choice.${id}` }), `choice.${id}`).toBe(true);
    actor.send({ type: `choice.${id}` });
  }
  const snapshot = actor.getSnapshot();
  return { recordRisk, showEmergency, snapshot, asked, prompt: promptOf(snapshot) };
}
const levels = (spy: ReturnType<typeof vi.fn>) => spy.mock.calls.map((call) => call[1]);
const choiceIds = (prompt: ReturnType<typeof promptOf>) => (prompt?.choices ?? []).map((c) => c.id);

/** start, G1 no, G2 no, "a partner", then A1–D13 as given (default "no"), then "something else". */
const fullPath = (answers: Record<string, string>, other = 'no') => [
  'start',
  'no',
  'no',
  'partner',
  ...QUESTION_ITEMS.map((q) => answers[q] ?? 'no'),
  other,
];

describe('screening: every question offers Yes / No / Not sure / Skip and Stop', () => {
  const states = [...walkFlow(screeningMachine).values()].filter((s) => s.snapshot.status === 'active');
  const questions = states.filter((s) => promptOf(s.snapshot)?.key.startsWith('screening:questions.'));

  it('should offer the five answers in every question, the gate and "something else" included', () => {
    const keys = new Set<string>();
    for (const { snapshot } of questions) {
      const prompt = promptOf(snapshot);
      if (prompt?.key === 'screening:questions.relation') continue;
      keys.add(prompt?.key ?? '');
      expect(choiceIds(prompt), prompt?.key).toEqual([...ANSWER_CHOICE_IDS]);
    }
    expect([...keys].sort()).toEqual(
      ['g1', 'g2', ...QUESTION_ITEMS, 'other'].map((q) => `screening:questions.${q}`).sort(),
    );
  });

  it('should let the person skip or stop at "who hurts you?"', () => {
    const relation = questions.find((s) => promptOf(s.snapshot)?.key === 'screening:questions.relation');
    if (!relation) throw new Error('"who hurts you?" was not reached');
    expect(choiceIds(promptOf(relation.snapshot))).toEqual([
      'partner',
      'family',
      'adult_child',
      'someone_else',
      'skip',
      'stop',
    ]);
  });
});

describe('screening: the gate', () => {
  it('should record immediate, show the emergency numbers and offer quick exit on G1 "yes"', () => {
    const { recordRisk, showEmergency, snapshot, prompt } = run(['start', 'yes']);
    expect(levels(recordRisk)).toEqual([{ level: 'immediate' }]);
    expect(showEmergency).toHaveBeenCalledTimes(1);
    expect(snapshot.value).toBe('immediate');
    expect(choiceIds(prompt)).toEqual(['exit', 'counsellor', 'legal']);
  });

  it.each(['yes', 'unsure'])(
    'should answer G2 "%s" compactly: immediate, no long emergency message, a quick-exit button',
    (answer) => {
      const { recordRisk, showEmergency, snapshot, prompt } = run(['start', 'no', answer]);
      expect(levels(recordRisk)).toEqual([{ level: 'immediate' }]);
      expect(showEmergency).not.toHaveBeenCalled();
      expect(snapshot.value).toBe('immediateCompact');
      expect(prompt?.key).toBe('screening:result.immediate_compact');
      expect(choiceIds(prompt)[0]).toBe('exit');
    },
  );

  it.each(['unsure', 'skip'])('should go on to G2 after G1 "%s"', (answer) => {
    expect(run(['start', answer]).snapshot.value).toBe('g2');
  });

  it('should ask who hurts the person after the gate and before the items', () => {
    const { asked, snapshot } = run(['start', 'no', 'no', 'partner']);
    expect(asked).toEqual([
      'screening:intro.text',
      'screening:questions.g1',
      'screening:questions.g2',
      'screening:questions.relation',
    ]);
    expect(snapshot.value).toBe('a1');
  });
});

describe('screening: who hurts the person', () => {
  it.each([
    ['family', 'notPartner_family'],
    ['adult_child', 'notPartner_adult_child'],
    ['someone_else', 'notPartner_someone_else'],
    ['skip', 'notPartner_not_said'],
  ])(
    'should ask no partner-only item for "%s", record standard and offer a counsellor',
    (relation, state) => {
      const { recordRisk, snapshot, prompt, asked } = run(['start', 'no', 'no', relation]);
      expect(snapshot.value).toBe(state);
      expect(asked.filter((key) => /questions\.[abcd]\d/.test(key))).toEqual([]);
      expect(levels(recordRisk)).toEqual([{ level: 'standard' }]);
      expect(choiceIds(prompt)[0]).toBe('counsellor');
      expect(run([...['start', 'no', 'no', relation], 'counsellor']).snapshot.output).toEqual({
        next: 'handoff',
      });
    },
  );

  it('should ask all 13 items and "something else" for a partner or ex-partner', () => {
    const { asked } = run(fullPath({}));
    expect(asked.filter((key) => /questions\.([abcd]\d+|other)$/.test(key))).toEqual(
      [...QUESTION_ITEMS, 'other'].map((q) => `screening:questions.${q}`),
    );
  });
});

describe('screening: results', () => {
  it('should record high when A2 is "yes"', () => {
    const { recordRisk, showEmergency, snapshot } = run(fullPath({ a2: 'yes' }));
    expect(levels(recordRisk)).toEqual([{ level: 'high' }]);
    expect(showEmergency).not.toHaveBeenCalled();
    expect(snapshot.value).toBe('high');
  });

  it('should record high on 3 DA-5 items (B6, C12, D13) and standard on 2', () => {
    expect(run(fullPath({ b6: 'yes', c12: 'yes', d13: 'yes' })).snapshot.value).toBe('high');
    expect(run(fullPath({ b6: 'yes', c12: 'yes' })).snapshot.value).toBe('standardOffer');
  });

  it('should record high when something else worries the person', () => {
    const { recordRisk, snapshot } = run(fullPath({}, 'yes'));
    expect(levels(recordRisk)).toEqual([{ level: 'high' }]);
    expect(snapshot.value).toBe('high');
  });

  it('should record standard when every answer is "no"', () => {
    const { recordRisk, snapshot } = run(fullPath({}));
    expect(levels(recordRisk)).toEqual([{ level: 'standard' }]);
    expect(snapshot.value).toBe('standard');
  });

  it('should record standard and offer a counsellor when the violence got worse (C12)', () => {
    const { recordRisk, snapshot } = run(fullPath({ c12: 'yes' }));
    expect(levels(recordRisk)).toEqual([{ level: 'standard' }]);
    expect(snapshot.value).toBe('standardOffer');
  });

  it('should say "not assessed", record no level and offer a counsellor when most items were skipped', () => {
    const skipAll = Object.fromEntries(QUESTION_ITEMS.map((q) => [q, 'skip']));
    const { recordRisk, snapshot, prompt } = run(fullPath(skipAll, 'skip'));
    expect(recordRisk).not.toHaveBeenCalled();
    expect(snapshot.value).toBe('notAssessed');
    expect(prompt?.key).toBe('screening:result.not_assessed');
    expect(choiceIds(prompt)).toContain('counsellor');
  });

  it('should record nothing and go to the menu when the person stops', () => {
    for (const path of [
      ['start', 'stop'],
      ['start', 'no', 'no', 'stop'],
      ['start', 'no', 'no', 'partner', 'yes', 'stop'],
    ]) {
      const { recordRisk, snapshot } = run(path);
      expect(recordRisk).not.toHaveBeenCalled();
      expect(snapshot.output).toEqual({ next: 'menu' });
    }
  });

  it('should hand over to the counsellor flow from a high result', () => {
    expect(run([...fullPath({ a4: 'unsure' }), 'counsellor']).snapshot.output).toEqual({ next: 'handoff' });
  });
});

describe('screening: who the person writes for', () => {
  it('should give a child or teenager no screen: the 150-first text and a counsellor', () => {
    const { snapshot, prompt } = run([], 'minor');
    expect(snapshot.value).toBe('minor');
    expect(prompt?.key).toBe('screening:for_someone.minor');
    expect(choiceIds(prompt)).not.toContain('start');
    expect(run(['counsellor'], 'minor').snapshot.output).toEqual({ next: 'handoff' });
  });

  it.each([
    ['child', 'forChild'],
    ['other', 'forOther'],
  ] as const)(
    'should first show texts that fit someone writing for "%s", then allow the questions',
    (who, state) => {
      expect(run([], who).snapshot.value).toBe(state);
      expect(run(['start'], who).snapshot.value).toBe('intro');
    },
  );

  it('should start with the intro for the person themselves', () => {
    expect(run([], 'me').snapshot.value).toBe('intro');
    expect(run([], null).snapshot.value).toBe('intro');
  });
});
