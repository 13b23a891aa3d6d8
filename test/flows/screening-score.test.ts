/**
 * Every scoring rule of risk-screening.md and its boundary, as a table: immediate (G1/G2 "yes",
 * G2 "not sure"), high (each A item alone, "not sure" to A, 4 of B5–B11, 3 of the five DA-5 items,
 * "something else worries me"), not assessed (fewer than 6 of the 13 items answered), standard
 * with or without a counsellor offered (C12, 1–3 of B5–B11).
 */
import { describe, expect, it } from 'vitest';
import {
  A_ITEMS,
  type Answer,
  answeredCount,
  B_ITEMS,
  DA5_ITEMS,
  MIN_ANSWERED,
  QUESTION_ITEMS,
  type ScreeningAnswers,
  type ScreeningOutcome,
  scoreScreening,
  shouldOfferCounsellor,
} from '../../flows/screening-score.js';

type Item = keyof ScreeningAnswers;

/** Every item answered "no", the gate and "something else" included; then `changes` applied. */
const allNo = (changes: Partial<Record<Item, Answer>> = {}): ScreeningAnswers => ({
  g1: 'no',
  g2: 'no',
  ...Object.fromEntries(QUESTION_ITEMS.map((item) => [item, 'no'])),
  other: 'no',
  ...changes,
});
/** Every item skipped; then `changes` applied. */
const allSkipped = (changes: Partial<Record<Item, Answer>> = {}): ScreeningAnswers => ({
  g1: 'no',
  g2: 'no',
  ...Object.fromEntries(QUESTION_ITEMS.map((item) => [item, 'skip'])),
  other: 'skip',
  ...changes,
});
const set = (items: readonly Item[], answer: Answer) =>
  Object.fromEntries(items.map((item) => [item, answer])) as Partial<Record<Item, Answer>>;

/** Subsets of `items` of size `k`. */
function subsets<T>(items: readonly T[], k: number): T[][] {
  if (k === 0) return [[]];
  return items.flatMap((item, i) => subsets(items.slice(i + 1), k - 1).map((rest) => [item, ...rest]));
}

interface Case {
  name: string;
  answers: ScreeningAnswers;
  level: ScreeningOutcome;
  offer: boolean;
}

const cases: Case[] = [
  { name: 'all "no"', answers: allNo(), level: 'standard', offer: false },
  // The gate
  { name: 'G1 "yes"', answers: allNo({ g1: 'yes' }), level: 'immediate', offer: true },
  { name: 'G2 "yes"', answers: allNo({ g2: 'yes' }), level: 'immediate', offer: true },
  { name: 'G2 "not sure"', answers: allNo({ g2: 'unsure' }), level: 'immediate', offer: true },
  { name: 'G1 "not sure" (not a rule)', answers: allNo({ g1: 'unsure' }), level: 'standard', offer: false },
  { name: 'G1 and G2 skipped', answers: allNo({ g1: 'skip', g2: 'skip' }), level: 'standard', offer: false },
  { name: 'G2 "yes" with nothing else', answers: { g2: 'yes' }, level: 'immediate', offer: true },
  // Each A item alone, "yes" and "not sure"; skipped A items are no answer
  ...A_ITEMS.flatMap((item): Case[] => [
    { name: `${item} "yes" alone`, answers: allNo({ [item]: 'yes' }), level: 'high', offer: true },
    { name: `${item} "not sure" alone`, answers: allNo({ [item]: 'unsure' }), level: 'high', offer: true },
    { name: `${item} skipped`, answers: allNo({ [item]: 'skip' }), level: 'standard', offer: false },
  ]),
  { name: 'A4 "yes" with nothing else answered', answers: { a4: 'yes' }, level: 'high', offer: true },
  // B5–B11: 3 vs 4 "yes" (B8, B9, B10 first, so no DA-5 item is among them)
  ...[1, 2, 3].map(
    (n): Case => ({
      name: `${n} "yes" among B5–B11`,
      answers: allNo(set(['b8', 'b9', 'b10'].slice(0, n) as Item[], 'yes')),
      level: 'standard',
      offer: true,
    }),
  ),
  {
    name: '4 "yes" among B5–B11',
    answers: allNo(set(['b5', 'b7', 'b8', 'b9'], 'yes')),
    level: 'high',
    offer: true,
  },
  { name: '7 "yes" among B5–B11', answers: allNo(set(B_ITEMS, 'yes')), level: 'high', offer: true },
  {
    name: '3 "yes" and 4 skips among B5–B11',
    answers: allNo({ ...set(B_ITEMS, 'skip'), ...set(['b8', 'b9', 'b10'], 'yes') }),
    level: 'standard',
    offer: true,
  },
  { name: 'all B "not sure"', answers: allNo(set(B_ITEMS, 'unsure')), level: 'standard', offer: false },
  // DA-5: every pair of the non-A items stays below; every triple screens in
  ...subsets(['b6', 'c12', 'd13'] as const, 2).map(
    (pair): Case => ({
      name: `DA-5 2 "yes": ${pair.join(', ')}`,
      answers: allNo(set(pair, 'yes')),
      level: 'standard',
      offer: true,
    }),
  ),
  ...subsets(DA5_ITEMS, 3).map(
    (triple): Case => ({
      name: `DA-5 3 "yes": ${triple.join(', ')}`,
      answers: allNo(set(triple, 'yes')),
      level: 'high',
      offer: true,
    }),
  ),
  {
    name: 'DA-5 3 "not sure" (only "yes" counts)',
    answers: allNo(set(['b6', 'c12', 'd13'], 'unsure')),
    level: 'standard',
    offer: false,
  },
  { name: 'C12 "yes" alone', answers: allNo({ c12: 'yes' }), level: 'standard', offer: true },
  { name: 'D13 "yes" alone', answers: allNo({ d13: 'yes' }), level: 'standard', offer: false },
  // "Something else worries me"
  { name: 'something else: "yes"', answers: allNo({ other: 'yes' }), level: 'high', offer: true },
  {
    name: 'something else: "not sure"',
    answers: allNo({ other: 'unsure' }),
    level: 'standard',
    offer: false,
  },
  // Not assessed: fewer than 6 of the 13 answered
  { name: 'everything skipped', answers: allSkipped(), level: 'not_assessed', offer: true },
  { name: 'nothing answered at all', answers: {}, level: 'not_assessed', offer: true },
  {
    name: '5 answered "no", 8 skipped',
    answers: allSkipped(set(QUESTION_ITEMS.slice(0, 5), 'no')),
    level: 'not_assessed',
    offer: true,
  },
  {
    name: '6 answered "no", 7 skipped',
    answers: allSkipped(set(QUESTION_ITEMS.slice(0, 6), 'no')),
    level: 'standard',
    offer: false,
  },
  {
    name: '6 answered "not sure" among B, the rest skipped',
    answers: allSkipped(set(B_ITEMS.slice(0, 6), 'unsure')),
    level: 'standard',
    offer: false,
  },
  {
    name: 'most skipped but A1 "yes" (high wins)',
    answers: allSkipped({ a1: 'yes' }),
    level: 'high',
    offer: true,
  },
  {
    name: 'most skipped but 3 DA-5 "yes" (high wins)',
    answers: allSkipped(set(['b6', 'c12', 'd13'], 'yes')),
    level: 'high',
    offer: true,
  },
  {
    name: 'most skipped but "something else" (high wins)',
    answers: allSkipped({ other: 'yes' }),
    level: 'high',
    offer: true,
  },
];

describe('scoreScreening', () => {
  it.each(cases)('$name → $level (counsellor offered: $offer)', ({ answers, level, offer }) => {
    expect(scoreScreening(answers)).toBe(level);
    expect(shouldOfferCounsellor(answers)).toBe(offer);
  });

  it('should count yes, no and not sure as answered, and skip as no answer', () => {
    expect(answeredCount(allNo())).toBe(13);
    expect(answeredCount(allSkipped())).toBe(0);
    expect(answeredCount(allSkipped({ a1: 'yes', b5: 'no', c12: 'unsure', d13: 'skip' }))).toBe(3);
  });

  it('should use the five DA-5 items of risk-screening.md and 13 items in all', () => {
    expect([...DA5_ITEMS]).toEqual(['a1', 'a3', 'b6', 'c12', 'd13']);
    expect(QUESTION_ITEMS).toHaveLength(13);
    expect(MIN_ANSWERED).toBe(6);
  });
});
