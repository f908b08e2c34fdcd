export { decide, isStricter } from './decide.js';
export type { DecisionInput, DecisionSettings } from './decide.js';
export { checkPolicyDocument, EMPTY_POLICY_DOCUMENT, policyDocumentSchema } from './document.js';
export type { PolicyDocument, PolicyDocumentCheck } from './document.js';
export { applyRules, checkResolvedThresholds, createPolicyResolver, DEFAULT_ORGANIZATION, hashPolicy, installationPolicy, mergeVips, organizationOf } from './resolve.js';
export type { EffectivePolicy, PolicyResolver, PolicyResolverOptions, ProtectedPerson, ResolvedPolicy } from './resolve.js';
export type { Sender } from './policy-findings.js';
