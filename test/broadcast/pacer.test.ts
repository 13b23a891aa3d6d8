/**
 * The campaign pacer on a simulated clock: several senders at once (as the sender's concurrency),
 * each send answered after a delay. The pace must stay close to the limit whatever each send
 * takes, and never put more than the limit into any sliding second.
 */
import { describe, expect, it } from 'vitest';
import { createPacer, type PacerOptions } from '../../src/broadcast/pacer.js';
import { maxInWindow } from './seed.js';

/** A virtual clock: timers fire in time order, each after every microtask before it has run. */
function virtualTime() {
  let now = 0;
  const timers: Array<{ at: number; fire: () => void }> = [];
  const flush = () => new Promise<void>((r) => setImmediate(r));
  return {
    now: () => now,
    sleep: (ms: number) =>
      new Promise<void>((resolve) => {
        timers.push({ at: now + ms, fire: resolve });
      }),
    /** Runs until `until` (virtual ms). */
    async run(until: number) {
      for (;;) {
        await flush();
        timers.sort((a, b) => a.at - b.at);
        const next = timers[0];
        if (!next || next.at > until) return;
        timers.shift();
        now = Math.max(now, next.at);
        next.fire();
      }
    },
  };
}

/**
 * `senders` loops, each: wait for a slot, send (answered after `answerMs(i)`), repeat; for
 * `seconds` of simulated time. Returns the start time of every send.
 */
async function simulate(
  options: Omit<PacerOptions, 'now' | 'sleep'>,
  { senders, answerMs, seconds }: { senders: number; answerMs: (i: number) => number; seconds: number },
): Promise<number[]> {
  const clock = virtualTime();
  const pacer = createPacer({ ...options, now: clock.now, sleep: clock.sleep });
  const starts: number[] = [];
  let chat = 0;
  let stop = false;
  const loops = Array.from({ length: senders }, async () => {
    while (!stop) {
      const answered = await pacer.slot(`chat-${chat++}`);
      if (stop) return answered();
      const i = starts.push(clock.now()) - 1;
      await clock.sleep(answerMs(i));
      answered();
    }
  });
  await clock.run(seconds * 1000);
  stop = true;
  await clock.run(Number.POSITIVE_INFINITY);
  await Promise.all(loops);
  return starts;
}

/** Messages per second from the first start to the last. */
const rateOf = (starts: number[]) =>
  ((starts.length - 1) * 1000) / ((starts.at(-1) as number) - (starts[0] as number));

describe('the campaign pacer', () => {
  it.each([
    ['answered at once', () => 1, 0.99],
    ['answered within 10 ms', (i: number) => 1 + (i % 10), 0.985],
    ['answered within 5-45 ms', (i: number) => 5 + ((i * 7919) % 41), 0.95],
  ])('should keep close to 150 messages/s, each send %s', async (_, answerMs, share) => {
    const starts = await simulate(
      { ratePerSecond: 150, perChatMs: 1000 },
      { senders: 16, answerMs, seconds: 20 },
    );
    expect(maxInWindow(starts)).toBeLessThanOrEqual(150);
    const rate = rateOf(starts);
    expect(rate).toBeGreaterThanOrEqual(share * 150);
    expect(rate).toBeLessThanOrEqual(150);
  });

  it('should give up only the answer time when answers are slow, never the limit', async () => {
    // answered after 80 ms: a message counts from its answer, so 150 per 1.08 s
    const starts = await simulate(
      { ratePerSecond: 150, perChatMs: 1000 },
      { senders: 16, answerMs: () => 80, seconds: 20 },
    );
    expect(maxInWindow(starts)).toBeLessThanOrEqual(150);
    expect(rateOf(starts)).toBeGreaterThanOrEqual(0.98 * (150 / 1.08));
  });

  it('should keep the limit at 25 messages/s (Telegram) with few senders', async () => {
    const starts = await simulate(
      { ratePerSecond: 25, perChatMs: 1000 },
      { senders: 8, answerMs: (i) => 2 + (i % 5) * 8, seconds: 30 },
    );
    expect(maxInWindow(starts)).toBeLessThanOrEqual(25);
    expect(rateOf(starts)).toBeGreaterThanOrEqual(0.95 * 25);
  });

  it('should keep the limit when every place is in flight (a rate below the senders)', async () => {
    const starts = await simulate(
      { ratePerSecond: 3, perChatMs: 0 },
      { senders: 8, answerMs: (i) => (i % 4 === 0 ? 1500 : 10), seconds: 30 },
    );
    expect(maxInWindow(starts)).toBeLessThanOrEqual(3);
    expect(rateOf(starts)).toBeGreaterThanOrEqual(0.6 * 3);
  });

  it('should not make up for lost time with a burst after a stall', async () => {
    // one send hangs for 3 s while the others keep going, then everything continues
    const starts = await simulate(
      { ratePerSecond: 100, perChatMs: 1000 },
      { senders: 4, answerMs: (i) => (i === 50 ? 3000 : 5), seconds: 10 },
    );
    expect(maxInWindow(starts)).toBeLessThanOrEqual(100);
    expect(rateOf(starts)).toBeGreaterThanOrEqual(0.95 * 100);
  });

  it('should wait for everyone after a pause (a 429 retry_after)', async () => {
    const clock = virtualTime();
    const pacer = createPacer({ ratePerSecond: 100, perChatMs: 1000, now: clock.now, sleep: clock.sleep });
    (await pacer.slot('a'))();
    pacer.pause(2000);
    let at = -1;
    const next = pacer.slot('b').then((done) => {
      at = clock.now();
      done();
    });
    await clock.run(5000);
    await next;
    expect(at).toBeGreaterThanOrEqual(2000);
    expect(at).toBeLessThan(2020);
  });
});
