/**
 * Access control for the admin API (issue 7): roles and permissions, password
 * hashing, TOTP two-factor, and API tokens / session ids / CSRF tokens. Pure
 * functions; storage and HTTP live elsewhere. See README.md.
 */
export type { Permission, Principal, PrincipalInput, Role } from './roles.js';
export {
  assertAllowed,
  createPrincipal,
  hasPermission,
  isAllowed,
  isOrganizationRole,
  isPermission,
  isRole,
  mayAssignRole,
  PERMISSIONS,
  permissionsOf,
  ROLES,
  visibleOrganizations,
} from './roles.js';
export {
  DUMMY_PASSWORD_HASH,
  GENERATED_PASSWORD_LENGTH,
  generatePassword,
  hashPassword,
  PASSWORD_HASH_OPTIONS,
  PASSWORD_MAX_LENGTH,
  PASSWORD_MIN_LENGTH,
  passwordNeedsRehash,
  passwordProblem,
  verifyPassword,
  verifyPasswordOrDummy,
} from './passwords.js';
export type { TotpCheck, TotpUriInput, VerifyTotpOptions } from './totp.js';
export {
  base32Decode,
  base32Encode,
  generateTotpSecret,
  TOTP_DIGITS,
  TOTP_SECRET_BYTES,
  TOTP_STEP_SECONDS,
  totpCode,
  totpStep,
  totpUri,
  verifyTotp,
} from './totp.js';
export type { GeneratedApiToken, GeneratedSession } from './tokens.js';
export {
  API_TOKEN_DISPLAY_LENGTH,
  API_TOKEN_PREFIX,
  generateApiToken,
  generateCsrfToken,
  generateSessionId,
  hashApiToken,
  hashSessionId,
  safeEqual,
} from './tokens.js';
