/**
 * Bearer secrets of the admin API: API tokens, session ids and CSRF tokens, and
 * the hashes the database stores instead of them.
 *
 * The secrets are 256 random bits, so a plain SHA-256 is enough at rest: a slow
 * hash (Argon2) defends guessable secrets such as passwords, and nobody can
 * enumerate 2^256 candidates. A fast hash also lets the lookup be one indexed
 * equality query per request.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/** Marks a Moat API token, so secret scanners and operators recognise a leaked one. */
export const API_TOKEN_PREFIX = 'moat_';
/** Characters of a token kept for display ("moat_Ab3dE9x…") and to tell tokens apart. */
export const API_TOKEN_DISPLAY_LENGTH = 12;
const SECRET_BYTES = 32;
// 32 bytes in base64url without padding: 43 characters.
const SECRET_PATTERN = '[A-Za-z0-9_-]{43}';
const API_TOKEN_FORMAT = new RegExp(`^${API_TOKEN_PREFIX}${SECRET_PATTERN}$`);
const SESSION_ID_FORMAT = new RegExp(`^${SECRET_PATTERN}$`);

/** A new API token: shown once (`token`), stored as `hash`, listed by `prefix`. */
export interface GeneratedApiToken {
  readonly token: string;
  /** SHA-256 hex of the whole token. */
  readonly hash: string;
  /** The first `API_TOKEN_DISPLAY_LENGTH` characters, safe to show and log. */
  readonly prefix: string;
}

/** A new session: `id` goes to the cookie, only `hash` to the database. */
export interface GeneratedSession {
  readonly id: string;
  readonly hash: string;
}

function randomSecret(): string {
  return randomBytes(SECRET_BYTES).toString('base64url');
}

function sha256Hex(value: string): string {
  return createHash('sha256').update(value, 'utf8').digest('hex');
}

/** A new API token: `moat_` + 32 random bytes base64url. */
export function generateApiToken(): GeneratedApiToken {
  const token = `${API_TOKEN_PREFIX}${randomSecret()}`;
  return { token, hash: sha256Hex(token), prefix: token.slice(0, API_TOKEN_DISPLAY_LENGTH) };
}

/** The stored hash of a presented token; undefined when it is not a token's shape, so garbage never reaches the database. */
export function hashApiToken(token: string): string | undefined {
  if (typeof token !== 'string' || !API_TOKEN_FORMAT.test(token)) return undefined;
  return sha256Hex(token);
}

/** A new session id (32 random bytes base64url) and its stored hash. */
export function generateSessionId(): GeneratedSession {
  const id = randomSecret();
  return { id, hash: sha256Hex(id) };
}

/** The stored hash of a presented session id; undefined when it is not a session id's shape. */
export function hashSessionId(id: string): string | undefined {
  if (typeof id !== 'string' || !SESSION_ID_FORMAT.test(id)) return undefined;
  return sha256Hex(id);
}

/** A new CSRF token (32 random bytes base64url), tied to a session by the caller. */
export function generateCsrfToken(): string {
  return randomSecret();
}

/**
 * Constant-time string equality. Both sides are hashed first, so the comparison
 * takes the same time whatever the lengths and contents (timingSafeEqual alone
 * needs equal lengths and would leak the expected length).
 */
export function safeEqual(a: string, b: string): boolean {
  const left = createHash('sha256').update(a, 'utf8').digest();
  const right = createHash('sha256').update(b, 'utf8').digest();
  return timingSafeEqual(left, right);
}
