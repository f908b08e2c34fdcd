/**
 * The stream that turns a spooled message into the message Moat delivers:
 * our header lines go in front, on a `tag` verdict the top-level Subject
 * gets its prefix, and Authentication-Results fields that claim our own
 * authserv-id (forgeries, RFC 8601 §5) are dropped from the message's header
 * block. Every other byte passes through untouched, so a DKIM
 * signature made upstream still verifies at the next hop (RFC 6376 §5.4: a
 * signer covers the headers it lists; headers added above it do not matter).
 */
import { Transform } from 'node:stream';
import type { TransformCallback } from 'node:stream';
import libmime from 'libmime';
import { findHeaderEnd } from './header-block.js';

export interface MessageTransformOptions {
  /** CRLF-terminated header lines to put before the first byte. */
  readonly headerPrefix: string;
  /** Added once to the start of the top-level Subject (or as a new Subject). */
  readonly subjectPrefix?: string;
  /**
   * Our authserv-id: top-level Authentication-Results fields of the message
   * naming it (case-insensitively) are removed. Only the message's own header
   * block is filtered, never `headerPrefix`, which carries our genuine one.
   */
  readonly removeAuthResultsFor?: string;
  /** Stop looking for the end of the header block after this many bytes. */
  readonly maxHeaderBytes?: number;
}

// A legitimate header block is a few KiB; 1 MiB is far past any real one and
// bounds what we hold in memory per delivery. Past it the message goes through unchanged.
export const DEFAULT_MAX_HEADER_BYTES = 1024 * 1024;

// RFC 5322 §2.1.1: a line is at most 998 characters plus CRLF.
const MAX_LINE = 998;
// RFC 2047 §2: an encoded-word is at most 75 characters; 52 input bytes stays below that.
const ENCODED_CHUNK = 52;

/** Builds the Transform; see the module header. */
export function createMessageTransform(opts: MessageTransformOptions): Transform {
  const prefix = Buffer.from(opts.headerPrefix, 'latin1');
  const subjectPrefix = (opts.subjectPrefix ?? '').replace(/[\x00-\x1f\x7f]/g, '').trim();
  const maxHeaderBytes = opts.maxHeaderBytes ?? DEFAULT_MAX_HEADER_BYTES;
  const edit: HeaderEdit = { subjectPrefix, removeAuthResultsFor: normaliseAuthservId(opts.removeAuthResultsFor ?? '') };
  let started = false;
  let passThrough = subjectPrefix === '' && edit.removeAuthResultsFor === '';
  let held: Buffer[] = [];
  let heldBytes = 0;

  const start = (stream: Transform): void => {
    if (started) return;
    started = true;
    if (prefix.length > 0) stream.push(prefix);
  };

  return new Transform({
    transform(chunk: unknown, _encoding: BufferEncoding, callback: TransformCallback): void {
      const buf = Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk), 'latin1');
      start(this);
      if (passThrough) {
        callback(null, buf);
        return;
      }
      const scanFrom = Math.max(0, heldBytes - 3);
      held.push(buf);
      heldBytes += buf.length;
      const all = Buffer.concat(held, heldBytes);
      const end = findHeaderEnd(all, scanFrom);
      if (end >= 0) {
        passThrough = true;
        held = [];
        this.push(rewriteHeaderBlock(all.subarray(0, end), edit, true));
        callback(null, all.subarray(end));
        return;
      }
      if (heldBytes > maxHeaderBytes) {
        // Not a header block we are willing to parse: deliver it as it came.
        passThrough = true;
        held = [];
        callback(null, all);
        return;
      }
      held = [all];
      callback();
    },
    flush(callback: TransformCallback): void {
      start(this);
      if (!passThrough) {
        // The message ended inside its header block: it is all header fields.
        const all = Buffer.concat(held, heldBytes);
        held = [];
        callback(null, rewriteHeaderBlock(all, edit, false));
        return;
      }
      callback();
    },
  });
}

interface Field {
  /** Raw text of the field including its line end(s), latin1 so bytes map 1:1. */
  readonly raw: string;
}

function detectEol(text: string): string {
  const lf = text.indexOf('\n');
  return lf > 0 && text[lf - 1] === '\r' ? '\r\n' : lf >= 0 ? '\n' : '\r\n';
}

/** Splits header text (without the terminating empty line) into fields, continuation lines included. */
function splitFields(text: string): Field[] {
  const fields: Field[] = [];
  let current = '';
  let pos = 0;
  while (pos < text.length) {
    const lf = text.indexOf('\n', pos);
    const line = lf < 0 ? text.slice(pos) : text.slice(pos, lf + 1);
    pos += line.length;
    const continuation = line.startsWith(' ') || line.startsWith('\t');
    if (!continuation && current !== '') {
      fields.push({ raw: current });
      current = '';
    }
    current += line;
  }
  if (current !== '') fields.push({ raw: current });
  return fields;
}

const SUBJECT_NAME = /^subject[ \t]*:/i;
const AUTH_RESULTS_NAME = /^authentication-results[ \t]*:/i;

interface HeaderEdit {
  /** '' leaves Subject alone. */
  readonly subjectPrefix: string;
  /** Normalised authserv-id; '' removes nothing. */
  readonly removeAuthResultsFor: string;
}

function normaliseAuthservId(id: string): string {
  return id.trim().replace(/\.$/, '').toLowerCase();
}

/**
 * The authserv-id of an Authentication-Results field (RFC 8601 §2.2: a token
 * or quoted-string after optional CFWS), normalised; '' when there is none.
 */
function authservIdOfField(field: string): string {
  const value = field.slice(field.indexOf(':') + 1).replace(/\r?\n(?=[ \t])/g, '');
  let at = 0;
  let depth = 0;
  // Skip white space and (nested) comments.
  for (; at < value.length; at++) {
    const ch = value[at];
    if (depth > 0) {
      if (ch === '\\') at += 1;
      else if (ch === '(') depth += 1;
      else if (ch === ')') depth -= 1;
    } else if (ch === '(') depth = 1;
    else if (ch !== ' ' && ch !== '\t') break;
  }
  const rest = value.slice(at);
  if (rest.startsWith('"')) {
    const quoted = /^"((?:[^"\\]|\\.)*)"/.exec(rest);
    return quoted === null ? '' : normaliseAuthservId((quoted[1] ?? '').replace(/\\(.)/g, '$1'));
  }
  return normaliseAuthservId(/^[^\s;()"]*/.exec(rest)?.[0] ?? '');
}

function isForgedAuthResults(field: string, authservId: string): boolean {
  return authservId !== '' && AUTH_RESULTS_NAME.test(field) && authservIdOfField(field) === authservId;
}

function decodeValue(rawValue: string): string {
  const utf8 = Buffer.from(rawValue, 'latin1').toString('utf8');
  const unfolded = utf8.replace(/\r?\n(?=[ \t])/g, '').trim();
  try {
    return libmime.decodeWords(unfolded);
  } catch {
    // An undecodable encoded word is compared as written; the prefix check still works on plain text.
    return unfolded;
  }
}

function isAscii(value: string): boolean {
  return /^[\x20-\x7e]*$/.test(value);
}

function prefixedSubject(field: string, subjectPrefix: string, eol: string): string {
  const colon = field.indexOf(':');
  const name = field.slice(0, colon + 1);
  const value = field.slice(colon + 1);
  if (decodeValue(value).toLowerCase().startsWith(subjectPrefix.toLowerCase())) return field;
  const rest = value.replace(/^[ \t]+/, '');
  if (rest.trim() === '') return `${name} ${encodePrefix(subjectPrefix, false)}${eol}`;
  // RFC 2047 §6.2: white space between two encoded-words is dropped, so when
  // the subject starts with one, the separating space must be inside ours.
  const startsEncoded = rest.startsWith('=?');
  const encoded = encodePrefix(startsEncoded ? `${subjectPrefix} ` : subjectPrefix, startsEncoded);
  const firstLineEnd = rest.indexOf('\n');
  const firstLine = firstLineEnd < 0 ? rest : rest.slice(0, firstLineEnd);
  const head = `${name} ${encoded}`;
  if (head.length + 1 + firstLine.length > MAX_LINE) {
    // Fold after our prefix rather than make an over-long line (RFC 5322 §2.2.3).
    return `${head}${eol} ${rest}`;
  }
  return `${head} ${rest}`;
}

function encodePrefix(text: string, forceEncoded: boolean): string {
  if (isAscii(text) && !forceEncoded) return text;
  return libmime.encodeWord(text, 'Q', ENCODED_CHUNK);
}

/**
 * Rewrites the top-level header block: drops Authentication-Results fields in
 * our name, and prefixes every Subject field. Every one, not just the first:
 * with duplicate Subject fields a reader may show either, and a tagged
 * message must look tagged whichever it shows.
 */
function rewriteHeaderBlock(block: Buffer, edit: HeaderEdit, terminated: boolean): Buffer {
  const { subjectPrefix } = edit;
  const text = block.toString('latin1');
  const eol = detectEol(text);
  let fieldsText = text;
  let terminator = '';
  if (terminated) {
    const emptyLine = text.endsWith('\r\n') && (text.length === 2 || text.endsWith('\n\r\n')) ? '\r\n' : '\n';
    fieldsText = text.slice(0, text.length - emptyLine.length);
    terminator = emptyLine;
  }
  let found = false;
  const out = splitFields(fieldsText)
    .filter((field) => !isForgedAuthResults(field.raw, edit.removeAuthResultsFor))
    .map((field) => {
      if (subjectPrefix === '' || !SUBJECT_NAME.test(field.raw)) return field.raw;
      found = true;
      return prefixedSubject(field.raw, subjectPrefix, eol);
    });
  if (!found && subjectPrefix !== '') {
    const last = out.length > 0 ? (out[out.length - 1] ?? '') : '';
    if (last !== '' && !last.endsWith('\n')) out[out.length - 1] = `${last}${eol}`;
    out.push(`Subject: ${encodePrefix(subjectPrefix, false)}${eol}`);
  }
  return Buffer.from(out.join('') + terminator, 'latin1');
}
