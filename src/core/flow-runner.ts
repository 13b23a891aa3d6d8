/**
 * Starts and restores flow actors. Every message restores the actor from its persisted snapshot,
 * so nothing lives only in memory and a restart resumes each conversation where it was.
 */
import { type AnyActor, type AnyMachineSnapshot, type AnyStateMachine, createActor } from 'xstate';
import type { FlowDefinition, FlowId, FlowInput, Prompt, StateMeta } from '../../flows/contract.js';
import { BoundedCache } from './bounded-cache.js';
import { SnapshotError } from './errors.js';

export interface RunningFlow {
  actor: AnyActor;
  snapshot(): AnyMachineSnapshot;
}

function run(machine: AnyStateMachine, options: { snapshot?: unknown; input: FlowInput }): RunningFlow {
  // A snapshot naming a state that no longer exists does not throw here: the actor goes to status
  // 'error' and re-throws later. Catch it now and let the caller restart safely.
  const actor = createActor(machine, options as never);
  let failure: unknown;
  actor.subscribe({ error: (e) => (failure ??= e) });
  actor.start();
  const snapshot = () => actor.getSnapshot() as AnyMachineSnapshot;
  if (failure !== undefined || snapshot().status === 'error') {
    actor.stop();
    throw new SnapshotError('stored conversation state cannot be restored', failure ?? snapshot().error);
  }
  return { actor, snapshot };
}

export class FlowRunner {
  readonly #definitions: Record<FlowId, FlowDefinition>;
  readonly #machines: Record<FlowId, AnyStateMachine>;

  /** `provide` wires the engine's named actions and guards into each machine once. */
  constructor(definitions: Record<FlowId, FlowDefinition>, provide: (m: AnyStateMachine) => AnyStateMachine) {
    this.#definitions = definitions;
    this.#machines = Object.fromEntries(
      Object.entries(definitions).map(([id, def]) => [id, provide(def.machine)]),
    ) as Record<FlowId, AnyStateMachine>;
  }

  /** Prompts by flow, version and state value: the same state always asks the same question. */
  readonly #prompts = new BoundedCache<string, Prompt | null>('flows.prompts', 1000);

  /**
   * The prompt a stored snapshot is at, without running an actor when that state was seen before
   * (used to log which button was pressed). Throws SnapshotError like `restore`.
   */
  promptAt(flow: FlowId, version: number, snapshot: unknown, input: FlowInput): Prompt | undefined {
    const value = (snapshot as { value?: unknown } | null)?.value;
    const id = value === undefined ? undefined : `${flow}:${version}:${JSON.stringify(value)}`;
    const known = id === undefined ? undefined : this.#prompts.get(id);
    if (known !== undefined) return known ?? undefined;
    const running = this.restore(flow, version, snapshot, input);
    const prompt = currentPrompt(running.snapshot());
    running.actor.stop();
    if (id !== undefined) this.#prompts.set(id, prompt ?? null);
    return prompt;
  }

  version(flow: FlowId): number {
    return this.#definitions[flow].version;
  }

  start(flow: FlowId, input: FlowInput): RunningFlow {
    return run(this.#machines[flow], { input });
  }

  restore(flow: FlowId, version: number, snapshot: unknown, input: FlowInput): RunningFlow {
    if (!this.#definitions[flow]) throw new SnapshotError(`unknown flow ${flow}`);
    if (version !== this.#definitions[flow].version) throw new SnapshotError(`flow ${flow} changed version`);
    const running = run(this.#machines[flow], { snapshot, input });
    if (running.snapshot().status !== 'active') {
      running.actor.stop();
      throw new SnapshotError(`stored flow ${flow} is not active`);
    }
    return running;
  }
}

/** The prompt of the deepest active state that declares one. */
export function currentPrompt(snapshot: AnyMachineSnapshot): Prompt | undefined {
  const metas = Object.values(snapshot.getMeta() as Record<string, Partial<StateMeta> | undefined>);
  for (let i = metas.length - 1; i >= 0; i--) {
    const prompt = metas[i]?.prompt;
    if (prompt) return prompt;
  }
  return undefined;
}
