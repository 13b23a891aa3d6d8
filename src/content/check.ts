/**
 * `npm run content:check`: validates locales/facts.json and lists, for the NGO's yearly review,
 * the facts not checked for more than 6 months and the facts held back (marked "re-check", or with
 * fewer sources than their rule asks). Exits 1 only when the facts file is invalid.
 *
 *   npm run content:check                 # as of today
 *   npm run content:check -- 2027-06-01   # as of another date
 */
import { fileURLToPath } from 'node:url';
import { type Facts, isShowable, loadFacts, staleFacts } from '../i18n/facts.js';
import { LOCALES_DIR } from '../i18n/translator.js';

export const STALE_AFTER_MONTHS = 6;

export interface ContentReport {
  stale: Array<{ id: string; checked: string }>;
  heldBack: Array<{ id: string; why: string }>;
  lines: string[];
}

export function checkContent(facts: Facts, now: Date): ContentReport {
  const stale = staleFacts(facts, now, STALE_AFTER_MONTHS);
  const heldBack = Object.entries(facts)
    .filter(([, fact]) => !isShowable(fact))
    .map(([id, fact]) => ({
      id,
      why: fact.status === 're-check' ? 're-check' : `${fact.sources.length} of ${fact.minSources} sources`,
    }));
  const lines = [
    `${Object.keys(facts).length} facts, ${Object.keys(facts).length - heldBack.length} shown (as of ${now.toISOString().slice(0, 10)}).`,
    '',
    stale.length === 0
      ? `Every fact was checked in the last ${STALE_AFTER_MONTHS} months.`
      : `Not checked for more than ${STALE_AFTER_MONTHS} months (${stale.length}):`,
    ...stale.map(({ id, checked }) => `  ${id}: last checked ${checked}`),
    '',
    `Held back, never shown (${heldBack.length}):`,
    ...heldBack.map(({ id, why }) => `  ${id}: ${why}`),
  ];
  return { stale, heldBack, lines };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const arg = process.argv[2];
  const now = arg ? new Date(`${arg}T00:00:00Z`) : new Date();
  if (Number.isNaN(now.getTime())) {
    console.error(`not a date: ${arg} (use YYYY-MM-DD)`);
    process.exit(2);
  }
  try {
    console.log(checkContent(loadFacts(LOCALES_DIR), now).lines.join('\n'));
  } catch (error) {
    console.error(`locales/facts.json is not valid: ${(error as Error).message}`);
    process.exit(1);
  }
}
