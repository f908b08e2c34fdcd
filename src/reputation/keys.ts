/**
 * Shared-state keys. Readable where the input is short and plain (an
 * operator can find `rl:ip:192.0.2.1` with redis-cli); anything longer or
 * with other characters becomes `~` + 128 bits of SHA-256, so keys stay
 * bounded whatever a client sends. `~` and `|` never occur in a readable
 * part, so a readable part cannot collide with a hashed one or span two parts.
 */
import { createHash } from 'node:crypto';

const READABLE = /^[a-z0-9.:@_+=/-]{0,64}$/u;

/** One key component: itself when short and plain, its hash otherwise. */
export function keyPart(text: string): string {
  if (READABLE.test(text)) return text;
  return `~${createHash('sha256').update(text, 'utf8').digest('base64url').slice(0, 22)}`;
}

/** A key from a fixed namespace and untrusted parts. */
export function deriveKey(namespace: string, ...parts: readonly string[]): string {
  return `${namespace}:${parts.map(keyPart).join('|')}`;
}

export const KEY_NAMESPACES = {
  rateIp: 'rl:ip',
  rateSender: 'rl:from',
  rateSenderDomain: 'rl:dom',
  greyPending: 'gl:t',
  greyPassed: 'gl:p',
  greyPassCount: 'gl:n',
  greyWhitelist: 'gl:w',
} as const;
