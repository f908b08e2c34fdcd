/**
 * Time-based one-time passwords (RFC 6238: HOTP of RFC 4226 over 30-second steps,
 * HMAC-SHA1) for optional two-factor login, and the RFC 4648 base32 that
 * authenticator apps exchange secrets in. The clock is the caller's: every
 * function takes the time.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { MoatError } from '../core/index.js';

/** Seconds per step (RFC 6238 4.1's default; every authenticator app assumes it). */
export const TOTP_STEP_SECONDS = 30;
/** Digits of a code (the authenticator apps' default). */
export const TOTP_DIGITS = 6;
/** Secret size: 160 bits, RFC 4226 section 4's recommendation for HMAC-SHA1. */
export const TOTP_SECRET_BYTES = 20;
// RFC 4226 section 4: the shared secret MUST be at least 128 bits.
const MIN_SECRET_BYTES = 16;
// Steps either side accepted at most: a wide window multiplies the guesses each code allows.
const MAX_WINDOW = 10;

const BASE32_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

/** RFC 4648 section 6 base32, upper case, without `=` padding (as otpauth URIs carry it). */
export function base32Encode(bytes: Uint8Array): string {
  let out = '';
  let buffer = 0;
  let bits = 0;
  for (const byte of bytes) {
    buffer = ((buffer << 8) | byte) & 0xffff;
    bits += 8;
    while (bits >= 5) {
      out += BASE32_ALPHABET.charAt((buffer >> (bits - 5)) & 31);
      bits -= 5;
    }
  }
  if (bits > 0) out += BASE32_ALPHABET.charAt((buffer << (5 - bits)) & 31);
  return out;
}

/**
 * Decodes RFC 4648 base32, case-insensitive, trailing `=` padding optional. Undefined for
 * any other character, an impossible length or non-zero leftover bits (a non-canonical
 * encoding: two strings must not stand for the same secret).
 */
export function base32Decode(text: string): Uint8Array | undefined {
  const body = text.replace(/=+$/, '').toUpperCase();
  // Lengths 1, 3 and 6 (mod 8) cannot come from whole bytes.
  if ([1, 3, 6].includes(body.length % 8)) return undefined;
  const out = new Uint8Array(Math.floor((body.length * 5) / 8));
  let buffer = 0;
  let bits = 0;
  let index = 0;
  for (const char of body) {
    const value = BASE32_ALPHABET.indexOf(char);
    if (value < 0) return undefined;
    buffer = ((buffer << 5) | value) & 0xffff;
    bits += 5;
    if (bits >= 8) {
      out[index] = (buffer >> (bits - 8)) & 0xff;
      index += 1;
      bits -= 8;
    }
  }
  if ((buffer & ((1 << bits) - 1)) !== 0) return undefined;
  return out;
}

/** A new random secret (`TOTP_SECRET_BYTES` bytes), base32, for the user's authenticator app. */
export function generateTotpSecret(): string {
  return base32Encode(randomBytes(TOTP_SECRET_BYTES));
}

function secretBytes(secretBase32: string): Buffer {
  const bytes = base32Decode(secretBase32);
  if (bytes === undefined || bytes.length < MIN_SECRET_BYTES) {
    // Never echo the secret: the message goes to logs.
    throw new MoatError('ACCESS_TOTP_SECRET_INVALID', 'TOTP secret is not base32 of at least 128 bits');
  }
  return Buffer.from(bytes);
}

function checkDigits(digits: number): void {
  // 6 to 8 digits: RFC 4226 section 5.3 (and an int32 has only 10 significant digits).
  if (!Number.isInteger(digits) || digits < 6 || digits > 8) throw new RangeError(`TOTP digits must be 6, 7 or 8, got ${digits}`);
}

/** The time step of `atMs` (RFC 6238 4.2: floor(unix seconds / 30)). */
export function totpStep(atMs: number): number {
  if (!Number.isFinite(atMs) || atMs < 0) throw new RangeError(`TOTP time must be a non-negative number of milliseconds, got ${atMs}`);
  return Math.floor(atMs / 1000 / TOTP_STEP_SECONDS);
}

// RFC 4226 section 5.3: HMAC-SHA1 of the 8-byte big-endian counter, dynamic truncation.
function hotp(key: Buffer, counter: number, digits: number): string {
  const message = Buffer.alloc(8);
  message.writeBigUInt64BE(BigInt(counter));
  const mac = createHmac('sha1', key).update(message).digest();
  const offset = (mac[mac.length - 1] ?? 0) & 0x0f;
  const binary = mac.readUInt32BE(offset) & 0x7fffffff;
  return String(binary % 10 ** digits).padStart(digits, '0');
}

/**
 * The code for `atMs` (epoch milliseconds). Throws `ACCESS_TOTP_SECRET_INVALID` for a
 * secret that is not base32 of at least 128 bits.
 */
export function totpCode(secretBase32: string, atMs: number, digits: number = TOTP_DIGITS): string {
  checkDigits(digits);
  return hotp(secretBytes(secretBase32), totpStep(atMs), digits);
}

/** Options of `verifyTotp` beyond the window. */
export interface VerifyTotpOptions {
  /** Code length; `TOTP_DIGITS` when absent. */
  readonly digits?: number;
  /**
   * The step of the last code this user logged in with: that step and earlier ones are
   * refused, so an observed code cannot be replayed (RFC 6238 5.2).
   */
  readonly lastUsedStep?: number | undefined;
}

/** Outcome of `verifyTotp`: the matched step, which the caller stores as `lastUsedStep`. */
export type TotpCheck = { readonly ok: true; readonly step: number } | { readonly ok: false };

/**
 * Is `code` the code of a step within `window` steps of `atMs`? Every candidate is
 * compared in constant time. A code of the wrong shape is `{ ok: false }`; a bad secret
 * throws `ACCESS_TOTP_SECRET_INVALID` (a damaged row, for the operator to see).
 */
export function verifyTotp(
  secretBase32: string,
  code: string,
  atMs: number,
  window = 1,
  options: VerifyTotpOptions = {},
): TotpCheck {
  const digits = options.digits ?? TOTP_DIGITS;
  checkDigits(digits);
  if (!Number.isInteger(window) || window < 0 || window > MAX_WINDOW) {
    throw new RangeError(`TOTP window must be an integer from 0 to ${MAX_WINDOW}, got ${window}`);
  }
  const key = secretBytes(secretBase32);
  const now = totpStep(atMs);
  const given = Buffer.from(code.trim());
  const wellFormed = new RegExp(`^[0-9]{${digits}}$`).test(code.trim());
  let matched: number | undefined;
  for (let step = now - window; step <= now + window; step += 1) {
    if (step < 0) continue;
    const expected = Buffer.from(hotp(key, step, digits));
    // Compare every candidate (no early exit), so the time taken says nothing about which step matched.
    const equal = wellFormed && given.length === expected.length && timingSafeEqual(given, expected);
    if (equal && matched === undefined && (options.lastUsedStep === undefined || step > options.lastUsedStep)) {
      matched = step;
    }
  }
  return matched === undefined ? { ok: false } : { ok: true, step: matched };
}

/** Input of `totpUri`. */
export interface TotpUriInput {
  readonly secret: string;
  /** The user's name as the app shows it (the username). */
  readonly account: string;
  /** The service as the app shows it ("Moat" or the installation's name). */
  readonly issuer: string;
}

/**
 * The `otpauth://totp/Issuer:account?secret=...` URI (Google Authenticator's Key URI
 * Format) for a QR code. Label parts and parameters are percent-encoded, so a `:` or
 * `&` in a name cannot split the label or inject a parameter.
 */
export function totpUri(input: TotpUriInput): string {
  const issuer = encodeURIComponent(input.issuer);
  const label = `${issuer}:${encodeURIComponent(input.account)}`;
  const secret = encodeURIComponent(input.secret.replace(/=+$/, '').toUpperCase());
  return `otpauth://totp/${label}?secret=${secret}&issuer=${issuer}&algorithm=SHA1&digits=${TOTP_DIGITS}&period=${TOTP_STEP_SECONDS}`;
}
