/**
 * The result of authenticating one message: serialisable, readonly data
 * that travels to policy, the message log and the API.
 */
import type { Finding } from '../core/index.js';

export type SpfResultCode = 'pass' | 'fail' | 'softfail' | 'neutral' | 'none' | 'temperror' | 'permerror';
export type DkimResultCode = 'pass' | 'fail' | 'neutral' | 'policy' | 'temperror' | 'permerror';
export type DmarcResultCode = 'pass' | 'fail' | 'none' | 'temperror' | 'permerror';
export type ArcResultCode = 'pass' | 'fail' | 'none';
export type DmarcPolicy = 'none' | 'quarantine' | 'reject';
export type AlignmentMode = 'relaxed' | 'strict';

export interface SpfOutcome {
  readonly result: SpfResultCode;
  /** Domain checked: the MAIL FROM domain, or the HELO name for a null sender. */
  readonly domain: string;
  /** mailauth's explanation of the result (from the gateway, never the sender's exp= text). */
  readonly explanation?: string;
}

export interface DkimOutcome {
  readonly domain: string;
  readonly selector: string;
  readonly result: DkimResultCode;
  /** d= aligns with the From domain, in the mode the From domain's DMARC record asks (relaxed without one). */
  readonly aligned: boolean;
  /** Why it did not pass, when it did not. */
  readonly reason?: string;
}

export interface DmarcOutcome {
  readonly result: DmarcResultCode;
  /** The policy that applies to this From domain (sp= for a subdomain under an organizational record). */
  readonly policy: DmarcPolicy;
  /** The From domain (RFC5322.From). */
  readonly domain: string;
  /** pct= of the record (RFC 7489 §6.3), 100 when absent. */
  readonly percent: number;
  readonly alignment: {
    readonly spf: { readonly mode: AlignmentMode; readonly aligned: boolean };
    readonly dkim: { readonly mode: AlignmentMode; readonly aligned: boolean };
  };
  /** Set when a trusted ARC sealer's results overrode a failure (RFC 7489 §7.2 local policy). */
  readonly arcOverride?: string;
}

export interface ArcOutcome {
  readonly result: ArcResultCode;
  /** i= of the newest ARC set, 0 without a chain. */
  readonly instance: number;
  /** d= of the newest ARC-Message-Signature when the chain validated. */
  readonly sealer?: string;
  /** What the newest sealer recorded for DMARC upstream (its ARC-Authentication-Results), when the chain validated. */
  readonly upstreamDmarc?: string;
}

export interface SenderAuthResult {
  readonly spf: SpfOutcome;
  /** Every DKIM-Signature field, in header order (malformed ones too). */
  readonly dkim: readonly DkimOutcome[];
  readonly dmarc: DmarcOutcome;
  readonly arc: ArcOutcome;
  /** `Authentication-Results: <authservId>; ...` folded, CRLF-terminated, to prepend on relay. */
  readonly authResultsHeader: string;
  /** ARC-Seal, ARC-Message-Signature, ARC-Authentication-Results (CRLF-terminated) to prepend on relay, when sealing is configured. */
  readonly arcHeaders?: string;
  readonly findings: readonly Finding[];
}
