export { createSenderAuthenticator } from './authenticator.js';
export type { ArcSealOptions, SenderAuthInput, SenderAuthenticator, SenderAuthenticatorOptions } from './authenticator.js';
export type {
  AlignmentMode,
  ArcOutcome,
  ArcResultCode,
  DkimOutcome,
  DkimResultCode,
  DmarcOutcome,
  DmarcPolicy,
  DmarcResultCode,
  SenderAuthResult,
  SpfOutcome,
  SpfResultCode,
} from './types.js';
export { AUTH_ENGINE_NAME, AUTH_FINDINGS, buildAuthFinding } from './findings.js';
export type { AuthSymbol } from './findings.js';
export { buildAuthResultsHeader } from './auth-results-header.js';
export { authservIdOf, isSameAuthservId } from './header-fields.js';
