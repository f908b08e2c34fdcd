/**
 * Sender-authentication findings, as data (policy may override a score per
 * symbol; the README gives the reasoning behind each value). Scores follow
 * rspamd's grain on Moat's scale (tag 5, quarantine 15, reject 40): an
 * authentication result on its own is weak evidence of spam or phishing,
 * so only DMARC failures under a published enforcing policy and forged
 * results move a message by themselves; the action for `p=reject` is set
 * by policy (`symbolActions`), not by the score.
 */
import type { Finding, Severity } from '../core/index.js';

export const AUTH_ENGINE_NAME = 'auth';

export const AUTH_FINDINGS = {
  // SPF (RFC 7208 §2.6): the client IP against the MAIL FROM (or HELO) domain's record.
  SPF_PASS: { score: -0.5, severity: 'info' },
  SPF_FAIL: { score: 2, severity: 'low' },
  SPF_SOFTFAIL: { score: 0.5, severity: 'info' },
  SPF_NEUTRAL: { score: 0, severity: 'info' },
  SPF_NONE: { score: 0, severity: 'info' },
  // DNS timed out or failed (SERVFAIL): no evidence either way.
  SPF_TEMPERROR: { score: 0, severity: 'low' },
  // A broken record, more than 10 DNS-querying terms or more than 2 void lookups (RFC 7208 §4.6.4).
  SPF_PERMERROR: { score: 0.5, severity: 'low' },
  // DKIM (RFC 6376), one finding per outcome whatever the number of signatures, so that
  // piling up signatures (good ones from throw-away domains, or bad ones) does not stack scores.
  DKIM_VALID: { score: -0.5, severity: 'info' },
  // A signature that does not verify: bad signature, body changed, expired.
  DKIM_INVALID: { score: 2, severity: 'low' },
  DKIM_TEMPERROR: { score: 0, severity: 'low' },
  // A malformed DKIM-Signature, no key published, or a key we refuse (revoked, too short).
  DKIM_PERMERROR: { score: 0.5, severity: 'low' },
  // More DKIM-Signature fields than `maxSignatures`: the extra ones were not verified.
  DKIM_TOO_MANY: { score: 2, severity: 'medium' },
  // DMARC (RFC 7489): the From domain's published policy, with alignment.
  DMARC_PASS: { score: -1, severity: 'info' },
  // Failed under p=reject: high, but the action comes from policy (symbolActions).
  DMARC_FAIL_REJECT: { score: 10, severity: 'high' },
  DMARC_FAIL_QUARANTINE: { score: 5, severity: 'medium' },
  DMARC_FAIL_NONE: { score: 0.5, severity: 'low' },
  // Failed, but a trusted ARC sealer (a forwarder or list we know) saw it pass upstream (RFC 8617 §7.2).
  DMARC_ARC_OVERRIDE: { score: 0.5, severity: 'info' },
  DMARC_TEMPERROR: { score: 0, severity: 'low' },
  // The From header does not carry exactly one address, so DMARC cannot apply (RFC 7489 §6.6.1):
  // a known way around DMARC, hence a real score.
  DMARC_PERMERROR: { score: 3, severity: 'medium' },
  // ARC (RFC 8617): the chain of intermediaries' seals.
  ARC_PASS: { score: -0.5, severity: 'info' },
  ARC_FAIL: { score: 1, severity: 'low' },
  // The message arrived carrying an Authentication-Results field in our name (RFC 8601 §5):
  // someone is trying to make a downstream filter or a mail client trust results we never gave.
  AUTH_RESULTS_FORGED: { score: 5, severity: 'high' },
  // Message or header block past the configured bound: only SPF was evaluated.
  AUTH_TOO_LARGE: { score: 5, severity: 'medium' },
  // Authentication itself failed (an exception in the library, an unreadable spool file): an outage, not evidence.
  AUTH_FAIL: { score: 0, severity: 'high' },
} as const satisfies Readonly<Record<string, { readonly score: number; readonly severity: Severity }>>;

export type AuthSymbol = keyof typeof AUTH_FINDINGS;

/** Builds one finding; `detail` must already be escaped where it quotes message data. */
export function buildAuthFinding(symbol: AuthSymbol, detail: string): Finding {
  const { score, severity } = AUTH_FINDINGS[symbol];
  return { engine: AUTH_ENGINE_NAME, symbol, score, severity, detail };
}
