/** Intake with spied effects: who the person writes for is recorded and changes what follows. */
import { describe, expect, it, vi } from 'vitest';
import { createActor } from 'xstate';
import { intakeMachine } from '../../flows/intake.js';
import { defaultInput, promptOf } from './flow-walk.js';

function run(choices: string[]) {
  const setWho = vi.fn();
  const say = vi.fn();
  const actor = createActor(intakeMachine.provide({ actions: { setWho, say } }), {
    input: defaultInput,
  }).start();
  for (const id of choices) {
    expect(actor.getSnapshot().can({ type: `choice.${id}` }), `choice.${id}`).toBe(true);
    actor.send({ type: `choice.${id}` });
  }
  const snapshot = actor.getSnapshot();
  return {
    snapshot,
    prompt: promptOf(snapshot),
    who: setWho.mock.calls.map((call) => call[1].who),
    said: say.mock.calls.map((call) => call[1].key),
  };
}

describe('intake', () => {
  it('should offer "I am under 18" and lead a minor to 150 first, flagged as a minor, with no menu detour', () => {
    const { snapshot, prompt, who } = run(['en', 'yes', 'minor']);
    expect(who).toEqual(['minor']);
    expect(snapshot.value).toBe('minor');
    expect(prompt?.key).toBe('intake:minor.text');
    expect(prompt?.choices?.map((c) => c.id)).toEqual(['counsellor', 'continue', 'exit']);
  });

  it('should take a minor straight to a counsellor request', () => {
    expect(run(['en', 'yes', 'minor', 'counsellor']).snapshot.output).toEqual({ next: 'handoff' });
  });

  it('should give a minor who continues a short privacy note, then the menu', () => {
    const { snapshot, said } = run(['en', 'yes', 'minor', 'continue']);
    expect(said).toEqual(['intake:minor.privacy']);
    expect(snapshot.output).toEqual({ next: 'menu' });
  });

  it.each([
    ['me', ['intake:privacy.text']],
    ['child', ['intake:who.child_note', 'intake:privacy.text']],
    ['other', ['intake:who.other_note', 'intake:privacy.text']],
  ])('should record who = %s and say the texts that fit', (choice, texts) => {
    const { who, said, snapshot } = run(['en', 'yes', choice]);
    expect(who).toEqual([choice]);
    expect(said).toEqual(texts);
    expect(snapshot.output).toEqual({ next: 'menu' });
  });

  it('should offer a quick-exit button when it is not safe to write', () => {
    const { prompt } = run(['en', 'no']);
    expect(prompt?.key).toBe('intake:not_safe.text');
    expect(prompt?.choices?.map((c) => c.id)).toContain('exit');
  });
});
