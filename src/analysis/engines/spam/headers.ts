/**
 * The top-level header block, read again for the spam tokens: the pipeline's
 * MIME parser keeps only five header facts, and the classifier wants counts
 * (recipients, Received hops) and mailer fingerprints (X-Mailer, Message-ID
 * domain, Content-Type) too. Read from the raw bytes, bounded, never thrown at.
 */
import libmime from 'libmime';

export interface HeaderField {
  /** Lower-case field name. */
  readonly name: string;
  /** Unfolded value, RFC 2047 words decoded, at most MAX_VALUE_CHARS. */
  readonly value: string;
}

// The pipeline refuses header blocks over 128 KiB (parse-mime.ts); the facts we want sit at the top.
const MAX_BLOCK_BYTES = 64 * 1024;
// Real messages carry tens of fields; a long Received chain a few dozen more.
const MAX_FIELDS = 500;
// RFC 5322 2.1.1 line limit; an unfolded Subject or To list is cut here.
const MAX_VALUE_CHARS = 998;
const ENCODED_WORD = /=\?[^?]{1,64}\?[bqBQ]\?/u;

/** The fields of the top-level header block (up to the first empty line), in order. */
export function readHeaderFields(raw: Uint8Array): HeaderField[] {
  // latin1 is byte-transparent: 8-bit header bytes survive as code units and are re-read as UTF-8 below.
  const head = Buffer.from(raw.buffer, raw.byteOffset, Math.min(raw.length, MAX_BLOCK_BYTES)).toString('latin1');
  const end = head.search(/\r?\n\r?\n/u);
  const block = end < 0 ? head : head.slice(0, end);
  const fields: HeaderField[] = [];
  let current: { name: string; value: string } | undefined;
  const flush = (): void => {
    if (current !== undefined && fields.length < MAX_FIELDS) fields.push({ name: current.name, value: decodeValue(current.value) });
    current = undefined;
  };
  for (const line of block.split(/\r?\n/u)) {
    if (/^[ \t]/u.test(line)) {
      if (current !== undefined && current.value.length < MAX_VALUE_CHARS) current.value += ` ${line.trim()}`;
      continue;
    }
    flush();
    if (fields.length >= MAX_FIELDS) break;
    const colon = line.indexOf(':');
    if (colon <= 0 || colon > 76) continue;
    current = { name: line.slice(0, colon).trim().toLowerCase(), value: line.slice(colon + 1).trim() };
  }
  flush();
  return fields;
}

function decodeValue(latin1: string): string {
  let value = latin1.slice(0, MAX_VALUE_CHARS);
  // Raw 8-bit header text (RFC 6532) is UTF-8 more often than not; keep latin1 when it is not.
  if (/[\x80-\xff]/u.test(value)) {
    const bytes = Buffer.from(value, 'latin1');
    const utf8 = bytes.toString('utf8');
    if (!utf8.includes('\ufffd')) value = utf8;
  }
  if (!ENCODED_WORD.test(value)) return value;
  try {
    return libmime.decodeWords(value).slice(0, MAX_VALUE_CHARS);
  } catch {
    // An unknown charset in an encoded word: the raw text is still the best reading.
    return value;
  }
}

/** First value of `name`, undefined when absent. */
export function firstField(fields: readonly HeaderField[], name: string): string | undefined {
  return fields.find((f) => f.name === name)?.value;
}

/** Display name and lower-case domain of the first address in a From-like value. */
export function splitAddress(value: string): { display: string; domain?: string } {
  const angle = /<([^<>]*)>/u.exec(value);
  const address = angle?.[1] ?? /[^\s<>"]+@[^\s<>"]+/u.exec(value)?.[0] ?? '';
  const display = (angle === null ? value.replace(address, '') : value.slice(0, angle.index)).replace(/["()]/gu, ' ').trim();
  const at = address.lastIndexOf('@');
  const domain = at < 0 ? undefined : address.slice(at + 1).replace(/[>\s]+$/u, '').toLowerCase();
  return domain === undefined || domain === '' ? { display } : { display, domain };
}

/** Addresses in an address-list value, counted by their `@` (groups and comments are rare enough). */
export function countAddresses(value: string | undefined): number {
  if (value === undefined) return 0;
  let count = 0;
  for (let i = value.indexOf('@'); i >= 0; i = value.indexOf('@', i + 1)) count++;
  return count;
}
