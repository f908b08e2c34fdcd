import { randomBytes } from 'node:crypto';

// Crockford base32: sortable, case-insensitive, no ambiguous letters, safe in file names.
const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

/**
 * A queue id: 10 characters of millisecond time then 10 of randomness (a
 * ULID-like, lexically sortable id). It names spool files, so it must never
 * contain anything but [0-9A-Z].
 */
export function createQueueId(now: number = Date.now(), random: Buffer = randomBytes(10)): string {
  let time = '';
  let t = now;
  for (let i = 0; i < 10; i++) {
    time = ALPHABET[t % 32] + time;
    t = Math.floor(t / 32);
  }
  let rand = '';
  for (let i = 0; i < 10; i++) rand += ALPHABET[(random[i] ?? 0) % 32];
  return time + rand;
}

const QUEUE_ID = /^[0-9A-HJKMNP-TV-Z]{20}$/;

/** True when `value` is a well-formed queue id (and so safe as a file name). */
export function isQueueId(value: string): boolean {
  return QUEUE_ID.test(value);
}
