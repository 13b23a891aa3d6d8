/**
 * Scoring of the risk screening (/work/shared/content/risk-screening.md), kept pure and separate
 * from the machine so it can be tested rule by rule.
 *
 * Levels (in this order of precedence):
 * - immediate: "yes" to G1 or G2, or "not sure" to G2 (could they see this phone?): the questions
 *   stop there;
 * - high: "yes" or "not sure" to any of A1–A4 (A4, strangulation, is automatic under LAP 2.0);
 *   "yes" to 4 or more of B5–B11; "yes" to 3 or more of the five DA-5 items (A1, A3, B6, C12,
 *   D13); or "something else worries me";
 * - not assessed: fewer than 6 of the 13 items A1–D13 answered (yes, no or not sure);
 * - standard: everything else. The counsellor is offered proactively when C12 is "yes" or 1–3 of
 *   B5–B11 are "yes".
 * "Skip" counts as no answer. Only "yes" counts among B5–B11 and the DA-5 items.
 * The items are asked only when the person who hurts them is a partner or ex-partner (the LAP and
 * the DA-5 are validated for that only); see `RELATIONS`.
 */
import type { RiskLevel } from '../src/core/types.js';

export const GATE_ITEMS = ['g1', 'g2'] as const;
/** Any "yes" or "not sure" screens in. */
export const A_ITEMS = ['a1', 'a2', 'a3', 'a4'] as const;
/** Four or more "yes" screen in. */
export const B_ITEMS = ['b5', 'b6', 'b7', 'b8', 'b9', 'b10', 'b11'] as const;
/** DA-5: violence worse or more frequent in the last 6 months. */
export const C_ITEMS = ['c12'] as const;
/** DA-5: beaten while pregnant (asked with care; "skip" is always there). */
export const D_ITEMS = ['d13'] as const;
/** The scored questions in the order they are asked. */
export const QUESTION_ITEMS = [...A_ITEMS, ...B_ITEMS, ...C_ITEMS, ...D_ITEMS] as const;
/** The five DA-5 items (Snider et al. 2009): any 3 "yes" screen in. */
export const DA5_ITEMS = ['a1', 'a3', 'b6', 'c12', 'd13'] as const;

/** Who hurts the person: asked after the gate, before the items. */
export const RELATIONS = ['partner', 'family', 'adult_child', 'someone_else'] as const;
export type Relation = (typeof RELATIONS)[number];

export type GateItem = (typeof GATE_ITEMS)[number];
export type QuestionItem = (typeof QUESTION_ITEMS)[number];
export type Answer = 'yes' | 'no' | 'unsure' | 'skip';

/** The person's answers; an item not asked or skipped is absent or 'skip'. */
export type ScreeningAnswers = Partial<Record<GateItem | QuestionItem, Answer>> & {
  /** "Is there something else that worries you about your safety?" */
  other?: Answer;
};

/** Number of "yes" among B5–B11 from which the result is high. */
export const B_HIGH_THRESHOLD = 4;
/** Number of "yes" among the DA-5 items from which the result is high. */
export const DA5_HIGH_THRESHOLD = 3;
/** Fewer answered items than this (of the 13) and the screen is not assessed. */
export const MIN_ANSWERED = 6;

/** What the screening concludes: a risk level, or "not assessed" (most items skipped). */
export type ScreeningOutcome = RiskLevel | 'not_assessed';

const isYes = (answer: Answer | undefined) => answer === 'yes';
const countYes = (answers: ScreeningAnswers, items: readonly (GateItem | QuestionItem)[]) =>
  items.filter((item) => isYes(answers[item])).length;

/** Items A1–D13 answered yes, no or not sure. */
export function answeredCount(answers: ScreeningAnswers): number {
  return QUESTION_ITEMS.filter((item) => {
    const answer = answers[item];
    return answer === 'yes' || answer === 'no' || answer === 'unsure';
  }).length;
}

export function scoreScreening(answers: ScreeningAnswers): ScreeningOutcome {
  if (isYes(answers.g1) || isYes(answers.g2) || answers.g2 === 'unsure') return 'immediate';
  if (A_ITEMS.some((item) => answers[item] === 'yes' || answers[item] === 'unsure')) return 'high';
  if (countYes(answers, B_ITEMS) >= B_HIGH_THRESHOLD) return 'high';
  if (countYes(answers, DA5_ITEMS) >= DA5_HIGH_THRESHOLD) return 'high';
  if (isYes(answers.other)) return 'high';
  if (answeredCount(answers) < MIN_ANSWERED) return 'not_assessed';
  return 'standard';
}

/**
 * Whether to offer a counsellor proactively: always, except on a standard result where C12 is
 * not "yes" and none (or 4+, which is high anyway) of B5–B11 is "yes".
 */
export function shouldOfferCounsellor(answers: ScreeningAnswers): boolean {
  if (scoreScreening(answers) !== 'standard') return true;
  const bYes = countYes(answers, B_ITEMS);
  return isYes(answers.c12) || (bYes >= 1 && bYes < B_HIGH_THRESHOLD);
}
