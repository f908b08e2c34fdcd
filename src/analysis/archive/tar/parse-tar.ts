/**
 * Our own tar reader (ustar, v7, pax `x` headers, GNU `L`/`K` long names).
 * Not tar-stream: we need every reading an extractor might take of a hostile
 * tar (bad checksums, data after the end marker, links that carry data) so
 * that we can report the disagreement (PARSER_CONFUSION) and scan what each
 * reading would extract. Every loop advances by at least one 512-byte block
 * and every size is bounded by the real buffer, never by a header field.
 */
import { Buffer } from 'node:buffer';
import type { Finding } from '../../../core/index.js';
import type { ExpansionBudget } from '../../dissect/budget.js';
import type { Member, MemberKind } from '../../dissect/dissector.js';
import { BLOCK, MAX_META_BYTES, MAX_PAX_RECORDS, TAR_FINDINGS } from './tables.js';
import type { TarSymbol } from './tables.js';

export interface TarParse {
  readonly members: Member[];
  readonly findings: Finding[];
}

interface Pending {
  path?: string;
  linkpath?: string;
  size?: number;
}

const UTF8 = new TextDecoder('utf-8', { fatal: true });

/** True when `content` starts with a tar header: ustar magic at 257, or a valid v7 header checksum. */
export function looksLikeTar(content: Uint8Array): boolean {
  if (content.length < BLOCK) return false;
  const magic = latin1(content, 257, 263);
  if (magic === 'ustar\0' || magic === 'ustar ') return true;
  return content[0] !== 0 && checksumOk(content.subarray(0, BLOCK));
}

/** Reads every member of a tar; malformed structure becomes findings. Throws only BudgetExceededError. */
export function parseTar(content: Uint8Array, budget: ExpansionBudget, path: string): TarParse {
  const members: Member[] = [];
  const findings: Finding[] = [];
  const reported = new Set<TarSymbol>();
  const note = (symbol: TarSymbol, detail: string): void => {
    if (reported.has(symbol)) return;
    reported.add(symbol);
    const { score, severity } = TAR_FINDINGS[symbol];
    findings.push({ engine: 'tar', symbol, score, severity, detail: `part ${path}: ${detail}`, artifact: path });
  };
  let pending: Pending = {};
  // Set once we left the one reading every tar agrees on (after a bad header or the end marker).
  let offReading = false;
  let offset = 0;
  while (offset + BLOCK <= content.length) {
    const header = content.subarray(offset, offset + BLOCK);
    if (isZero(header)) {
      const next = findAfterEnd(content, offset + BLOCK);
      if (next.garbage) note('TAR_TRAILING_DATA', `data follows the end-of-archive marker at offset ${offset}`);
      if (next.header === undefined) break;
      note('PARSER_CONFUSION', `members follow the end-of-archive marker at offset ${offset}: tar stops there, tar --ignore-zeros reads on`);
      offReading = true;
      offset = next.header;
      continue;
    }
    if (!checksumOk(header)) {
      note('TAR_BAD_CHECKSUM', `header at offset ${offset} fails its checksum`);
      const next = findHeader(content, offset + BLOCK);
      if (next === undefined) break;
      note('PARSER_CONFUSION', `valid headers follow a corrupt one at offset ${offset}: some readers stop there, others skip it`);
      offReading = true;
      offset = next;
      continue;
    }
    const type = String.fromCharCode(header[156] ?? 0);
    let size = readNumber(header.subarray(124, 136));
    if (size === undefined) {
      note('TAR_MALFORMED', `header at offset ${offset} has an unreadable size field`);
      size = 0;
    }
    if (pending.size !== undefined && isMemberType(type)) size = pending.size;
    const dataStart = offset + BLOCK;
    const available = Math.max(0, content.length - dataStart);
    if (size > available) note('TAR_TRUNCATED', `a member at offset ${offset} declares ${size} bytes, only ${available} remain`);
    const data = content.subarray(dataStart, dataStart + Math.min(size, available));
    // Past the end of the buffer the loop condition stops; Math.ceil keeps block alignment.
    offset = dataStart + Math.ceil(Math.min(size, available + BLOCK) / BLOCK) * BLOCK;

    if (type === 'x' || type === 'g') {
      const records = readPax(data, () => note('TAR_MALFORMED', `a pax header at offset ${dataStart - BLOCK} is malformed`));
      // Global headers (g) set defaults for all later members; path/linkpath there would rename every member, which no writer does.
      if (type === 'x') pending = { ...pending, ...records };
      continue;
    }
    if (type === 'L' || type === 'K') {
      const value = readMetaString(data, () => note('TAR_MALFORMED', `a GNU long name at offset ${dataStart - BLOCK} is over ${MAX_META_BYTES} bytes`));
      if (type === 'L') pending.path ??= value;
      else pending.linkpath ??= value;
      continue;
    }
    const kind = kindOf(type, header);
    const name = pending.path ?? headerName(header);
    const linkTarget = pending.linkpath ?? cString(header, 157, 257);
    pending = {};
    if (kind !== 'file' && size > 0 && type !== 'D') {
      note('PARSER_CONFUSION', `a ${kind} member at offset ${dataStart - BLOCK} declares ${size} bytes of data: readers disagree whether to skip it`);
    }
    budget.chargeEntry();
    if (kind === 'file') {
      budget.chargeBytes(data.length);
      members.push({ name, kind, content: data, declaredSize: size });
    } else if (kind === 'symlink' || kind === 'hardlink') {
      members.push({ name, kind, linkTarget });
    } else {
      members.push({ name, kind });
    }
  }
  if (offset < content.length && offset + BLOCK > content.length && !isZero(content.subarray(offset))) {
    note(offReading ? 'TAR_TRAILING_DATA' : 'TAR_TRUNCATED', `${content.length - offset} bytes at the end are not a whole block`);
  }
  return { members, findings };
}

function isMemberType(type: string): boolean {
  return type !== 'x' && type !== 'g' && type !== 'L' && type !== 'K';
}

function kindOf(type: string, header: Uint8Array): MemberKind {
  switch (type) {
    case '1':
      return 'hardlink';
    case '2':
      return 'symlink';
    case '3':
    case '4':
      return 'device';
    case '5':
    case 'D':
      return 'directory';
    case '6':
      return 'fifo';
    case 'V':
      return 'other';
    case '\0':
    case '0':
      // v7 tar marks directories by a trailing slash only; GNU tar reads a regular entry so named as one.
      return cString(header, 0, 100).endsWith('/') ? 'directory' : 'file';
    default:
      // POSIX: an unknown type is read as a regular file, so its data gets scanned like one.
      return 'file';
  }
}

function headerName(header: Uint8Array): string {
  const name = cString(header, 0, 100);
  // Only POSIX ustar has the prefix field; GNU keeps atime/ctime there.
  if (latin1(header, 257, 263) !== 'ustar\0') return name;
  const prefix = cString(header, 345, 500);
  return prefix === '' ? name : `${prefix}/${name}`;
}

function readPax(data: Uint8Array, malformed: () => void): Pending {
  const out: Pending = {};
  if (data.length > MAX_META_BYTES) {
    malformed();
    return out;
  }
  let pos = 0;
  for (let count = 0; pos < data.length && count < MAX_PAX_RECORDS; count++) {
    // "<length> <key>=<value>\n", length in decimal and counting itself (POSIX pax, Extended Header).
    let space = pos;
    while (space < data.length && space - pos < 20 && data[space] !== 0x20) space++;
    const length = Number.parseInt(latin1(data, pos, space), 10);
    if (data[space] !== 0x20 || !Number.isSafeInteger(length) || length <= space - pos + 1 || pos + length > data.length || data[pos + length - 1] !== 0x0a) {
      // A NUL-padded tail is how some writers end the block; anything else is broken.
      if (!isZero(data.subarray(pos))) malformed();
      return out;
    }
    const record = decodeName(data.subarray(space + 1, pos + length - 1));
    const eq = record.indexOf('=');
    if (eq > 0) {
      const key = record.slice(0, eq);
      const value = record.slice(eq + 1);
      if (key === 'path') out.path = value;
      else if (key === 'linkpath') out.linkpath = value;
      else if (key === 'size') {
        const size = /^[0-9]{1,16}$/u.test(value) ? Number(value) : undefined;
        if (size === undefined) malformed();
        else out.size = size;
      }
    } else {
      malformed();
    }
    pos += length;
  }
  return out;
}

function readMetaString(data: Uint8Array, tooLong: () => void): string {
  if (data.length > MAX_META_BYTES) tooLong();
  const bounded = data.subarray(0, MAX_META_BYTES);
  const nul = bounded.indexOf(0);
  return decodeName(nul === -1 ? bounded : bounded.subarray(0, nul));
}

/** Header numbers: octal text (NUL/space padded) or, for big values, base-256 with the top bit set (GNU). */
function readNumber(field: Uint8Array): number | undefined {
  const first = field[0] ?? 0;
  if ((first & 0x80) !== 0) {
    if ((first & 0x40) !== 0) return undefined; // negative
    let value = first & 0x3f;
    for (let i = 1; i < field.length; i++) {
      value = value * 256 + (field[i] ?? 0);
      if (value > Number.MAX_SAFE_INTEGER) return Number.MAX_SAFE_INTEGER;
    }
    return value;
  }
  const text = latin1(field, 0, field.length).replace(/[\0 ]+$/u, '').replace(/^ +/u, '');
  if (text === '') return 0;
  return /^[0-7]{1,12}$/u.test(text) ? Number.parseInt(text, 8) : undefined;
}

/** Unsigned sum (POSIX) or signed sum (old Sun tar) of the header, the checksum field counted as spaces. */
export function checksumOk(header: Uint8Array): boolean {
  const stored = readNumber(header.subarray(148, 156));
  if (stored === undefined) return false;
  let unsigned = 0;
  let signed = 0;
  for (let i = 0; i < BLOCK; i++) {
    const b = i >= 148 && i < 156 ? 0x20 : (header[i] ?? 0);
    unsigned += b;
    signed += b > 127 ? b - 256 : b;
  }
  return stored === unsigned || stored === signed;
}

function findHeader(content: Uint8Array, from: number): number | undefined {
  for (let o = from; o + BLOCK <= content.length; o += BLOCK) {
    const block = content.subarray(o, o + BLOCK);
    if (!isZero(block) && checksumOk(block)) return o;
  }
  return undefined;
}

function findAfterEnd(content: Uint8Array, from: number): { header?: number; garbage: boolean } {
  for (let o = from; o < content.length; o += BLOCK) {
    const block = content.subarray(o, Math.min(o + BLOCK, content.length));
    if (isZero(block)) continue;
    if (block.length === BLOCK && checksumOk(block)) return { header: o, garbage: false };
    const header = findHeader(content, o + BLOCK);
    return header === undefined ? { garbage: true } : { header, garbage: true };
  }
  return { garbage: false };
}

function isZero(block: Uint8Array): boolean {
  for (const b of block) if (b !== 0) return false;
  return true;
}

function cString(bytes: Uint8Array, start: number, end: number): string {
  const field = bytes.subarray(start, end);
  const nul = field.indexOf(0);
  return decodeName(nul === -1 ? field : field.subarray(0, nul));
}

// Names are UTF-8 in practice (and in pax); bytes that are not valid UTF-8 are kept visible as Latin-1.
function decodeName(bytes: Uint8Array): string {
  try {
    return UTF8.decode(bytes);
  } catch {
    return latin1(bytes, 0, bytes.length);
  }
}

function latin1(bytes: Uint8Array, start: number, end: number): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('latin1', start, end);
}
