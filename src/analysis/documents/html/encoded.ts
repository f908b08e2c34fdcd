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

const RUNS: readonly { readonly kind: EncodingKind; readonly pattern: RegExp }[] = [
  { kind: 'base64', pattern: /[A-Za-z0-9+/_-]{64,}={0,2}/g },
  { kind: 'percent', pattern: /(?:%[0-9a-fA-F]{2}){16,}/g },
  { kind: 'numbers', pattern: /\b\d{1,3}(?:\s*,\s*\d{1,3}){63,}/g },
];
// `"AAAA" + "BBBB"` and template pieces: joined before measuring, so splitting a blob does not hide it.
const CONCATENATION = /["'`]\s*\+\s*["'`]/g;
const ENTROPY_SAMPLE = 65_536;

/** Measures the encoded runs in `script`. */
export function summariseEncoded(script: string): EncodedSummary {
  const joined = script.replace(CONCATENATION, '');
  let totalChars = 0;
  let largest: EncodedRun | undefined;
  for (const { kind, pattern } of RUNS) {
    for (const match of joined.matchAll(pattern)) {
      const text = match[0];
      totalChars += text.length;
      if (largest === undefined || text.length > largest.text.length) {
        largest = { kind: kind === 'base64' && /^[0-9a-fA-F]+$/.test(text) && text.length % 2 === 0 ? 'hex' : kind, text };
      }
    }
  }
  return largest === undefined ? { totalChars, entropy: 0 } : { totalChars, largest, entropy: entropyOf(largest.text) };
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
    case 'numbers': {
      const values = run.text.split(',');
      budget.chargeBytes(values.length);
      return Buffer.from(values.map((v) => Number.parseInt(v.trim(), 10) & 0xff));
    }
  }
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
