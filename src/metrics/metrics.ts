/**
 * Prometheus metrics (prom-client, a registry of its own). Counts and timings only: no label ever
 * holds a pseudonym, an address, a conversation id or a text — labels are channel names, lanes,
 * risk levels, turn outcomes and a fixed set of failure reasons.
 */
import { createRequire } from 'node:module';
import type * as Prom from 'prom-client';
import type { DeliveryFailure, DeliveryObserver } from '../core/dispatcher.js';
import type { Store } from '../core/ports.js';
import type { Channel } from '../core/types.js';
import type { ChannelStatus } from './channel-status.js';

// The four classes from their own files: prom-client's index also loads its default metrics,
// the push gateway, cluster support and OpenTelemetry, about 70 ms of CPU at every start for
// nothing Tirek uses (test/start-lazy.test.ts).
const load = createRequire(import.meta.url);
const Registry: typeof Prom.Registry = load('prom-client/lib/registry');
const Counter: typeof Prom.Counter = load('prom-client/lib/counter');
const Gauge: typeof Prom.Gauge = load('prom-client/lib/gauge');
const Histogram: typeof Prom.Histogram = load('prom-client/lib/histogram');
type Registry = Prom.Registry;

const SECONDS = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 1800, 3600];

export interface Metrics {
  readonly registry: Registry;
  /** One inbound message handled (status: handled, duplicate, stored, error). */
  turn(channel: Channel, status: string, durationMs: number): void;
  readonly delivery: DeliveryObserver;
  /** The exposition text for GET /metrics. */
  render(): Promise<string>;
}

export function createMetrics(deps: {
  store: Store;
  channels: ChannelStatus;
  clock?: () => number;
}): Metrics {
  const { store, channels } = deps;
  const clock = deps.clock ?? Date.now;
  const registry = new Registry();
  const registers = [registry];

  const turns = new Counter({
    name: 'tirek_turns_total',
    help: 'Inbound messages handled, by channel and outcome',
    labelNames: ['channel', 'status'] as const,
    registers,
  });
  const turnSeconds = new Histogram({
    name: 'tirek_turn_duration_seconds',
    help: 'From an inbound message to its turn committed (replies written to the outbox)',
    labelNames: ['channel'] as const,
    buckets: SECONDS,
    registers,
  });
  const replySeconds = new Histogram({
    name: 'tirek_reply_latency_seconds',
    help: 'From a reply written to the outbox to its delivery by the channel',
    labelNames: ['channel'] as const,
    buckets: SECONDS,
    registers,
  });
  const failed = new Counter({
    name: 'tirek_deliveries_failed_total',
    help: 'Replies failed for good, by reason (blocked, expired, permanent, unreadable)',
    labelNames: ['channel', 'reason'] as const,
    registers,
  });
  const retried = new Counter({
    name: 'tirek_delivery_retries_total',
    help: 'Delivery attempts that will be retried (the channel was down or busy)',
    labelNames: ['channel'] as const,
    registers,
  });
  new Gauge({
    name: 'tirek_outbox_backlog',
    help: 'Replies waiting to be delivered, per lane',
    labelNames: ['lane'] as const,
    registers,
    async collect() {
      for (const b of await store.outboxBacklog(clock())) this.set({ lane: b.lane }, b.count);
    },
  });
  new Gauge({
    name: 'tirek_outbox_oldest_pending_seconds',
    help: 'Age of the oldest reply still waiting, per lane (0 when none)',
    labelNames: ['lane'] as const,
    registers,
    async collect() {
      for (const b of await store.outboxBacklog(clock())) this.set({ lane: b.lane }, b.oldestAgeMs / 1000);
    },
  });
  new Gauge({
    name: 'tirek_handoff_queue_length',
    help: 'People waiting for a counsellor, per risk level',
    labelNames: ['risk'] as const,
    registers,
    async collect() {
      for (const q of await store.handoffQueueStats(clock())) this.set({ risk: q.riskLevel }, q.count);
    },
  });
  new Gauge({
    name: 'tirek_handoff_oldest_waiting_seconds',
    help: 'Longest wait of a person in the counsellor queue, per risk level (0 when none)',
    labelNames: ['risk'] as const,
    registers,
    async collect() {
      for (const q of await store.handoffQueueStats(clock()))
        this.set({ risk: q.riskLevel }, q.oldestWaitMs / 1000);
    },
  });
  new Gauge({
    name: 'tirek_channel_connected',
    help: '1 when the channel runs on this instance and is connected, else 0',
    labelNames: ['channel', 'state'] as const,
    registers,
    collect() {
      this.reset();
      for (const c of channels.snapshot())
        this.set({ channel: c.channel, state: c.state }, c.connected ? 1 : 0);
    },
  });

  return {
    registry,
    turn(channel, status, durationMs) {
      turns.inc({ channel, status });
      turnSeconds.observe({ channel }, durationMs / 1000);
    },
    delivery: {
      delivered: (channel, latencyMs) => replySeconds.observe({ channel }, Math.max(0, latencyMs) / 1000),
      retried: (channel) => retried.inc({ channel }),
      failed: (channel, reason: DeliveryFailure) => failed.inc({ channel, reason }),
    },
    render: () => registry.metrics(),
  };
}
