/**
 * One person's flood never slows another person's replies: 1 flooding and 50 normal people on one
 * SQLite file. Two proofs, measured in the same run:
 * - deterministic: the flooder keeps a backlog of 1,000 messages queued for as long as the
 *   normal people write; every normal person's replies are delivered, in order, round after
 *   round, while the flood is handled beside them (the flood waits its turn, one message at a
 *   time; nobody waits behind it);
 * - the latency comparison: normal people's median and p95 reply latency (message in -> reply
 *   delivered) during the flood stay within 2× of the quiet rounds measured just before.
 */
import { describe, expect, it } from 'vitest';
import { EngineHarness } from '../helpers/engine-harness.js';

const NORMAL = 50;
const ROUNDS = 6;
/** Messages the flooder keeps queued at all times while the normal people write. */
const FLOOD_BURST = 1000;

const percentile = (xs: number[], p: number) => {
  const sorted = [...xs].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;
};

describe('a flood among 50 people', () => {
  it('should deliver the normal people’s replies while the flood is still being handled, as fast as when quiet', async () => {
    const h = await EngineHarness.open({ floodMaxPerMinute: 20 });
    try {
      const people = Array.from({ length: NORMAL }, (_, i) => `p${i}`);
      for (const p of [...people, 'flooder']) {
        await h.command(p, 'start');
        await h.choose(p, 'en');
        await h.choose(p, 'yes');
        await h.choose(p, 'me');
      }
      await h.delivered('p0');
      const menu = h.t('en', 'menu:main.text');
      const unknown = h.t('en', 'common:unknown');

      // when each person's reply to the current round reaches the adapter
      const waiting = new Map<string, () => void>();
      h.adapter.beforeSend = (address, message) => {
        if (message.type === 'message' && message.text === menu) waiting.get(address)?.();
      };
      const round = async (n: number): Promise<number[]> =>
        Promise.all(
          people.map(async (p) => {
            const started = performance.now();
            const delivered = new Promise<void>((resolve) => waiting.set(p, resolve));
            await h.text(p, `qwerty ${n}`);
            await delivered;
            return performance.now() - started;
          }),
        );

      await round(-1); // warm-up
      const quiet: number[] = [];
      for (let n = 0; n < ROUNDS; n++) quiet.push(...(await round(n)));

      // the flood: one person keeps thousands of messages queued at once for as long as the
      // normal rounds run (a fixed burst could end before them and prove nothing)
      let floodHandled = 0;
      let floodSent = 0;
      let inFlight = 0;
      let flooding = true;
      let drained: () => void = () => {};
      const flood = new Promise<void>((resolve) => (drained = resolve));
      const send = () => {
        inFlight++;
        void h.text('flooder', `spam ${floodSent++}`).then(() => {
          floodHandled++;
          inFlight--;
          if (flooding) send();
          else if (inFlight === 0) drained();
        });
      };
      for (let i = 0; i < FLOOD_BURST; i++) send();
      const handledBefore = floodHandled;
      const flooded: number[] = [];
      for (let n = 0; n < ROUNDS; n++) flooded.push(...(await round(ROUNDS + n)));
      const handledDuring = floodHandled - handledBefore;
      const queuedWhenNormalDone = inFlight;
      flooding = false;
      await flood;

      // every normal reply was delivered while the flood was being handled: the flood's messages
      // were handled all through the rounds, and a full backlog still waited when they were done
      expect(handledDuring).toBeGreaterThan(ROUNDS);
      expect(queuedWhenNormalDone).toBe(FLOOD_BURST);
      // per-person order held: each round answered "not understood", then the menu, in order
      for (const p of people) {
        const texts = h.adapter.textsTo(p).slice(-2 * ROUNDS * 2);
        expect(texts).toEqual(Array.from({ length: ROUNDS * 2 }, () => [unknown, menu]).flat());
      }
      // the flooder got the answers up to the limit and one calm line; the rest is stored
      await h.delivered('flooder');
      const toFlooder = h.adapter.textsTo('flooder');
      expect(toFlooder.filter((t) => t === h.t('en', 'safety:flood'))).toHaveLength(1);

      const q50 = percentile(quiet, 50);
      const q95 = percentile(quiet, 95);
      const f50 = percentile(flooded, 50);
      const f95 = percentile(flooded, 95);
      console.log(
        `reply latency, ${NORMAL} people × ${ROUNDS} rounds: quiet p50 ${q50.toFixed(1)} ms p95 ${q95.toFixed(1)} ms; ` +
          `during a flood (${handledDuring} of its messages handled meanwhile) p50 ${f50.toFixed(1)} ms p95 ${f95.toFixed(1)} ms`,
      );
      // 2× as the issue asks, plus 5 ms for timer granularity when both are a few milliseconds
      expect(f50).toBeLessThanOrEqual(2 * q50 + 5);
      expect(f95).toBeLessThanOrEqual(2 * q95 + 5);
    } finally {
      await h.close();
    }
  }, 120_000);
});
