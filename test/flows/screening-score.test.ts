import { describe, expect, it } from 'vitest';
import {
  A_ITEMS,
  B_ITEMS,
  QUESTION_ITEMS,
  type ScreeningAnswers,
  scoreScreening,
  shouldOfferCounsellor,
} from '../../flows/screening-score.js';

const allNo = (): ScreeningAnswers => ({
  g1: 'no',
  g2: 'no',
  ...Object.fromEntries(QUESTION_ITEMS.map((item) => [item, 'no'])),
  otherWorry: false,
});

const withBYes = (count: number): ScreeningAnswers => {
  const answers = allNo();
  for (const item of B_ITEMS.slice(0, count)) answers[item] = 'yes';
  return answers;
};

describe('scoreScreening', () => {
  it('should score all "no" as standard without offering a counsellor', () => {
    expect(scoreScreening(allNo())).toBe('standard');
    expect(shouldOfferCounsellor(allNo())).toBe(false);
  });

  it.each(['g1', 'g2'] as const)('should score "yes" to the gate %s as immediate', (item) => {
    expect(scoreScreening({ ...allNo(), [item]: 'yes' })).toBe('immediate');
    expect(shouldOfferCounsellor({ ...allNo(), [item]: 'yes' })).toBe(true);
  });

  it.each(A_ITEMS)('should score "yes" to %s alone as high', (item) => {
    expect(scoreScreening({ ...allNo(), [item]: 'yes' })).toBe('high');
  });

  it.each(A_ITEMS)('should score "not sure" to %s alone as high', (item) => {
    expect(scoreScreening({ ...allNo(), [item]: 'unsure' })).toBe('high');
  });

  it('should score strangulation (A4) as high even with nothing else', () => {
    expect(scoreScreening({ a4: 'yes' })).toBe('high');
  });

  it('should score 3 "yes" among B5–B11 as standard and offer a counsellor', () => {
    expect(scoreScreening(withBYes(3))).toBe('standard');
    expect(shouldOfferCounsellor(withBYes(3))).toBe(true);
  });

  it('should score 4 "yes" among B5–B11 as high', () => {
    expect(scoreScreening(withBYes(4))).toBe('high');
    expect(scoreScreening(withBYes(7))).toBe('high');
  });

  it.each([1, 2])('should offer a counsellor on standard with %i "yes" among B5–B11', (count) => {
    expect(scoreScreening(withBYes(count))).toBe('standard');
    expect(shouldOfferCounsellor(withBYes(count))).toBe(true);
  });

  it('should not count "not sure" among B5–B11 as "yes"', () => {
    const answers = allNo();
    for (const item of B_ITEMS) answers[item] = 'unsure';
    expect(scoreScreening(answers)).toBe('standard');
    expect(shouldOfferCounsellor(answers)).toBe(false);
  });

  it('should score C12 "yes" alone as standard and offer a counsellor', () => {
    const answers = { ...allNo(), c12: 'yes' as const };
    expect(scoreScreening(answers)).toBe('standard');
    expect(shouldOfferCounsellor(answers)).toBe(true);
  });

  it('should score "something else worries me" as high', () => {
    expect(scoreScreening({ ...allNo(), otherWorry: true })).toBe('high');
  });

  it('should count skipped questions as no answer', () => {
    const skipped: ScreeningAnswers = Object.fromEntries(QUESTION_ITEMS.map((item) => [item, 'skip']));
    expect(scoreScreening(skipped)).toBe('standard');
    expect(shouldOfferCounsellor(skipped)).toBe(false);
    expect(scoreScreening({})).toBe('standard');
  });

  it('should score 3 "yes" and 4 skips among B5–B11 as standard', () => {
    const answers = withBYes(3);
    for (const item of B_ITEMS.slice(3)) answers[item] = 'skip';
    expect(scoreScreening(answers)).toBe('standard');
  });
});
