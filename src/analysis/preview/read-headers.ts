/**
 * The top-level header fields an analyst needs to judge a message, read from
 * the raw header block: unfolded, RFC 2047 decoded, escaped for display and
 * bounded. Display only: nothing here decides anything.
 */
import { Buffer } from 'node:buffer';
import libmime from 'libmime';
import { escapeForDisplay } from '../../core/index.js';
import type { PreviewHeaders } from './types.js';

// The header block read at all: the same cap the MIME parser puts on one header block.
const MAX_HEADER_BLOCK_BYTES = 128 * 1024;
// RFC 5322 2.1.1 line length; a longer value is cut (with a visible ellipsis).
const MAX_HEADER_VALUE_CHARS = 998;
// Encoded text decoded at most: encoded words make a value up to ~4x longer than what it says.
const MAX_ENCODED_VALUE_CHARS = 8 * MAX_HEADER_VALUE_CHARS;

const FIELDS: ReadonlyArray<readonly [keyof PreviewHeaders, string]> = [
  ['from', 'from'],
  ['to', 'to'],
  ['cc', 'cc'],
  ['replyTo', 'reply-to'],
  ['subject', 'subject'],
  ['date', 'date'],
  ['messageId', 'message-id'],
];

/** The first occurrence of each field of interest in the top-level header block of `raw`. */
export function readPreviewHeaders(raw: Uint8Array): PreviewHeaders {
  const bytes = Buffer.from(raw.buffer, raw.byteOffset, Math.min(raw.length, MAX_HEADER_BLOCK_BYTES));
  // Headers are 7-bit by RFC 5322 but 8-bit UTF-8 is common (RFC 6532); latin1 would mangle it.
  const text = bytes.toString('utf8');
  const end = text.search(/\r?\n\r?\n/u);
  const block = end < 0 ? text : text.slice(0, end);
  const wanted = new Map(FIELDS.map(([key, name]) => [name, key]));
  const out: { -readonly [K in keyof PreviewHeaders]: string } = {};
  // Unfolding (RFC 5322 2.2.3): a line starting with white space continues the previous field.
  for (const field of block.split(/\r?\n(?![ \t])/u)) {
    const colon = field.indexOf(':');
    if (colon <= 0) continue;
    const key = wanted.get(field.slice(0, colon).trim().toLowerCase());
    if (key === undefined || out[key] !== undefined) continue;
    const value = field.slice(colon + 1, colon + 1 + MAX_ENCODED_VALUE_CHARS).replace(/\r?\n[ \t]+/gu, ' ').trim();
    out[key] = escapeForDisplay(decodeWords(value), MAX_HEADER_VALUE_CHARS);
  }
  return out;
}

function decodeWords(value: string): string {
  try {
    return libmime.decodeWords(value);
  } catch {
    // An unknown charset in an encoded word: the raw text is still what the analyst should see.
    return value;
  }
}
