/**
 * Scoring of the risk screening (content/risk-screening.md), kept pure and separate from the
 * machine so it can be tested threshold by threshold.
 *
 * Rule (Lethality Assessment Program, with LAP 2.0's automatic screen-in for strangulation):
 * - "yes" to the gate G1 or G2 → immediate (the questions stop there);
 * - "yes" or "not sure" to any of A1–A4 → high;
 * - "yes" to 4 or more of B5–B11 → high;
 * - "something else worries me" → high;
 * - otherwise standard.
 * "Skip" counts as no answer. Only "yes" counts among B5–B11 and C12.
 */
import type { RiskLevel } from '../src/core/types.js';

export const GATE_ITEMS = ['g1', 'g2'] as const;
/** Any "yes" or "not sure" screens in (A4, strangulation, is automatic under LAP 2.0). */
export const A_ITEMS = ['a1', 'a2', 'a3', 'a4'] as const;
/** Four or more "yes" screen in. */
export const B_ITEMS = ['b5', 'b6', 'b7', 'b8', 'b9', 'b10', 'b11'] as const;
/** DA-5: violence worse or more frequent in the last 6 months. */
export const C_ITEMS = ['c12'] as const;
/** The scored questions in the order they are asked. */
export const QUESTION_ITEMS = [...A_ITEMS, ...B_ITEMS, ...C_ITEMS] as const;

export type GateItem = (typeof GATE_ITEMS)[number];
export type QuestionItem = (typeof QUESTION_ITEMS)[number];
export type Answer = 'yes' | 'no' | 'unsure' | 'skip';

/** The person's answers; an item not asked or skipped is absent or 'skip'. */
export type ScreeningAnswers = Partial<Record<GateItem | QuestionItem, Answer>> & {
  /** "Is there something else that worries you about your safety?" */
  otherWorry?: boolean;
};

/** Number of B items below which the counsellor is offered proactively on a standard result. */
export const B_HIGH_THRESHOLD = 4;

const isYes = (answer: Answer | undefined) => answer === 'yes';

function countBYes(answers: ScreeningAnswers): number {
  return B_ITEMS.filter((item) => isYes(answers[item])).length;
}

export function scoreScreening(answers: ScreeningAnswers): RiskLevel {
  if (GATE_ITEMS.some((item) => isYes(answers[item]))) return 'immediate';
  if (A_ITEMS.some((item) => answers[item] === 'yes' || answers[item] === 'unsure')) return 'high';
  if (countBYes(answers) >= B_HIGH_THRESHOLD) return 'high';
  if (answers.otherWorry === true) return 'high';
  return 'standard';
}

/**
 * Whether to offer a counsellor proactively. Always for immediate and high; on standard when the
 * violence got worse in the last 6 months (C12) or 1–3 of B5–B11 are "yes".
 */
export function shouldOfferCounsellor(answers: ScreeningAnswers): boolean {
  if (scoreScreening(answers) !== 'standard') return true;
  const bYes = countBYes(answers);
  return isYes(answers.c12) || (bYes >= 1 && bYes < B_HIGH_THRESHOLD);
}
