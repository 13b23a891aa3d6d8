/** docs/flows.md and the README's screening diagram are generated from the machines and up to date. */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { createMachine } from 'xstate';
import {
  DOC_PATH,
  flowDiagram,
  README_PATH,
  readmeWithDiagram,
  renderFlowsDoc,
} from '../../src/content/diagrams.js';

describe('flow diagrams', () => {
  it('should keep docs/flows.md up to date (run `npm run diagrams`)', () => {
    expect(readFileSync(DOC_PATH, 'utf8')).toBe(renderFlowsDoc());
  });

  it('should keep the screening diagram in the README up to date (run `npm run diagrams`)', () => {
    const readme = readFileSync(README_PATH, 'utf8');
    expect(readme).toBe(readmeWithDiagram(readme));
    expect(readme).toContain('relation --> a1: partner');
  });

  it('should draw the initial state, choices grouped by target, guards and the next flow', () => {
    const machine = createMachine({
      initial: 'ask',
      states: {
        ask: { on: { 'choice.yes': 'check', 'choice.no': 'check', 'choice.stop': 'out' } },
        check: { always: [{ guard: 'isHigh', target: 'out' }, { target: 'ask' }] },
        out: { type: 'final', output: { next: 'menu' } },
      },
    });
    expect(flowDiagram(machine)).toBe(
      [
        'stateDiagram-v2',
        '  [*] --> ask',
        '  ask --> check: yes / no',
        '  ask --> out: stop',
        '  check --> out: [isHigh]',
        '  check --> ask: otherwise',
        '  out --> [*]: to menu',
      ].join('\n'),
    );
  });
});
