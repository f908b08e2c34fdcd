/**
 * PDF stream filters, bounded: every decoded byte is charged to the
 * message's expansion budget before (or, for zlib, as) it is produced.
 */
import { Buffer } from 'node:buffer';
import { constants, inflateSync } from 'node:zlib';
import { BudgetExceededError } from '../../dissect/budget.js';
import type { ExpansionBudget } from '../../dissect/budget.js';
import { hexValue } from './parse-objects.js';

export type DecodeOutcome =
  | { readonly ok: true; readonly data: Buffer }
  | { readonly ok: false; readonly reason: string };

// A longer chain has no legitimate use; it only stacks work and hides content.
const MAX_FILTERS = 6;

/** Applies `filters` in order to `raw`. Throws BudgetExceededError past the budget; other failures are outcomes. */
export function decodeStream(raw: Buffer, filters: readonly string[], budget: ExpansionBudget): DecodeOutcome {
  if (filters.length > MAX_FILTERS) return { ok: false, reason: `${filters.length} chained filters` };
  let data = raw;
  for (const filter of filters) {
    const cap = Math.min(budget.remainingBytes(), budget.limits.maxMemberBytes);
    let out: Buffer | string;
    switch (filter) {
      case 'FlateDecode':
      case 'Fl':
        out = inflate(data, cap, raw.length, budget);
        break;
      case 'ASCIIHexDecode':
      case 'AHx':
        out = decodeAsciiHex(data, cap, raw.length, budget);
        break;
      case 'ASCII85Decode':
      case 'A85':
        out = decodeAscii85(data, cap, raw.length, budget);
        break;
      case 'RunLengthDecode':
      case 'RL':
        out = decodeRunLength(data, cap, raw.length, budget);
        break;
      default:
        return { ok: false, reason: `unsupported filter ${filter.slice(0, 32)}` };
    }
    if (typeof out === 'string') return { ok: false, reason: out };
    budget.chargeBytes(out.length);
    budget.checkMember(raw.length, out.length);
    data = out;
  }
  return { ok: true, data };
}

/** Throws the budget error that output beyond `cap` bytes breaks. */
function breach(budget: ExpansionBudget, compressed: number, cap: number): never {
  budget.checkMember(compressed, cap + 1);
  budget.chargeBytes(cap + 1);
  throw new BudgetExceededError('bytes', `a decoded PDF stream exceeds ${cap} bytes`);
}

function inflate(data: Buffer, cap: number, compressed: number, budget: ExpansionBudget): Buffer | string {
  try {
    // SYNC_FLUSH returns what a truncated stream holds instead of throwing (readers are that lenient too).
    return inflateSync(data, { maxOutputLength: cap + 1, finishFlush: constants.Z_SYNC_FLUSH });
  } catch (err) {
    if (err instanceof RangeError && 'code' in err && err.code === 'ERR_BUFFER_TOO_LARGE') breach(budget, compressed, cap);
    return `FlateDecode failed (${err instanceof Error ? err.message.slice(0, 60) : 'error'})`;
  }
}

function decodeAsciiHex(data: Buffer, cap: number, compressed: number, budget: ExpansionBudget): Buffer {
  const size = Math.ceil(data.length / 2);
  if (size > cap) breach(budget, compressed, cap);
  const out = Buffer.allocUnsafe(size);
  let n = 0;
  let high = -1;
  for (const byte of data) {
    if (byte === 0x3e) break;
    const v = hexValue(byte);
    if (v < 0) continue;
    if (high < 0) {
      high = v;
    } else {
      out[n++] = (high << 4) | v;
      high = -1;
    }
  }
  if (high >= 0) out[n++] = high << 4;
  return out.subarray(0, n);
}

function decodeAscii85(data: Buffer, cap: number, compressed: number, budget: ExpansionBudget): Buffer | string {
  // First pass: exact output size (`z` expands one character to four bytes).
  let size = 0;
  let group = 0;
  for (let k = 0; k < data.length; k++) {
    const byte = data[k] ?? 0;
    if (byte === 0x7e) break;
    if (byte === 0x7a && group === 0) size += 4;
    else if (byte >= 0x21 && byte <= 0x75) {
      if (++group === 5) {
        size += 4;
        group = 0;
      }
    }
  }
  if (group === 1) return 'ASCII85Decode: stray final character';
  if (group > 1) size += group - 1;
  if (size > cap) breach(budget, compressed, cap);
  const out = Buffer.alloc(size);
  let n = 0;
  let value = 0;
  group = 0;
  for (let k = 0; k < data.length; k++) {
    const byte = data[k] ?? 0;
    if (byte === 0x7e) break;
    if (byte === 0x7a && group === 0) {
      n += 4;
      continue;
    }
    if (byte < 0x21 || byte > 0x75) continue;
    value = value * 85 + (byte - 0x21);
    if (++group === 5) {
      out.writeUInt32BE(value >>> 0, n);
      n += 4;
      value = 0;
      group = 0;
    }
  }
  if (group > 1) {
    for (let pad = group; pad < 5; pad++) value = value * 85 + 84;
    const bytes = [(value >>> 24) & 0xff, (value >>> 16) & 0xff, (value >>> 8) & 0xff, value & 0xff];
    for (let b = 0; b < group - 1; b++) out[n++] = bytes[b] ?? 0;
  }
  return out.subarray(0, n);
}

function decodeRunLength(data: Buffer, cap: number, compressed: number, budget: ExpansionBudget): Buffer {
  // First pass: exact size, so a 2-byte run of 128 copies is charged before it is written.
  let size = 0;
  for (let k = 0; k < data.length; ) {
    const length = data[k] ?? 128;
    if (length === 128) break;
    if (length < 128) {
      const copy = Math.min(length + 1, data.length - k - 1);
      size += copy;
      k += length + 2;
    } else {
      if (k + 1 >= data.length) break;
      size += 257 - length;
      k += 2;
    }
  }
  if (size > cap) breach(budget, compressed, cap);
  const out = Buffer.alloc(size);
  let n = 0;
  for (let k = 0; k < data.length; ) {
    const length = data[k] ?? 128;
    if (length === 128) break;
    if (length < 128) {
      const copy = Math.min(length + 1, data.length - k - 1);
      data.copy(out, n, k + 1, k + 1 + copy);
      n += copy;
      k += length + 2;
    } else {
      if (k + 1 >= data.length) break;
      out.fill(data[k + 1] ?? 0, n, n + 257 - length);
      n += 257 - length;
      k += 2;
    }
  }
  return out;
}
