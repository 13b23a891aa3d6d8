/**
 * `npm run diagrams`: Mermaid state diagrams of every flow, generated from the XState machines
 * (`machine.root`), into docs/flows.md, and the screening's into the README's "Content and
 * sources" section, so an NGO can review the conversation without reading code. A test fails when
 * either is out of date.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { AnyStateMachine, AnyStateNode } from 'xstate';
import { FLOW_IDS, type FlowDefinition, type FlowId, type StateMeta } from '../../flows/contract.js';
import { flows as registeredFlows } from '../../flows/index.js';
import { createTranslator, type Translator } from '../i18n/translator.js';

export const DOC_PATH = fileURLToPath(new URL('../../docs/flows.md', import.meta.url));
export const README_PATH = fileURLToPath(new URL('../../README.md', import.meta.url));
export const README_START = '<!-- screening-diagram:start (npm run diagrams) -->';
export const README_END = '<!-- screening-diagram:end -->';

interface Edge {
  from: string;
  to: string;
  labels: string[];
}

function describeGuard(guard: unknown): string {
  if (!guard) return '';
  if (typeof guard === 'string') return guard;
  const type = (guard as { type?: unknown }).type;
  return typeof type === 'string' ? type : 'guard';
}

/** The states of a (flat) flow machine with their transitions, grouped by source and target. */
function edgesOf(machine: AnyStateMachine): Edge[] {
  const edges = new Map<string, Edge>();
  const add = (from: string, to: string, label: string) => {
    const id = `${from}->${to}`;
    const edge = edges.get(id) ?? { from, to, labels: [] };
    if (label && !edge.labels.includes(label)) edge.labels.push(label);
    edges.set(id, edge);
  };
  for (const node of Object.values(machine.root.states) as AnyStateNode[]) {
    for (const [event, transitions] of node.transitions) {
      for (const transition of transitions) {
        for (const target of transition.target ?? []) {
          const guard = describeGuard(transition.guard);
          add(node.key, target.key, `${event.replace(/^choice\./, '')}${guard ? ` [${guard}]` : ''}`);
        }
      }
    }
    for (const transition of node.always ?? []) {
      for (const target of transition.target ?? []) {
        const guard = describeGuard(transition.guard);
        add(node.key, target.key, guard ? `[${guard}]` : 'otherwise');
      }
    }
  }
  return [...edges.values()];
}

/** A Mermaid `stateDiagram-v2` of a flow: choices on the arrows, final states lead to the next flow. */
export function flowDiagram(machine: AnyStateMachine): string {
  const lines = ['stateDiagram-v2', `  [*] --> ${String(machine.root.initial?.target[0]?.key)}`];
  for (const { from, to, labels } of edgesOf(machine)) {
    lines.push(`  ${from} --> ${to}${labels.length ? `: ${labels.join(' / ')}` : ''}`);
  }
  for (const node of Object.values(machine.root.states) as AnyStateNode[]) {
    if (node.type !== 'final') continue;
    const output = node.output as { next?: string } | undefined;
    lines.push(`  ${node.key} --> [*]${output?.next ? `: to ${output.next}` : ''}`);
  }
  return lines.join('\n');
}

/** Each waiting state with the first line of what the bot says there, in English. */
function promptTable(machine: AnyStateMachine, translator: Translator): string {
  const rows = ['| state | the bot says (first line, English) | choices |', '|---|---|---|'];
  for (const node of Object.values(machine.root.states) as AnyStateNode[]) {
    const prompt = (node.meta as Partial<StateMeta> | undefined)?.prompt;
    if (!prompt) continue;
    const text = translator.t('en', prompt.key).split('\n')[0]?.replace(/\|/g, '\\|') ?? '';
    const choices = (prompt.choices ?? []).map((c) => `\`${c.id}\``).join(' ');
    rows.push(`| \`${node.key}\` | ${text} (\`${prompt.key}\`) | ${choices} |`);
  }
  return rows.join('\n');
}

export function renderFlowsDoc(
  flows: Record<FlowId, FlowDefinition> = registeredFlows,
  translator: Translator = createTranslator(),
): string {
  const parts = [
    '# The conversation, flow by flow',
    '',
    'Generated from the XState machines in `flows/` by `npm run diagrams`. Do not edit by hand: a test',
    'fails when this file is out of date. Each arrow is labelled with the choice that takes it',
    '(`yes / no / unsure / skip`), or with the condition checked (`[isHigh]`); a final state hands',
    'over to the next flow. SOS, the menu, quick exit, language and erase work in every state and are',
    'not drawn. The texts are in `locales/` (see `locales/README.md`).',
  ];
  for (const id of FLOW_IDS) {
    const { machine, version } = flows[id];
    parts.push(
      '',
      `## ${id} (version ${version})`,
      '',
      '```mermaid',
      flowDiagram(machine),
      '```',
      '',
      promptTable(machine, translator),
    );
  }
  return `${parts.join('\n')}\n`;
}

/** The README with the screening diagram between its markers. */
export function readmeWithDiagram(
  readme: string,
  flows: Record<FlowId, FlowDefinition> = registeredFlows,
): string {
  const start = readme.indexOf(README_START);
  const end = readme.indexOf(README_END);
  if (start < 0 || end < start) throw new Error('README: the screening diagram markers are missing');
  const block = ['', '```mermaid', flowDiagram(flows.screening.machine), '```', ''].join('\n');
  return `${readme.slice(0, start + README_START.length)}${block}${readme.slice(end)}`;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  writeFileSync(DOC_PATH, renderFlowsDoc());
  writeFileSync(README_PATH, readmeWithDiagram(readFileSync(README_PATH, 'utf8')));
  console.log(`wrote ${DOC_PATH} and the screening diagram in ${README_PATH}`);
}
