/**
 * For every reachable waiting state of every flow (walked with @xstate/graph): SOS answers with the
 * emergency numbers first and then the same question; the question carries the SOS button and a
 * way to the menu; and the menu button leads to the menu.
 */

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AnyMachineSnapshot } from 'xstate';
import { FLOW_IDS } from '../../flows/contract.js';
import { flows } from '../../flows/index.js';
import { currentPrompt } from '../../src/core/flow-runner.js';
import { type WalkedState, walkFlow } from '../flows/flow-walk.js';
import { EngineHarness } from '../helpers/engine-harness.js';

let h: EngineHarness;
beforeAll(async () => {
  h = await EngineHarness.open();
});
afterAll(() => h.close());

let person = 0;
/** A person whose conversation is parked in `snapshot` of `flow` (as a restart would find it). */
async function parkedIn(flow: (typeof FLOW_IDS)[number], snapshot: AnyMachineSnapshot) {
  const user = `p${++person}`;
  await h.command(user, 'start');
  await h.choose(user, 'en');
  const id = h.cipher.pseudonym('webchat', user);
  const conv = await h.store.getConversation(id);
  if (!conv) throw new Error('no conversation');
  const persisted = flows[flow].machine.getPersistedSnapshot(snapshot);
  await h.store.saveConversation(
    { ...conv, flow, flowVersion: flows[flow].version, snapshot: persisted },
    Date.now(),
  );
  await h.delivered(user);
  h.adapter.sent.length = 0;
  return user;
}

describe('every state of every flow', () => {
  for (const flow of FLOW_IDS) {
    // One snapshot per waiting state (the walk also tells the screening's states apart by answers).
    const byValue = new Map<string, WalkedState>();
    for (const s of walkFlow(flows[flow].machine).values()) {
      const value = JSON.stringify(s.snapshot.value);
      if (s.snapshot.status === 'active' && currentPrompt(s.snapshot) && !byValue.has(value))
        byValue.set(value, s);
    }
    const states = [...byValue.values()];

    it(`should reach at least one waiting state in ${flow}`, () => {
      expect(states.length).toBeGreaterThan(0);
    });

    for (const state of states) {
      it(`should answer SOS and offer the menu in ${flow} ${state.id}`, async () => {
        const prompt = currentPrompt(state.snapshot);
        const user = await parkedIn(flow, state.snapshot);
        await h.text(user, 'sos');
        const texts = await h.delivered(user);
        expect(texts[0]).toBe(h.t('en', 'common:sos.text'));
        expect(texts).toHaveLength(2);
        const question = h.lastSent(user);
        if (question?.type !== 'message') throw new Error('no question');
        expect(question.choices.map((c) => c.id)).toEqual(prompt?.choices?.map((c) => c.id) ?? []);
        const globals = question.globalChoices.map((c) => c.id);
        expect(globals).toContain('sos');
        if (flow !== 'menu') expect(globals).toContain('menu');

        h.adapter.sent.length = 0;
        await h.choose(user, 'menu');
        expect((await h.delivered(user)).at(-1)).toBe(h.t('en', 'menu:main.text'));
      });
    }
  }
});
