/**
 * Reputation and connection policy: DNSBL/RHSBL, forward-confirmed reverse
 * DNS, greylisting and shared rate limits. See README.md.
 */
export type { ConnectionReputation, RecipientCheck, Reputation, ReputationOptions, SenderCheck, StateFailureOutcome } from './reputation.js';
export { createReputation } from './reputation.js';
export type { GreylistOutcome } from './greylist.js';
export type { RateLimitName } from './replies.js';
export { REPUTATION_ENGINE_NAME, REPUTATION_FINDINGS } from './findings.js';
export type { ReputationSymbol } from './findings.js';
export { deriveKey, keyPart, KEY_NAMESPACES } from './keys.js';
