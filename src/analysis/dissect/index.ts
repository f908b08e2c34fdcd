/** The container contract (Dissector), the per-message expansion budget and the dissector registry. */
export type { DissectContext, DissectResult, DissectSubject, Dissector, Member, MemberKind } from './dissector.js';
export { BudgetExceededError, capMemberOutput, createExpansionBudget, exceedCap } from './budget.js';
export type { BudgetLimitKind, ExpansionBudget, ExpansionLimits, OutputCap } from './budget.js';
export { DISSECTORS } from './registry.js';
