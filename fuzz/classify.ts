/**
 * What counts as a fuzzing failure: the pipeline's own crash and timeout
 * findings, any `<ENGINE>_FAIL` (an engine or dissector threw on input it
 * should have turned into a finding), or an exception out of the harness.
 */
import type { Finding } from '../src/core/index.js';

export type Outcome = { readonly kind: 'ok' } | { readonly kind: 'crash'; readonly reason: string } | { readonly kind: 'timeout'; readonly reason: string };

/** Classifies the findings of one execution. */
export function classifyFindings(findings: readonly Finding[]): Outcome {
  const timeout = findings.find((f) => f.symbol === 'ANALYSIS_TIMEOUT');
  if (timeout !== undefined) return { kind: 'timeout', reason: timeout.detail };
  const crash = findings.find((f) => f.symbol === 'ANALYSIS_CRASH' || f.symbol.endsWith('_FAIL'));
  if (crash !== undefined) return { kind: 'crash', reason: `${crash.symbol}: ${crash.detail}` };
  return { kind: 'ok' };
}
