/**
 * The parts of an Excel BIFF5/BIFF8 Workbook stream ([MS-XLS]) that carry
 * attacks: FORMAT records (number formats, CVE-2023-7101), BOUNDSHEET
 * records (Excel 4.0 macro sheets and their hidden state), NAME records
 * (Auto_Open), BOF records of macro substreams, and FILEPASS (encryption,
 * after which nothing can be read). A record walk bounded by the stream's
 * real length; declared lengths are checked against it.
 */
import type { Buffer } from 'node:buffer';

// Record types ([MS-XLS] 2.3).
const BOF = 0x0809;
const FORMAT = 0x041e;
const BOUNDSHEET = 0x0085;
const NAME = 0x0018;
const FILEPASS = 0x002f;
const CONTINUE = 0x003c;
// BOF dt: an Excel 4.0 macro sheet substream.
const BOF_MACRO_SHEET = 0x0040;

export type SheetType = 'worksheet' | 'macro' | 'chart' | 'vba' | 'other';
export type SheetState = 'visible' | 'hidden' | 'very-hidden';

export interface BiffSheet {
  readonly name: string;
  readonly type: SheetType;
  readonly state: SheetState;
}

export interface BiffWorkbook {
  readonly formats: readonly string[];
  readonly sheets: readonly BiffSheet[];
  /** Defined names that Excel runs on open or close (Auto_Open, built-in or spelled out). */
  readonly autoExecNames: readonly string[];
  /** A BOF record introduced an Excel 4.0 macro sheet substream. */
  readonly macroSubstream: boolean;
  readonly encrypted: boolean;
  /** A record's declared length ran past the stream end. */
  readonly truncated: boolean;
}

const SHEET_TYPES: Readonly<Record<number, SheetType>> = { 0: 'worksheet', 1: 'macro', 2: 'chart', 6: 'vba' };
const SHEET_STATES: readonly SheetState[] = ['visible', 'hidden', 'very-hidden', 'very-hidden'];
// Built-in name codes Excel runs: 0x01 Auto_Open, 0x02 Auto_Close ([MS-XLS] 2.4.150 Lbl, built-in names).
const BUILTIN_AUTOEXEC: Readonly<Record<number, string>> = { 1: 'Auto_Open', 2: 'Auto_Close' };
// Excel runs any defined name that starts with these, whatever follows (Auto_Open1, auto_openXYZ).
const AUTOEXEC_PREFIXES = ['auto_open', 'auto_close', 'auto_activate', 'auto_deactivate'];
// Cap the lists kept for findings; the walk itself continues.
const MAX_KEPT = 1000;

/** Parses the attack-relevant records of a Workbook stream. Never throws on malformed input. */
export function parseWorkbookStream(stream: Buffer): BiffWorkbook {
  const formats: string[] = [];
  const sheets: BiffSheet[] = [];
  const autoExecNames: string[] = [];
  let biff8 = true;
  let sawBof = false;
  let macroSubstream = false;
  let encrypted = false;
  let truncated = false;
  let pos = 0;
  while (pos + 4 <= stream.length) {
    const type = stream.readUInt16LE(pos);
    const length = stream.readUInt16LE(pos + 2);
    const start = pos + 4;
    const end = start + length;
    if (end > stream.length) {
      truncated = true;
      break;
    }
    const data = stream.subarray(start, end);
    pos = end;
    if (type === BOF && data.length >= 4) {
      if (!sawBof) biff8 = data.readUInt16LE(0) === 0x0600;
      sawBof = true;
      if (data.readUInt16LE(2) === BOF_MACRO_SHEET) macroSubstream = true;
    } else if (type === FILEPASS) {
      // Everything after FILEPASS is RC4/XOR encrypted: the formats and sheets below it are unreadable.
      encrypted = true;
      break;
    } else if (type === FORMAT && formats.length < MAX_KEPT) {
      // A format string may spill into CONTINUE records that follow.
      const extra: Buffer[] = [];
      while (pos + 4 <= stream.length && stream.readUInt16LE(pos) === CONTINUE) {
        const cl = stream.readUInt16LE(pos + 2);
        if (pos + 4 + cl > stream.length) break;
        extra.push(stream.subarray(pos + 4, pos + 4 + cl));
        pos += 4 + cl;
      }
      const text = biff8 ? readFormatBiff8(data, extra) : readByteString(data, 2, 1);
      if (text !== undefined) formats.push(text);
    } else if (type === BOUNDSHEET && data.length >= 7 && sheets.length < MAX_KEPT) {
      const state = SHEET_STATES[(data[4] ?? 0) & 0x03] ?? 'visible';
      const sheetType = SHEET_TYPES[data[5] ?? 0xff] ?? 'other';
      const name = biff8 ? readShortUnicode(data, 6) : readByteString(data, 6, 1);
      sheets.push({ name: name ?? '', type: sheetType, state });
    } else if (type === NAME && data.length >= 15 && autoExecNames.length < MAX_KEPT) {
      const name = readNameRecord(data, biff8);
      if (name !== undefined) autoExecNames.push(name);
    }
  }
  return { formats, sheets, autoExecNames, macroSubstream, encrypted, truncated };
}

/** FORMAT (BIFF8): ifmt (2) then XLUnicodeString: cch (2), flags (1), characters; CONTINUE parts restart with a flags byte. */
function readFormatBiff8(data: Buffer, continues: readonly Buffer[]): string | undefined {
  if (data.length < 5) return undefined;
  let remaining = data.readUInt16LE(2);
  let text = '';
  let part: Buffer = data.subarray(4);
  const parts = [...continues];
  while (remaining > 0) {
    const high = ((part[0] ?? 0) & 0x01) === 1;
    const bytes = part.subarray(1);
    const chars = Math.min(remaining, high ? Math.floor(bytes.length / 2) : bytes.length);
    text += high ? bytes.toString('utf16le', 0, chars * 2) : bytes.toString('latin1', 0, chars);
    remaining -= chars;
    const next = parts.shift();
    if (next === undefined) break;
    part = next;
  }
  return text;
}

/** ShortXLUnicodeString: cch (1), flags (1), characters. */
function readShortUnicode(data: Buffer, at: number): string | undefined {
  const cch = data[at];
  if (cch === undefined || at + 2 > data.length) return undefined;
  const high = ((data[at + 1] ?? 0) & 0x01) === 1;
  return high ? data.toString('utf16le', at + 2, Math.min(data.length, at + 2 + cch * 2)) : data.toString('latin1', at + 2, Math.min(data.length, at + 2 + cch));
}

/** BIFF5 strings: a length of `lengthBytes` bytes, then 8-bit characters. */
function readByteString(data: Buffer, at: number, lengthBytes: 1 | 2): string | undefined {
  if (at + lengthBytes > data.length) return undefined;
  const cch = lengthBytes === 1 ? (data[at] ?? 0) : data.readUInt16LE(at);
  return data.toString('latin1', at + lengthBytes, Math.min(data.length, at + lengthBytes + cch));
}

/** NAME/Lbl: returns the name when Excel runs it on open or close, else undefined. */
function readNameRecord(data: Buffer, biff8: boolean): string | undefined {
  const builtin = (data.readUInt16LE(0) & 0x0020) !== 0;
  const cch = data[3] ?? 0;
  // Lbl header is 14 bytes; BIFF8 adds a flags byte before the characters (XLUnicodeStringNoCch).
  let name: string;
  if (biff8) {
    const high = ((data[14] ?? 0) & 0x01) === 1;
    name = high ? data.toString('utf16le', 15, Math.min(data.length, 15 + cch * 2)) : data.toString('latin1', 15, Math.min(data.length, 15 + cch));
  } else {
    name = data.toString('latin1', 14, Math.min(data.length, 14 + cch));
  }
  if (builtin && name.length >= 1) {
    const label = BUILTIN_AUTOEXEC[name.charCodeAt(0)];
    if (label !== undefined) return label;
  }
  const lower = name.toLowerCase();
  return AUTOEXEC_PREFIXES.some((p) => lower.startsWith(p)) ? name : undefined;
}
