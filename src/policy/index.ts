export { decide, computePolicyVersion } from './decide.js';
export type { DecisionInput, PolicySettings } from './decide.js';
