/** Outcome tags a counsellor chooses when closing a case (the page shows them translated). */
export const CLOSE_OUTCOMES = ['resolved', 'referred', 'no_response', 'safety_plan', 'other'] as const;
export type CloseOutcome = (typeof CLOSE_OUTCOMES)[number];
