/**
 * Passwords of admin UI users: Argon2id hashing and verification, the rules a
 * new password must meet, and the random password printed once at first start.
 */
import { randomInt } from 'node:crypto';
import { hash, parseOptions, verify } from '@node-rs/argon2';
import type { Options } from '@node-rs/argon2';

/**
 * Argon2id with the OWASP Password Storage Cheat Sheet's first configuration:
 * m=19456 KiB (19 MiB), t=2, p=1. About 20-40 ms per hash on a server core,
 * which bounds an offline attacker without letting a login burst exhaust memory.
 */
export const PASSWORD_HASH_OPTIONS = {
  // Algorithm.Argon2id: the package declares a `const enum`, which has no runtime
  // object (and cannot be read under isolatedModules), so its value is written here.
  algorithm: 2,
  memoryCost: 19456,
  timeCost: 2,
  parallelism: 1,
} as const satisfies Options;

/** Shortest new password accepted (NIST SP 800-63B allows 8; an admin console warrants more). */
export const PASSWORD_MIN_LENGTH = 12;
/** Longest new password accepted: room for any passphrase, no unbounded input. */
export const PASSWORD_MAX_LENGTH = 256;
// Verification refuses longer input outright: no stored password can be longer, and
// the hash work should not depend on what a stranger posts.
const VERIFY_MAX_LENGTH = 4 * PASSWORD_MAX_LENGTH;

// No 0/O/o, 1/l/I: the first-start password is read off a terminal and typed by hand.
const GENERATED_ALPHABET = '23456789abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ';
/** 24 characters of a 56-letter alphabet: about 139 bits. */
export const GENERATED_PASSWORD_LENGTH = 24;

/**
 * A hash of a random password nobody knows, with `PASSWORD_HASH_OPTIONS`. A login for
 * an unknown user verifies against it, so it costs as much as one for a known user
 * and the response time does not reveal which usernames exist. A constant, because
 * computing it at import would be a side effect.
 */
export const DUMMY_PASSWORD_HASH =
  '$argon2id$v=19$m=19456,t=2,p=1$OMZ3od1nNj9ZEl405UwlLw$JS17MUD3lLGNphzLVciVxvknMGA3ALOXNC796Fv/ZHQ';

// Long enough to pass the length rule, yet first in every cracking list.
const COMMON_PASSWORDS: ReadonlySet<string> = new Set([
  'password1234',
  'password12345',
  'password123456',
  'passwordpassword',
  'qwertyuiopasdfghjkl',
  'qwertyuiop123',
  'qwerty123456',
  '1q2w3e4r5t6y',
  '1qaz2wsx3edc',
  'iloveyou1234',
  'administrator',
  'administrator1',
  'changeme1234',
  'letmein12345',
  'welcome12345',
  'correcthorsebatterystaple',
]);

// Unicode normalisation (NIST SP 800-63B 5.1.1.2): the same password typed on
// another keyboard or OS may arrive composed or decomposed.
function normalise(password: string): string {
  return password.normalize('NFKC');
}

/** Hashes a password with Argon2id (PHC string, salt included) for the users table. */
export async function hashPassword(password: string): Promise<string> {
  return hash(normalise(password), PASSWORD_HASH_OPTIONS);
}

/**
 * Does `password` match the stored hash? False, never a throw, for a malformed or
 * empty stored hash (a damaged row must refuse the login, not crash the route).
 */
export async function verifyPassword(stored: string, password: string): Promise<boolean> {
  if (typeof stored !== 'string' || !stored.startsWith('$argon2')) return false;
  if (typeof password !== 'string' || password.length > VERIFY_MAX_LENGTH) return false;
  try {
    return await verify(stored, normalise(password));
  } catch {
    // The library throws on an unparsable PHC string: that is a refusal, as documented.
    return false;
  }
}

/**
 * Verifies against `stored`, or against `DUMMY_PASSWORD_HASH` when the user is unknown
 * (`stored` undefined), which is then always false. Same cost either way.
 */
export async function verifyPasswordOrDummy(stored: string | undefined, password: string): Promise<boolean> {
  if (stored === undefined) {
    await verifyPassword(DUMMY_PASSWORD_HASH, password);
    return false;
  }
  return verifyPassword(stored, password);
}

/**
 * Was `stored` made with other parameters than today's? The login route rehashes the
 * password it just verified, so raised parameters reach every active user.
 */
export function passwordNeedsRehash(stored: string): boolean {
  try {
    const options = parseOptions(stored);
    return (
      options.algorithm !== PASSWORD_HASH_OPTIONS.algorithm ||
      options.memoryCost !== PASSWORD_HASH_OPTIONS.memoryCost ||
      options.timeCost !== PASSWORD_HASH_OPTIONS.timeCost ||
      options.parallelism !== PASSWORD_HASH_OPTIONS.parallelism
    );
  } catch {
    // Unparsable: verifyPassword refuses it anyway; a reset is the way out.
    return true;
  }
}

/** A random password for the first admin: `GENERATED_PASSWORD_LENGTH` unambiguous characters. */
export function generatePassword(): string {
  let password = '';
  for (let i = 0; i < GENERATED_PASSWORD_LENGTH; i += 1) {
    password += GENERATED_ALPHABET.charAt(randomInt(GENERATED_ALPHABET.length));
  }
  return password;
}

// "abcdefghijkl", "987654321098"-like runs: every step +1 or every step -1.
function isSequence(codePoints: readonly number[]): boolean {
  let up = true;
  let down = true;
  for (let i = 1; i < codePoints.length; i += 1) {
    const step = (codePoints[i] ?? 0) - (codePoints[i - 1] ?? 0);
    if (step !== 1) up = false;
    if (step !== -1) down = false;
  }
  return up || down;
}

/**
 * Why a new password is refused, or undefined when it is acceptable. NIST SP 800-63B
 * style: length over composition rules (no "one digit, one symbol"), plus a refusal of
 * the trivially guessable. `username`, when given, may not be part of the password.
 */
export function passwordProblem(password: string, username?: string): string | undefined {
  const normalised = normalise(password);
  const codePoints = Array.from(normalised, (char) => char.codePointAt(0) ?? 0);
  if (codePoints.length < PASSWORD_MIN_LENGTH) return `shorter than ${PASSWORD_MIN_LENGTH} characters`;
  if (codePoints.length > PASSWORD_MAX_LENGTH) return `longer than ${PASSWORD_MAX_LENGTH} characters`;
  // Control characters cannot be typed reliably and break copy and paste.
  if (/[\u0000-\u001f\u007f-\u009f]/.test(normalised)) return 'contains control characters';
  if (new Set(codePoints).size < 4) return 'repeats too few different characters';
  if (isSequence(codePoints)) return 'is a simple sequence of characters';
  const lower = normalised.toLowerCase();
  if (COMMON_PASSWORDS.has(lower)) return 'is a commonly used password';
  if (username !== undefined) {
    const name = normalise(username).toLowerCase();
    if (name.length > 0 && lower === name) return 'equals the username';
    // Short names ("al") occur in real passphrases by chance; longer ones are a guess.
    if (name.length >= 3 && lower.includes(name)) return 'contains the username';
  }
  return undefined;
}
