/**
 * The new paths through the real engine: a child or teenager is recorded as `who: 'minor'` and
 * reaches the counsellor queue with that flag; the quick-exit button offered by the compact G2
 * reply runs the quick exit; someone helping another person never gets "are you in danger now?".
 */
import { afterEach, describe, expect, it } from 'vitest';
import { EngineHarness } from '../helpers/engine-harness.js';

const harnesses: EngineHarness[] = [];
const open = async () => {
  const h = await EngineHarness.open();
  harnesses.push(h);
  return h;
};
afterEach(async () => {
  for (const h of harnesses.splice(0)) await h.close().catch(() => {});
});

async function intake(h: EngineHarness, user: string, who: string) {
  await h.command(user, 'start');
  await h.choose(user, 'en');
  await h.choose(user, 'yes');
  await h.choose(user, who);
}

describe('paths for every person who writes', () => {
  it('should show 150 first to a minor and queue their counsellor request flagged as a minor', async () => {
    const h = await open();
    await intake(h, 'kid', 'minor');
    expect((await h.delivered('kid')).at(-1)).toBe(h.t('en', 'intake:minor.text'));
    await h.choose('kid', 'counsellor');
    const texts = await h.delivered('kid');
    expect(texts.at(-1)).toBe(h.t('en', 'handoff:queued.text', { queuePosition: 1 }));
    const conv = await h.store.getConversation(h.cipher.pseudonym('webchat', 'kid'));
    expect(conv?.who).toBe('minor');
    expect(conv?.status).toBe('queued');
  });

  it('should not run the screen for a minor who opens it from the menu', async () => {
    const h = await open();
    await intake(h, 'kid', 'minor');
    await h.choose('kid', 'continue');
    await h.choose('kid', 'screening');
    expect((await h.delivered('kid')).at(-1)).toBe(h.t('en', 'screening:for_someone.minor'));
  });

  it('should give someone helping another person the helper texts before any question', async () => {
    const h = await open();
    await intake(h, 'friend', 'other');
    await h.choose('friend', 'screening');
    const texts = await h.delivered('friend');
    expect(texts).toContain(h.t('en', 'intake:who.other_note'));
    expect(texts.at(-1)).toBe(h.t('en', 'screening:for_someone.other'));
    expect(texts).not.toContain(h.t('en', 'screening:questions.g1'));
  });

  it('should run the quick exit from the button of the compact reply to G2 "not sure"', async () => {
    const h = await open();
    await intake(h, 'u1', 'me');
    for (const choice of ['screening', 'start', 'no', 'unsure']) await h.choose('u1', choice);
    const texts = await h.delivered('u1');
    expect(texts.at(-1)).toBe(h.t('en', 'screening:result.immediate_compact'));
    expect(texts).not.toContain(h.t('en', 'common:sos.text'));
    expect((await h.store.getConversation(h.cipher.pseudonym('webchat', 'u1')))?.riskLevel).toBe('immediate');
    h.adapter.sent.length = 0;
    await h.choose('u1', 'exit');
    expect(await h.delivered('u1')).toEqual([h.t('en', 'common:exit')]);
    expect(h.adapter.sent.some((m) => m.message.type === 'clear')).toBe(true);
  });
});
