/**
 * A person's new reply is delivered at the normal latency while 20,000 bulk rows (a backlog after
 * an outage, re-sends) wait: the live lane is claimed first and the backlog never fills every slot.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { OutboxDispatcher } from '../../src/core/dispatcher.js';
import { createLogger } from '../../src/logger.js';
import { EngineHarness } from '../helpers/engine-harness.js';
import { RecordingAdapter } from '../helpers/recording-adapter.js';

/** A platform that takes `ms` for every send. */
class SlowAdapter extends RecordingAdapter {
  constructor(readonly ms: number) {
    super('webchat');
  }
  override async send(address: string, message: Parameters<RecordingAdapter['send']>[1]) {
    await new Promise((r) => setTimeout(r, this.ms));
    return super.send(address, message);
  }
}

describe('outbox lanes under a backlog', () => {
  let h: EngineHarness | undefined;
  let dispatcher: OutboxDispatcher | undefined;
  afterEach(async () => {
    await dispatcher?.stop();
    await h?.close();
  });

  it('should deliver a fresh reply within the normal latency with 20,000 bulk rows pending', async () => {
    h = await EngineHarness.open();
    const store = h.store;
    await store.transaction(async (tx) => {
      for (let i = 0; i < 20_000; i++)
        await tx.enqueueOutbox({
          conversationId: null,
          contactId: `bulk${i}`,
          channel: 'webchat',
          address: `bulk${i}`,
          message: { type: 'message', text: 'bulk', choices: [], globalChoices: [], lang: 'en' },
          lane: 'bulk',
          now: Date.now() - 1000,
        });
    });
    const adapter = new SlowAdapter(20);
    dispatcher = new OutboxDispatcher({
      store,
      adapters: new Map([['webchat', adapter]]),
      logger: createLogger('silent'),
    });
    await dispatcher.start();
    await new Promise((r) => setTimeout(r, 200)); // the backlog is being worked off
    expect(adapter.sent.length).toBeGreaterThan(0);

    const t0 = Date.now();
    await h.command('person', 'start');
    // woken by the turn (the harness dispatcher is not running): wake the one that is
    dispatcher.wake();
    while (adapter.textsTo('person').length === 0) {
      if (Date.now() - t0 > 5000) break;
      await new Promise((r) => setTimeout(r, 2));
    }
    const latency = Date.now() - t0;
    expect(adapter.textsTo('person')).toHaveLength(1);
    // normal latency: a free slot and one send (20 ms), not the 20,000 / 8 × 20 ms = 50 s backlog
    expect(latency).toBeLessThan(500);
    expect(await store.pendingOutboxCount()).toBeGreaterThan(15_000);
  });
});
