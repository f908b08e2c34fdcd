/**
 * Encoded payloads inside script text: base64, hex, percent-escapes and
 * number arrays long enough to be files. Finds them (after joining string
 * concatenations, the usual way to split a blob) and decodes the largest.
 */
import { Buffer } from 'node:buffer';
import type { ExpansionBudget } from '../../dissect/budget.js';

export type EncodingKind = 'base64' | 'hex' | 'percent' | 'numbers';

export interface EncodedRun {
  readonly kind: EncodingKind;
  readonly text: string;
}

export interface EncodedSummary {
  /** Characters of encoded data across all runs. */
  readonly totalChars: number;
  readonly largest?: EncodedRun;
  /** Shannon entropy (bits per character) of the largest run. */
  readonly entropy: number;
}

// Minimum run lengths, in characters: shorter runs are identifiers, hashes and tokens, not files.
const MIN_BASE64 = 64;
const MIN_PERCENT_ESCAPES = 16;
const MIN_NUMBERS = 64;
// `"AAAA" + "BBBB"` and template pieces: joined before measuring, so splitting a blob does not hide it.
const CONCATENATION = /["'`]\s*\+\s*["'`]/g;
const ENTROPY_SAMPLE = 65_536;

/** Measures the encoded runs in `script`. */
export function summariseEncoded(script: string): EncodedSummary {
  const joined = script.replace(CONCATENATION, '');
  let totalChars = 0;
  let largest: EncodedRun | undefined;
  // Hand-written scanners: V8's regex engine overflows its stack on `{64,}` over a multi-megabyte run.
  for (const run of findRuns(joined)) {
    totalChars += run.text.length;
    if (largest === undefined || run.text.length > largest.text.length) largest = run;
  }
  return largest === undefined ? { totalChars, entropy: 0 } : { totalChars, largest, entropy: entropyOf(largest.text) };
}

/** Every base64/hex, percent-escape and number-list run long enough to be a payload. */
function findRuns(text: string): EncodedRun[] {
  const runs: EncodedRun[] = [];
  const len = text.length;
  let i = 0;
  while (i < len) {
    const code = text.charCodeAt(i);
    if (isBase64Char(code)) {
      let end = i;
      let hex = true;
      while (end < len && isBase64Char(text.charCodeAt(end))) {
        if (hex && !isHexChar(text.charCodeAt(end))) hex = false;
        end++;
      }
      const digitsOnly = /^\d{1,3}$/.test(text.slice(i, Math.min(end, i + 4)));
      if (digitsOnly && text[end] !== undefined && /[\s,]/.test(text[end] ?? '')) {
        const numbers = readNumberList(text, i);
        if (numbers.count >= MIN_NUMBERS) {
          runs.push({ kind: 'numbers', text: text.slice(i, numbers.end) });
          i = numbers.end;
          continue;
        }
      }
      let padded = end;
      while (padded < len && padded - end < 2 && text[padded] === '=') padded++;
      if (end - i >= MIN_BASE64) runs.push({ kind: hex && (end - i) % 2 === 0 ? 'hex' : 'base64', text: text.slice(i, hex ? end : padded) });
      i = padded > i ? padded : i + 1;
      continue;
    }
    if (code === 0x25) {
      let end = i;
      while (end + 2 < len && text.charCodeAt(end) === 0x25 && isHexChar(text.charCodeAt(end + 1)) && isHexChar(text.charCodeAt(end + 2))) end += 3;
      if ((end - i) / 3 >= MIN_PERCENT_ESCAPES) runs.push({ kind: 'percent', text: text.slice(i, end) });
      i = end > i ? end : i + 1;
      continue;
    }
    i++;
  }
  return runs;
}

/** Reads `12, 34 ,56` from `start`; returns the end index and the count of numbers. */
function readNumberList(text: string, start: number): { end: number; count: number } {
  let k = start;
  let count = 0;
  let end = start;
  const len = text.length;
  for (;;) {
    let digits = 0;
    while (k < len && digits < 4 && isDigit(text.charCodeAt(k))) {
      k++;
      digits++;
    }
    if (digits === 0 || digits > 3) break;
    count++;
    end = k;
    while (k < len && /\s/.test(text[k] ?? '')) k++;
    if (text[k] !== ',') break;
    k++;
    while (k < len && /\s/.test(text[k] ?? '')) k++;
  }
  return { end, count };
}

function isBase64Char(code: number): boolean {
  return (code >= 0x41 && code <= 0x5a) || (code >= 0x61 && code <= 0x7a) || isDigit(code) || code === 0x2b || code === 0x2f || code === 0x2d || code === 0x5f;
}

function isHexChar(code: number): boolean {
  return isDigit(code) || (code >= 0x41 && code <= 0x46) || (code >= 0x61 && code <= 0x66);
}

function isDigit(code: number): boolean {
  return code >= 0x30 && code <= 0x39;
}

/** Shannon entropy in bits per character. */
export function entropyOf(text: string): number {
  const sample = text.length > ENTROPY_SAMPLE ? text.slice(0, ENTROPY_SAMPLE) : text;
  const counts = new Map<string, number>();
  for (const ch of sample) counts.set(ch, (counts.get(ch) ?? 0) + 1);
  let bits = 0;
  for (const count of counts.values()) {
    const p = count / sample.length;
    bits -= p * Math.log2(p);
  }
  return bits;
}

/** Decodes a run, charging its size to the budget first. */
export function decodeRun(run: EncodedRun, budget: ExpansionBudget): Buffer {
  switch (run.kind) {
    case 'base64': {
      budget.chargeBytes(Math.ceil((run.text.length * 3) / 4));
      return Buffer.from(run.text.replace(/-/g, '+').replace(/_/g, '/'), 'base64');
    }
    case 'hex':
      budget.chargeBytes(Math.ceil(run.text.length / 2));
      return Buffer.from(run.text, 'hex');
    case 'percent':
      return decodePercent(run.text, budget);
    case 'numbers':
      return decodeNumberList(run.text, budget);
  }
}

/** Decodes `72, 101, 108` into bytes without building an array of strings. */
function decodeNumberList(text: string, budget: ExpansionBudget): Buffer {
  let count = 1;
  for (let k = 0; k < text.length; k++) if (text.charCodeAt(k) === 0x2c) count++;
  budget.chargeBytes(count);
  const out = Buffer.alloc(count);
  let n = 0;
  let value = 0;
  for (let k = 0; k < text.length; k++) {
    const code = text.charCodeAt(k);
    if (isDigit(code)) {
      value = value * 10 + (code - 0x30);
    } else if (code === 0x2c) {
      out[n++] = value & 0xff;
      value = 0;
    }
  }
  out[n++] = value & 0xff;
  return out.subarray(0, n);
}

/** Decodes `%xx` escapes (other characters pass through as latin1), charging the budget first. */
export function decodePercent(text: string, budget: ExpansionBudget): Buffer {
  budget.chargeBytes(text.length);
  const out = Buffer.allocUnsafe(text.length);
  let n = 0;
  for (let k = 0; k < text.length; k++) {
    const ch = text.charCodeAt(k);
    if (ch === 0x25 && /^[0-9a-fA-F]{2}$/.test(text.slice(k + 1, k + 3))) {
      out[n++] = Number.parseInt(text.slice(k + 1, k + 3), 16);
      k += 2;
    } else {
      out[n++] = ch & 0xff;
    }
  }
  return out.subarray(0, n);
}
