/** store.handoffQueueStats (the metrics' queue figures) on SQLite and PostgreSQL. */
import { afterEach, describe, expect, it } from 'vitest';
import { BACKENDS } from '../helpers/backends.js';
import { EngineHarness } from '../helpers/engine-harness.js';

const harnesses: EngineHarness[] = [];
afterEach(async () => {
  for (const h of harnesses.splice(0)) await h.close().catch(() => {});
});

describe.each(BACKENDS)('hand-off queue figures on $name', (backend) => {
  it('should count people waiting per risk level with the longest wait, and nothing else', async () => {
    let now = Date.parse('2026-11-24T07:00:00Z');
    const h = await EngineHarness.open({ ...(await backend.fresh()), clock: () => now });
    harnesses.push(h);
    expect(await h.store.handoffQueueStats(now)).toEqual([
      { riskLevel: 'immediate', count: 0, oldestWaitMs: 0 },
      { riskLevel: 'high', count: 0, oldestWaitMs: 0 },
      { riskLevel: 'standard', count: 0, oldestWaitMs: 0 },
    ]);
    for (const user of ['u1', 'u2']) {
      await h.command(user, 'start');
      await h.choose(user, 'en');
      await h.choose(user, 'yes');
      await h.choose(user, 'me');
      await h.choose(user, 'counsellor');
      now += 60_000;
    }
    const conv = await h.store.getConversation(h.cipher.pseudonym('webchat', 'u2'));
    await h.store.transaction((tx) => tx.enqueueHandoff(conv?.id ?? -1, 'high', now));
    now += 30_000;
    const stats = await h.store.handoffQueueStats(now);
    expect(stats.find((s) => s.riskLevel === 'standard')).toEqual({
      riskLevel: 'standard',
      count: 1,
      oldestWaitMs: 150_000,
    });
    // raised to high, keeping the time it first joined the queue
    expect(stats.find((s) => s.riskLevel === 'high')).toMatchObject({ count: 1 });
    expect(stats.find((s) => s.riskLevel === 'immediate')).toMatchObject({ count: 0 });
  });
});
