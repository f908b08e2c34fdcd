/**
 * A bounded, tolerant PDF object scanner: tokenises the file (or a decoded
 * object stream) and rebuilds objects, dictionaries and stream spans. It
 * never follows xref offsets (attackers forge them; incremental updates
 * stack several) — it scans. Nesting is built with an explicit stack, so no
 * input can exhaust the call stack.
 */

export interface PdfName {
  readonly t: 'name';
  readonly v: string;
}
export interface PdfString {
  readonly t: 'str';
  /** Raw bytes as a latin1 string. */
  readonly v: string;
}
export interface PdfRef {
  readonly t: 'ref';
  readonly num: number;
  readonly gen: number;
}
export interface PdfDict {
  readonly t: 'dict';
  readonly map: Map<string, PdfValue>;
}
export interface PdfArray {
  readonly t: 'array';
  readonly items: PdfValue[];
}
export type PdfValue = PdfName | PdfString | PdfRef | PdfDict | PdfArray | number | boolean | null;

export interface PdfObject {
  readonly num: number;
  readonly gen: number;
  readonly value: PdfValue;
  /** Raw (still encoded) stream bytes, as offsets into the scanned text. */
  readonly stream?: { readonly start: number; readonly end: number };
}

export interface NameEvent {
  readonly decoded: string;
  /** True when a `#xx` escape spelled a letter or digit: never needed, only used to hide keywords. */
  readonly obfuscated: boolean;
}

export interface ScanOutput {
  readonly objects: PdfObject[];
  /** Top-level values outside `obj`/`endobj` (trailers; the contents of an object stream). */
  readonly loose: PdfValue[];
  readonly problems: Set<string>;
}

// Beyond these, the scan keeps counting names but stops storing values: bounded memory on hostile input.
const MAX_OBJECTS = 200_000;
const MAX_NESTING = 128;
const MAX_STRING_CHARS = 65_536;
const MAX_ARRAY_ITEMS = 100_000;

const WHITESPACE = new Set([0x00, 0x09, 0x0a, 0x0c, 0x0d, 0x20]);
const DELIMITERS = new Set([0x28, 0x29, 0x3c, 0x3e, 0x5b, 0x5d, 0x7b, 0x7d, 0x2f, 0x25]);

interface Frame {
  readonly kind: 'top' | 'dict' | 'array';
  readonly items: PdfValue[];
}

/**
 * Scans `text` (latin1, one char per byte). `objectStream` mode collects
 * bare values (the body of an `/ObjStm`) instead of `n g obj` objects.
 */
export function scanPdfObjects(text: string, onName: (name: NameEvent) => void, objectStream = false): ScanOutput {
  const objects: PdfObject[] = [];
  const problems = new Set<string>();
  const top: Frame = { kind: 'top', items: [] };
  const stack: Frame[] = [top];
  let excessDepth = 0;
  let current: { num: number; gen: number; stream?: { start: number; end: number }; stored: boolean } | undefined;
  const loose: PdfValue[] = [];
  const streamState = { noEndstreamFrom: Number.POSITIVE_INFINITY };
  const len = text.length;
  let i = 0;

  const frame = (): Frame => stack[stack.length - 1] ?? top;
  const push = (value: PdfValue): void => {
    const items = frame().items;
    if (items.length < MAX_ARRAY_ITEMS) items.push(value);
  };
  const store = (value: PdfValue): void => {
    if (current === undefined || current.stored) return;
    current.stored = true;
    if (objects.length >= MAX_OBJECTS) {
      problems.add(`more than ${MAX_OBJECTS} objects, the rest were only scanned for names`);
      return;
    }
    objects.push(current.stream === undefined ? { num: current.num, gen: current.gen, value } : { num: current.num, gen: current.gen, value, stream: current.stream });
  };
  const closeAll = (): void => {
    if (stack.length > 1 || excessDepth > 0) problems.add('unbalanced dictionary or array');
    while (stack.length > 1) closeFrame();
    excessDepth = 0;
  };
  const closeFrame = (): void => {
    const done = stack.pop();
    if (done === undefined) return;
    if (done.kind === 'array') {
      push({ t: 'array', items: done.items });
      return;
    }
    const map = new Map<string, PdfValue>();
    for (let k = 0; k + 1 < done.items.length; k += 2) {
      const key = done.items[k];
      if (typeof key === 'object' && key !== null && key.t === 'name') {
        map.set(key.v, done.items[k + 1] ?? null);
      } else {
        problems.add('dictionary key that is not a name');
        k--;
      }
    }
    push({ t: 'dict', map });
  };
  const finishObject = (): void => {
    if (current === undefined) return;
    const items = top.items;
    store(items.length > 0 ? (items[items.length - 1] ?? null) : null);
    top.items.length = 0;
    current = undefined;
  };

  while (i < len) {
    const c = text.charCodeAt(i);
    if (WHITESPACE.has(c)) {
      i++;
      continue;
    }
    if (c === 0x25) {
      // Comment to end of line.
      while (i < len && text.charCodeAt(i) !== 0x0a && text.charCodeAt(i) !== 0x0d) i++;
      continue;
    }
    if (c === 0x2f) {
      const start = ++i;
      while (i < len && !WHITESPACE.has(text.charCodeAt(i)) && !DELIMITERS.has(text.charCodeAt(i))) i++;
      const event = decodeName(text.slice(start, i));
      onName(event);
      push({ t: 'name', v: event.decoded });
      continue;
    }
    if (c === 0x28) {
      const [value, next] = readLiteralString(text, i + 1);
      if (next >= len && text.charCodeAt(len - 1) !== 0x29) problems.add('unterminated string');
      push({ t: 'str', v: value });
      i = next;
      continue;
    }
    if (c === 0x3c) {
      if (text.charCodeAt(i + 1) === 0x3c) {
        i += 2;
        if (stack.length >= MAX_NESTING) {
          excessDepth++;
          problems.add(`nesting deeper than ${MAX_NESTING}`);
        } else {
          stack.push({ kind: 'dict', items: [] });
        }
        continue;
      }
      const end = text.indexOf('>', i + 1);
      const stop = end < 0 ? len : end;
      if (end < 0) problems.add('unterminated hex string');
      push({ t: 'str', v: decodeHexString(text, i + 1, stop) });
      i = stop + 1;
      continue;
    }
    if (c === 0x3e) {
      i += text.charCodeAt(i + 1) === 0x3e ? 2 : 1;
      closeMatching('dict');
      continue;
    }
    if (c === 0x5b) {
      i++;
      if (stack.length >= MAX_NESTING) {
        excessDepth++;
        problems.add(`nesting deeper than ${MAX_NESTING}`);
      } else {
        stack.push({ kind: 'array', items: [] });
      }
      continue;
    }
    if (c === 0x5d) {
      i++;
      closeMatching('array');
      continue;
    }
    if (c === 0x29 || c === 0x7b || c === 0x7d) {
      // Stray close paren, or PostScript calculator braces: nothing to build.
      i++;
      continue;
    }
    const start = i;
    while (i < len && !WHITESPACE.has(text.charCodeAt(i)) && !DELIMITERS.has(text.charCodeAt(i))) i++;
    const word = text.slice(start, i);
    if (/^[+-]?(\d+\.?\d*|\.\d+)$/.test(word)) {
      push(Number(word));
      continue;
    }
    switch (word) {
      case 'true':
        push(true);
        break;
      case 'false':
        push(false);
        break;
      case 'null':
        push(null);
        break;
      case 'R': {
        const items = frame().items;
        const gen = items[items.length - 1];
        const num = items[items.length - 2];
        if (isIndex(num) && isIndex(gen)) {
          items.length -= 2;
          items.push({ t: 'ref', num, gen });
        }
        break;
      }
      case 'obj': {
        if (objectStream) break;
        closeAll();
        if (current !== undefined) problems.add('object without endobj');
        finishObject();
        const gen = top.items[top.items.length - 1];
        const num = top.items[top.items.length - 2];
        for (const value of top.items.slice(0, -2)) if (typeof value === 'object' && value !== null) loose.push(value);
        top.items.length = 0;
        if (isIndex(num) && isIndex(gen)) current = { num, gen, stored: false };
        else problems.add('object header without numbers');
        break;
      }
      case 'endobj':
        closeAll();
        finishObject();
        break;
      case 'stream': {
        closeAll();
        const dict = top.items[top.items.length - 1];
        const span = findStreamSpan(text, i, typeof dict === 'object' && dict !== null && dict.t === 'dict' ? dict : undefined, streamState);
        if (span === undefined) {
          problems.add('stream without endstream');
          break;
        }
        if (current !== undefined && current.stream === undefined) current.stream = { start: span.start, end: span.end };
        else problems.add('stream outside an object');
        finishObject();
        i = span.resume;
        break;
      }
      case 'endstream':
        break;
      case 'trailer':
      case 'xref':
      case 'startxref':
        closeAll();
        finishObject();
        break;
      default:
        // xref rows (`f`, `n`) and junk: ignored, the scan never depends on them.
        break;
    }
  }
  closeAll();
  if (current !== undefined) problems.add('object without endobj');
  finishObject();
  if (objectStream) return { objects, loose: top.items.slice(), problems };
  for (const value of top.items) if (typeof value === 'object' && value !== null) loose.push(value);
  return { objects, loose, problems };

  function closeMatching(kind: 'dict' | 'array'): void {
    if (excessDepth > 0) {
      excessDepth--;
      return;
    }
    if (stack.length <= 1) {
      problems.add(`stray ${kind === 'dict' ? '>>' : ']'}`);
      return;
    }
    if (frame().kind !== kind) problems.add('mismatched dictionary/array delimiters');
    closeFrame();
  }
}

function isIndex(value: PdfValue | undefined): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value >= 0 && value <= 0x7fffffff;
}

const HEX = /^[0-9a-fA-F]{2}$/;

/** Decodes `#xx` escapes in a name (PDF 1.7 §7.3.5). */
export function decodeName(raw: string): NameEvent {
  if (!raw.includes('#')) return { decoded: raw, obfuscated: false };
  let out = '';
  let obfuscated = false;
  for (let k = 0; k < raw.length; k++) {
    const pair = raw.slice(k + 1, k + 3);
    if (raw[k] === '#' && HEX.test(pair)) {
      const ch = String.fromCharCode(Number.parseInt(pair, 16));
      if (/[A-Za-z0-9]/.test(ch)) obfuscated = true;
      out += ch;
      k += 2;
    } else {
      out += raw[k];
    }
  }
  return { decoded: out, obfuscated };
}

const ESCAPES: Readonly<Record<string, string>> = { n: '\n', r: '\r', t: '\t', b: '\b', f: '\f', '(': '(', ')': ')', '\\': '\\' };

/** Reads a literal string body from `start` (after `(`); returns the bytes and the index after `)`. */
function readLiteralString(text: string, start: number): [string, number] {
  let depth = 1;
  let out = '';
  let k = start;
  const len = text.length;
  while (k < len) {
    const ch = text[k] ?? '';
    if (ch === '\\') {
      const next = text[k + 1] ?? '';
      if (/[0-7]/.test(next)) {
        const oct = /^[0-7]{1,3}/.exec(text.slice(k + 1, k + 4))?.[0] ?? '0';
        if (out.length < MAX_STRING_CHARS) out += String.fromCharCode(Number.parseInt(oct, 8) & 0xff);
        k += 1 + oct.length;
        continue;
      }
      if (next === '\r' || next === '\n') {
        // Line continuation.
        k += next === '\r' && text[k + 2] === '\n' ? 3 : 2;
        continue;
      }
      if (out.length < MAX_STRING_CHARS) out += ESCAPES[next] ?? next;
      k += 2;
      continue;
    }
    if (ch === '(') depth++;
    if (ch === ')' && --depth === 0) return [out, k + 1];
    if (out.length < MAX_STRING_CHARS) out += ch;
    k++;
  }
  return [out, len];
}

function decodeHexString(text: string, start: number, end: number): string {
  let out = '';
  let high = -1;
  for (let k = start; k < end && out.length < MAX_STRING_CHARS; k++) {
    const nibble = hexValue(text.charCodeAt(k));
    if (nibble < 0) continue;
    if (high < 0) {
      high = nibble;
    } else {
      out += String.fromCharCode((high << 4) | nibble);
      high = -1;
    }
  }
  if (high >= 0 && out.length < MAX_STRING_CHARS) out += String.fromCharCode(high << 4);
  return out;
}

/** Value of one hex digit character code, or -1. */
export function hexValue(code: number): number {
  if (code >= 0x30 && code <= 0x39) return code - 0x30;
  if (code >= 0x41 && code <= 0x46) return code - 0x37;
  if (code >= 0x61 && code <= 0x66) return code - 0x57;
  return -1;
}

/**
 * Where the stream data after the `stream` keyword (ending at `afterKeyword`)
 * lies. /Length is used only when `endstream` really follows it; otherwise
 * the first `endstream` ends the data (never trust declared sizes).
 */
function findStreamSpan(text: string, afterKeyword: number, dict: PdfDict | undefined, state: { noEndstreamFrom: number }): { start: number; end: number; resume: number } | undefined {
  let start = afterKeyword;
  while (text[start] === ' ') start++;
  if (text[start] === '\r') start++;
  if (text[start] === '\n') start++;
  const length = dict?.map.get('Length');
  if (typeof length === 'number' && Number.isInteger(length) && length >= 0 && start + length <= text.length) {
    let k = start + length;
    while (k < text.length && WHITESPACE.has(text.charCodeAt(k))) k++;
    if (text.startsWith('endstream', k)) return { start, end: start + length, resume: k + 9 };
  }
  const found = start >= state.noEndstreamFrom ? -1 : text.indexOf('endstream', start);
  if (found < 0) {
    // Remember the miss: later streams in the same text cannot find one either (keeps the scan linear).
    state.noEndstreamFrom = Math.min(start, state.noEndstreamFrom);
    return undefined;
  }
  let end = found;
  if (text[end - 1] === '\n') end--;
  if (text[end - 1] === '\r') end--;
  return { start, end: Math.max(start, end), resume: found + 9 };
}
