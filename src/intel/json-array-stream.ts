/**
 * Incremental scanner for one big JSON document of the shape
 * `{ ..., "<key>": [ {...}, {...} ], ... }` (a STIX bundle's `objects`): it
 * takes the bytes in chunks and hands back each element of that one array as
 * its own parsed value, so memory is bounded by the largest element plus one
 * chunk, not by the file. The other top-level members are kept (each bounded
 * too) and returned at the end. Strings and escapes are tracked byte by byte
 * (every structural character is ASCII, so a UTF-8 continuation byte never
 * looks like one); each element is validated by JSON.parse of its own slice.
 * Malformed input throws INTEL_JSON_INVALID with the byte offset.
 */
import { MoatError } from '../core/index.js';

/** Thrown on malformed input or an element over the limit; the message names the byte offset or element index. */
export class JsonStreamError extends MoatError {
  constructor(message: string) {
    super('INTEL_JSON_INVALID', message);
  }
}

export interface JsonArrayScannerOptions {
  /** The top-level member whose array is streamed; default `objects`. */
  readonly key?: string;
  /** Bytes per element (and per other top-level member): a bigger one is an error. Default 4 MiB. */
  readonly maxElementBytes?: number;
}

/** One element of the streamed array, numbered from 0. */
export interface JsonArrayElement {
  readonly index: number;
  readonly value: unknown;
}

export interface JsonArrayScanner {
  /** Feeds the next chunk; returns the elements completed by it, in order. Throws JsonStreamError on bad input. */
  push(chunk: Uint8Array): JsonArrayElement[];
  /** Ends the input; returns the other top-level members. Throws JsonStreamError when the document is incomplete. */
  end(): Readonly<Record<string, unknown>>;
  /** Elements seen so far. */
  readonly count: number;
}

const DEFAULT_MAX_ELEMENT_BYTES = 4 * 1024 * 1024;
// A STIX object nests a few levels; JSON.parse recurses, so a hostile depth is refused before it.
const MAX_DEPTH = 256;
// A bundle has a handful of top-level members (type, id, spec_version): a file with thousands is not one.
const MAX_MEMBERS = 100;
// Member names are short words.
const MAX_KEY_BYTES = 1024;

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COMMA = 0x2c;
const COLON = 0x3a;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;
const isSpace = (b: number): boolean => b === 0x20 || b === 0x0a || b === 0x0d || b === 0x09;

/** Where the scanner is in the top-level structure. */
type Phase =
  | 'start' // before the top-level "{"
  | 'key-or-close' // after "{": a member name or "}"
  | 'key' // after ",": a member name
  | 'colon'
  | 'value' // a member's value
  | 'after-value' // "," or "}"
  | 'array-first' // after the streamed array's "[": an element or "]"
  | 'array-next' // after an element: "," or "]"
  | 'array-element' // after ",": an element
  | 'done'; // after the top-level "}": only white space

/** Creates a scanner; feed it with push() and close it with end(). */
export function createJsonArrayScanner(options: JsonArrayScannerOptions = {}): JsonArrayScanner {
  const key = options.key ?? 'objects';
  const maxBytes = options.maxElementBytes ?? DEFAULT_MAX_ELEMENT_BYTES;
  const decoder = new TextDecoder('utf-8', { fatal: true });
  const members: Record<string, unknown> = {};
  let memberCount = 0;
  let phase: Phase = 'start';
  let offset = 0; // bytes consumed before the current chunk
  let count = 0;
  let currentKey = '';
  let streamed = false;

  // The value being captured (a member name, a member value or an element), possibly across chunks.
  let capturing: 'key' | 'member' | 'element' | undefined;
  let parts: Uint8Array[] = [];
  let size = 0;
  let startOffset = 0;
  let depth = 0;
  let inString = false;
  let escaped = false;
  let scalar = false; // a number, true, false or null: ends at a delimiter

  const fail = (at: number, what: string): never => {
    throw new JsonStreamError(`malformed JSON at byte ${String(at)}: ${what}`);
  };

  const decode = (): string => {
    const bytes = parts.length === 1 ? (parts[0] as Uint8Array) : concat(parts, size);
    try {
      return decoder.decode(bytes);
    } catch {
      return fail(startOffset, 'invalid UTF-8');
    }
  };

  const finishCapture = (out: JsonArrayElement[]): void => {
    const text = decode();
    const what = capturing;
    parts = [];
    size = 0;
    capturing = undefined;
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (error) {
      const where = what === 'element' ? `${key}[${String(count)}]` : what === 'key' ? 'a member name' : `member "${currentKey.slice(0, 100)}"`;
      fail(startOffset, `${where} is not valid JSON (${error instanceof Error ? error.message : String(error)})`);
    }
    if (what === 'key') {
      currentKey = value as string; // A quoted string was captured: JSON.parse gives a string.
      phase = 'colon';
    } else if (what === 'member') {
      if (++memberCount > MAX_MEMBERS) fail(startOffset, `more than ${String(MAX_MEMBERS)} top-level members`);
      members[currentKey] = value;
      phase = 'after-value';
    } else {
      out.push({ index: count, value });
      count++;
      phase = 'array-next';
    }
  };

  const keep = (chunk: Uint8Array, from: number, to: number): void => {
    if (to <= from) return;
    size += to - from;
    const limit = capturing === 'key' ? MAX_KEY_BYTES : maxBytes;
    if (size > limit) {
      if (capturing === 'element') fail(startOffset, `${key}[${String(count)}] is larger than ${String(maxBytes)} bytes`);
      fail(startOffset, capturing === 'key' ? `a member name is longer than ${String(MAX_KEY_BYTES)} bytes` : `member "${currentKey.slice(0, 100)}" is larger than ${String(maxBytes)} bytes`);
    }
    // A view, not a copy: the chunk is kept only while its value is incomplete.
    parts.push(chunk.subarray(from, to));
  };

  /** Starts capturing the value whose first byte is chunk[i]; that byte is taken (the caller moves past it). */
  const beginCapture = (kind: 'key' | 'member' | 'element', chunk: Uint8Array, i: number): void => {
    const b = chunk[i] as number;
    capturing = kind;
    startOffset = offset + i;
    depth = 0;
    inString = false;
    escaped = false;
    scalar = false;
    if (b === QUOTE) inString = true;
    else if (b === OPEN_BRACE || b === OPEN_BRACKET) depth = 1;
    else scalar = true;
    keep(chunk, i, i + 1);
  };

  /**
   * Scans chunk[from..] of the value being captured; returns where it ends (exclusive), or -1 when it goes on.
   * String contents are skipped with indexOf (most of a STIX object is strings); the next backslash position is
   * remembered, so the scan stays linear in the chunk.
   */
  const scanValue = (chunk: Uint8Array, from: number): number => {
    let backslash = -1;
    let i = from;
    while (i < chunk.length) {
      if (inString) {
        if (escaped) {
          escaped = false;
          i++;
          continue;
        }
        let quote = chunk.indexOf(QUOTE, i);
        if (quote < 0) quote = chunk.length;
        if (backslash < i) {
          backslash = chunk.indexOf(BACKSLASH, i);
          if (backslash < 0) backslash = chunk.length;
        }
        if (backslash < quote) {
          escaped = true;
          i = backslash + 1;
          continue;
        }
        if (quote === chunk.length) return -1;
        inString = false;
        if (depth === 0) return quote + 1;
        i = quote + 1;
        continue;
      }
      const b = chunk[i] as number;
      if (scalar) {
        if (isSpace(b) || b === COMMA || b === CLOSE_BRACE || b === CLOSE_BRACKET) return i;
      } else if (b === QUOTE) inString = true;
      else if (b === OPEN_BRACE || b === OPEN_BRACKET) {
        if (++depth > MAX_DEPTH) fail(offset + i, `nested deeper than ${String(MAX_DEPTH)} levels`);
      } else if (b === CLOSE_BRACE || b === CLOSE_BRACKET) {
        if (--depth === 0) return i + 1;
      }
      i++;
    }
    return -1;
  };

  const push = (chunk: Uint8Array): JsonArrayElement[] => {
    const out: JsonArrayElement[] = [];
    let i = 0;
    // A UTF-8 byte order mark is allowed before the document.
    if (offset === 0 && phase === 'start' && chunk[0] === 0xef && chunk[1] === 0xbb && chunk[2] === 0xbf) i = 3;
    while (i < chunk.length) {
      if (capturing !== undefined) {
        const end = scanValue(chunk, i);
        if (end < 0) {
          keep(chunk, i, chunk.length);
          i = chunk.length;
          break;
        }
        keep(chunk, i, end);
        i = end;
        finishCapture(out);
        continue;
      }
      const b = chunk[i] as number;
      const at = offset + i;
      if (isSpace(b)) {
        i++;
        continue;
      }
      switch (phase) {
        case 'start':
          if (b !== OPEN_BRACE) fail(at, 'expected "{" (a JSON object) at the start');
          phase = 'key-or-close';
          i++;
          break;
        case 'key-or-close':
        case 'key':
          if (b === CLOSE_BRACE && phase === 'key-or-close') {
            phase = 'done';
            i++;
          } else if (b === QUOTE) {
            beginCapture('key', chunk, i);
            i++;
          }
          else fail(at, 'expected a member name');
          break;
        case 'colon':
          if (b !== COLON) fail(at, 'expected ":"');
          phase = 'value';
          i++;
          break;
        case 'value':
          if (currentKey === key && b === OPEN_BRACKET) {
            if (streamed) fail(at, `member "${key}" appears twice`);
            streamed = true;
            phase = 'array-first';
            i++;
          } else if (currentKey === key) fail(at, `member "${key}" is not an array`);
          else {
            beginCapture('member', chunk, i);
            i++;
          }
          break;
        case 'after-value':
          if (b === COMMA) phase = 'key';
          else if (b === CLOSE_BRACE) phase = 'done';
          else fail(at, 'expected "," or "}"');
          i++;
          break;
        case 'array-first':
        case 'array-element':
          if (b === CLOSE_BRACKET && phase === 'array-first') {
            phase = 'after-value';
            i++;
          } else if (b === COMMA || b === CLOSE_BRACKET || b === COLON || b === CLOSE_BRACE) fail(at, `expected an element of "${key}"`);
          else {
            beginCapture('element', chunk, i);
            i++;
          }
          break;
        case 'array-next':
          if (b === COMMA) phase = 'array-element';
          else if (b === CLOSE_BRACKET) phase = 'after-value';
          else fail(at, `expected "," or "]" after ${key}[${String(count - 1)}]`);
          i++;
          break;
        case 'done':
          fail(at, 'data after the end of the document');
      }
    }
    offset += chunk.length;
    return out;
  };

  return {
    push,
    end() {
      if (phase !== 'done' || capturing !== undefined) fail(offset, 'the document ends early');
      if (!streamed) throw new JsonStreamError(`no "${key}" array in the document`);
      return members;
    },
    get count() {
      return count;
    },
  };
}

function concat(parts: readonly Uint8Array[], size: number): Uint8Array {
  const out = new Uint8Array(size);
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}
