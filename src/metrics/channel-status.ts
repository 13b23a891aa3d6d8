/**
 * What each channel is doing on this instance, for /readyz and the metrics: started and
 * running here, standing by (another instance holds it), failed to start, or stopped.
 */
import type { Channel, ChannelAdapter } from '../core/types.js';

export type ChannelState = 'starting' | 'running' | 'standby' | 'failed' | 'stopped';

export class ChannelStatus {
  readonly #states = new Map<Channel, ChannelState>();
  readonly #adapters: ReadonlyMap<Channel, ChannelAdapter>;

  constructor(adapters: ReadonlyMap<Channel, ChannelAdapter>) {
    this.#adapters = adapters;
    for (const channel of adapters.keys()) this.#states.set(channel, 'starting');
  }

  set(channel: Channel, state: ChannelState): void {
    this.#states.set(channel, state);
  }

  /** Running here and, for a channel that reports its link (WhatsApp), linked right now. */
  connected(channel: Channel): boolean {
    if (this.#states.get(channel) !== 'running') return false;
    const adapter = this.#adapters.get(channel) as { linkingState?: () => { status: string } } | undefined;
    return adapter?.linkingState ? adapter.linkingState().status === 'ready' : true;
  }

  snapshot(): Array<{ channel: Channel; state: ChannelState; connected: boolean }> {
    return [...this.#states].map(([channel, state]) => ({
      channel,
      state,
      connected: this.connected(channel),
    }));
  }
}
