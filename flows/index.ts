/** The registry of flows, keyed by flow id. */
import type { FlowDefinition, FlowId } from './contract.js';
import { eraseFlow } from './erase.js';
import { handoffFlow } from './handoff.js';
import { intakeFlow } from './intake.js';
import { languageFlow } from './language.js';
import { legalFlow } from './legal.js';
import { menuFlow } from './menu.js';
import { screeningFlow } from './screening.js';
import { subscribeFlow } from './subscribe.js';

export const flows: Record<FlowId, FlowDefinition> = {
  intake: intakeFlow,
  menu: menuFlow,
  language: languageFlow,
  screening: screeningFlow,
  legal: legalFlow,
  handoff: handoffFlow,
  erase: eraseFlow,
  subscribe: subscribeFlow,
};
