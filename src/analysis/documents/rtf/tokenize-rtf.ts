/**
 * A bounded, tolerant RTF reader: walks groups and control words with an
 * explicit stack and collects only the destinations that matter to
 * security — `\objdata` (hex, decoded to bytes), `\objclass`, `\fldinst` and
 * `\template` — plus the tricks exploit kits use to hide them from scanners.
 * It mirrors Word's leniency (junk in hex, `\'` escapes, `\bin`), because a
 * scanner stricter than Word is a scanner the attacker can walk past.
 */
import { Buffer } from 'node:buffer';

export interface RtfObjectData {
  /** Bytes decoded from the `\objdata` hex (and any `\bin` runs inside it). */
  readonly data: Buffer;
  /** The `\objclass` text of the enclosing `\object` group, if any. */
  readonly objclass?: string;
}

export interface RtfScan {
  readonly objects: RtfObjectData[];
  /** Number of `\object` groups (some may lack `\objdata`). */
  readonly objectGroups: number;
  readonly fieldInstructions: string[];
  readonly templates: string[];
  readonly autoUpdate: boolean;
  /** Hiding tricks Word tolerates but no RTF writer produces. */
  readonly obfuscation: Set<string>;
  /** Breakage (unbalanced groups, truncated `\bin`). */
  readonly problems: Set<string>;
}

type Kind = 'text' | 'skip' | 'objdata' | 'objclass' | 'fldinst' | 'template';

interface Group {
  kind: Kind;
  /** Set by `\*`: the next control word names an ignorable destination. */
  pendingStar: boolean;
  /** Index of the enclosing `\object` group's record. */
  object: number;
}

// Word itself gives up around these; legitimate files stay far below.
const MAX_GROUP_DEPTH = 512;
const MAX_CONTROL_WORD = 32;
const MAX_TEXT_CHARS = 8192;
const MAX_COLLECTED = 64;
const MAX_OBJECTS = 1000;
// Sink chunks start small (most objects are a few KiB or empty) and grow to this size.
const FIRST_CHUNK = 256;
const MAX_CHUNK = 65_536;

/** Scans RTF text (latin1, one char per byte). */
export function tokenizeRtf(text: string, bytes: Uint8Array): RtfScan {
  const obfuscation = new Set<string>();
  const problems = new Set<string>();
  const fieldInstructions: string[] = [];
  const templates: string[] = [];
  const objectClasses: (string | undefined)[] = [];
  const objects: { sink: ByteSink; object: number }[] = [];
  let autoUpdate = false;
  let excessDepth = 0;
  const stack: Group[] = [{ kind: 'text', pendingStar: false, object: -1 }];
  let collector: { kind: Kind; text: string } | undefined;
  let sink: ByteSink | undefined;
  const len = text.length;
  let i = 0;

  if (!text.startsWith('{\\rtf1')) obfuscation.add(`header ${JSON.stringify(text.slice(0, 8))} is not {\\rtf1 (Word reads only {\\rt)`);

  const top = (): Group => stack[stack.length - 1] ?? { kind: 'text', pendingStar: false, object: -1 };
  const addText = (chunk: string): void => {
    const group = top();
    if (group.kind === 'objdata') {
      for (let k = 0; k < chunk.length; k++) {
        const code = chunk.charCodeAt(k);
        if (!sink?.nibble(code) && code > 0x20) obfuscation.add('characters other than hex digits inside \\objdata');
      }
    } else if ((group.kind === 'objclass' || group.kind === 'fldinst' || group.kind === 'template') && collector !== undefined && collector.text.length < MAX_TEXT_CHARS) {
      collector.text += chunk.slice(0, MAX_TEXT_CHARS - collector.text.length);
    }
  };
  const startDestination = (kind: Kind): void => {
    const group = top();
    group.kind = kind;
    if (kind === 'objdata') {
      if (objects.length >= MAX_OBJECTS) {
        problems.add(`more than ${MAX_OBJECTS} embedded objects, the rest were not decoded`);
        group.kind = 'skip';
        return;
      }
      sink = createByteSink();
      objects.push({ sink, object: group.object });
    } else if (kind === 'objclass' || kind === 'fldinst' || kind === 'template') {
      collector = { kind, text: '' };
    }
  };
  const closeDestination = (group: Group): void => {
    if (group.kind === 'objdata') sink = undefined;
    if (collector !== undefined && collector.kind === group.kind) {
      const value = collector.text.trim();
      if (group.kind === 'objclass' && group.object >= 0) objectClasses[group.object] = value;
      if (group.kind === 'fldinst' && fieldInstructions.length < MAX_COLLECTED) fieldInstructions.push(value);
      if (group.kind === 'template' && templates.length < MAX_COLLECTED) templates.push(value);
      collector = undefined;
    }
  };

  while (i < len) {
    const ch = text[i];
    if (ch === '{') {
      i++;
      if (stack.length >= MAX_GROUP_DEPTH) {
        excessDepth++;
        obfuscation.add(`groups nested deeper than ${MAX_GROUP_DEPTH}`);
        continue;
      }
      const parent = top();
      if (parent.kind === 'objdata') obfuscation.add('nested groups inside \\objdata');
      stack.push({ kind: parent.kind, pendingStar: false, object: parent.object });
      continue;
    }
    if (ch === '}') {
      i++;
      if (excessDepth > 0) {
        excessDepth--;
        continue;
      }
      if (stack.length <= 1) {
        problems.add('more closing than opening braces');
        continue;
      }
      const done = stack.pop();
      const parent = top();
      if (done !== undefined && done.kind !== parent.kind) closeDestination(done);
      continue;
    }
    if (ch === '\\') {
      const next = text[i + 1] ?? '';
      if (/[a-zA-Z]/.test(next)) {
        let end = i + 1;
        while (end < len && isLetter(text.charCodeAt(end))) end++;
        const word = text.slice(i + 1, end);
        const negative = text[end] === '-';
        const digits = negative ? end + 1 : end;
        let paramEnd = digits;
        while (paramEnd < len && paramEnd - digits < 10 && isDigit(text.charCodeAt(paramEnd))) paramEnd++;
        const param = paramEnd > digits ? Number(text.slice(digits, paramEnd)) * (negative ? -1 : 1) : undefined;
        if (param === undefined) paramEnd = end;
        i = text[paramEnd] === ' ' ? paramEnd + 1 : paramEnd;
        if (word.length > MAX_CONTROL_WORD) obfuscation.add(`control words longer than ${MAX_CONTROL_WORD} letters`);
        const group = top();
        const afterStar = group.pendingStar;
        group.pendingStar = false;
        if (word === 'bin') {
          // \binN: N raw bytes follow. Bounded by what is really there.
          const count = Math.max(0, Math.min(param ?? 0, len - i));
          if ((param ?? 0) > len - i) problems.add('\\bin longer than the file');
          if (group.kind === 'objdata') {
            obfuscation.add('\\bin inside \\objdata');
            sink?.raw(bytes.subarray(i, i + count));
          }
          i += count;
          continue;
        }
        if (group.kind === 'objdata') {
          obfuscation.add('control words inside \\objdata');
          continue;
        }
        switch (word) {
          case 'object':
            objectClasses.push(undefined);
            group.object = objectClasses.length - 1;
            break;
          case 'objupdate':
            autoUpdate = true;
            break;
          case 'objdata':
            startDestination('objdata');
            break;
          case 'objclass':
            startDestination('objclass');
            break;
          case 'fldinst':
            startDestination('fldinst');
            break;
          case 'template':
            startDestination('template');
            break;
          default:
            // An unknown word after \* makes its whole group ignorable (RTF 1.9.1, "Destinations").
            if (afterStar && group.kind === 'text') group.kind = 'skip';
            break;
        }
        continue;
      }
      if (next === "'") {
        const hi = hexNibble(text.charCodeAt(i + 2));
        const lo = hexNibble(text.charCodeAt(i + 3));
        i += 4;
        if (hi < 0 || lo < 0) {
          problems.add("bad \\' escape");
          continue;
        }
        if (top().kind === 'objdata') obfuscation.add("\\' escapes inside \\objdata");
        addText(String.fromCharCode((hi << 4) | lo));
        continue;
      }
      if (next === '*') {
        top().pendingStar = true;
        i += 2;
        continue;
      }
      i += 2;
      if (next === '\\' || next === '{' || next === '}') addText(next);
      continue;
    }
    // Plain text up to the next special character.
    let end = i;
    while (end < len && text[end] !== '{' && text[end] !== '}' && text[end] !== '\\') end++;
    const group = top();
    if (group.kind !== 'text' && group.kind !== 'skip') addText(text.slice(i, end));
    i = end;
  }
  if (stack.length > 1 || excessDepth > 0) problems.add('unbalanced braces (file truncated?)');
  while (stack.length > 1) {
    const done = stack.pop();
    if (done !== undefined && done.kind !== top().kind) closeDestination(done);
  }

  const decoded: RtfObjectData[] = objects.map(({ sink: s, object }) => {
    if (s.halfByte()) obfuscation.add('odd number of hex digits in \\objdata');
    const objclass = object >= 0 ? objectClasses[object] : undefined;
    return objclass === undefined ? { data: s.bytes() } : { data: s.bytes(), objclass };
  });
  return { objects: decoded, objectGroups: objectClasses.length, fieldInstructions, templates, autoUpdate, obfuscation, problems };
}

function isLetter(code: number): boolean {
  return (code >= 0x41 && code <= 0x5a) || (code >= 0x61 && code <= 0x7a);
}

function isDigit(code: number): boolean {
  return code >= 0x30 && code <= 0x39;
}

function hexNibble(code: number): number {
  if (code >= 0x30 && code <= 0x39) return code - 0x30;
  if (code >= 0x41 && code <= 0x46) return code - 0x37;
  if (code >= 0x61 && code <= 0x66) return code - 0x57;
  return -1;
}

interface ByteSink {
  /** Adds a hex digit; false when `code` is not one (whitespace is skipped by the caller's rule). */
  nibble(code: number): boolean;
  raw(chunk: Uint8Array): void;
  halfByte(): boolean;
  bytes(): Buffer;
}

/** Collects decoded bytes in fixed chunks: memory grows with the input, never ahead of it. */
function createByteSink(): ByteSink {
  const chunks: Buffer[] = [];
  let current = Buffer.allocUnsafe(FIRST_CHUNK);
  let used = 0;
  let high = -1;
  const put = (byte: number): void => {
    if (used === current.length) {
      chunks.push(current);
      current = Buffer.allocUnsafe(Math.min(current.length * 2, MAX_CHUNK));
      used = 0;
    }
    current[used++] = byte;
  };
  return {
    nibble(code) {
      const v = hexNibble(code);
      if (v < 0) return code <= 0x20;
      if (high < 0) {
        high = v;
      } else {
        put((high << 4) | v);
        high = -1;
      }
      return true;
    },
    raw(chunk) {
      high = -1;
      for (const byte of chunk) put(byte);
    },
    halfByte: () => high >= 0,
    bytes: () => Buffer.concat([...chunks, current.subarray(0, used)]),
  };
}
