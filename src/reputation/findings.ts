/**
 * Reputation findings as data. Fixed symbols are in the table; a listing
 * reports one symbol per configured zone (`RBL_<SYMBOL>`, `RHSBL_<SYMBOL>`)
 * scored by the zone's weight, so an operator scores or overrides each list
 * by its own symbol and a verdict names the list that fired. Failures to ask
 * carry no score: they are outages, not evidence, and never block by
 * themselves (their symbols do not end in `_FAIL`/`_UNAVAILABLE`, which
 * policy would force to its engine-failure action).
 */
import type { Finding, Severity } from '../core/index.js';

export const REPUTATION_ENGINE_NAME = 'reputation';

export const REPUTATION_FINDINGS = {
  // A DNSBL (ip zone) could not be asked: SERVFAIL, timeout, deadline, or an answer that means the list refused us.
  RBL_TEMPERROR: { score: 0, severity: 'info' },
  // An RHSBL (domain zone) could not be asked, as above.
  RHSBL_TEMPERROR: { score: 0, severity: 'info' },
  // The client address has no PTR record (or only names that are not host names).
  RDNS_NONE: { score: 1, severity: 'low' },
  // No PTR name of the client resolves back to its address (forward-confirmed reverse DNS failed).
  RDNS_MISMATCH: { score: 1, severity: 'low' },
  // Reverse or forward lookups failed (SERVFAIL, timeout): nothing is known.
  RDNS_TEMPERROR: { score: 0, severity: 'info' },
} as const satisfies Readonly<Record<string, { readonly score: number; readonly severity: Severity }>>;

export type ReputationSymbol = keyof typeof REPUTATION_FINDINGS;

/** A message-level reputation finding from the table; `detail` must already be escaped. */
export function buildReputationFinding(symbol: ReputationSymbol, detail: string): Finding {
  const { score, severity } = REPUTATION_FINDINGS[symbol];
  return { engine: REPUTATION_ENGINE_NAME, symbol, score, severity, detail };
}

/** Severity of a listing, from its weight: a listing scores, it never forces an action (never `critical`). */
function listingSeverity(weight: number): Severity {
  if (weight >= 10) return 'high';
  if (weight >= 5) return 'medium';
  return weight > 0 ? 'low' : 'info';
}

/** The finding of one configured zone that listed the client or a domain. */
export function buildListingFinding(prefix: 'RBL' | 'RHSBL', symbol: string, weight: number, detail: string): Finding {
  return { engine: REPUTATION_ENGINE_NAME, symbol: `${prefix}_${symbol}`, score: weight, severity: listingSeverity(weight), detail };
}
