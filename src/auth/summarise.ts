/**
 * Turns what mailauth returns into Moat's SenderAuthResult parts and
 * findings. mailauth's result shapes are typed loosely (and some fields are
 * absent from its typings), so every value is read through a narrowing
 * helper here, once, and nothing past this file sees mailauth's types.
 */
import { domainToASCII } from 'node:url';
import type { AuthenticateResult } from 'mailauth';
import { escapeForDisplay, type Finding } from '../core/index.js';
import { buildAuthFinding, type AuthSymbol } from './findings.js';
import type {
  AlignmentMode,
  ArcOutcome,
  DkimOutcome,
  DkimResultCode,
  DmarcOutcome,
  DmarcPolicy,
  SpfOutcome,
  SpfResultCode,
} from './types.js';

/** One DKIM-Signature field as found in the header block, before verification. */
export interface ScannedSignature {
  readonly domain: string;
  readonly selector: string;
  /** b= with white space removed, to match mailauth's result for the same field. */
  readonly b: string;
  /** Set when the field is malformed (RFC 6376 §6.1.1): it is a permerror whatever mailauth did with it. */
  readonly malformed?: string;
  /** Not given to mailauth: past `maxSignatures`. */
  readonly skipped?: boolean;
}

function field(value: unknown, key: string): unknown {
  return typeof value === 'object' && value !== null ? (value as Record<string, unknown>)[key] : undefined;
}

function text(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

const SPF_RESULTS: ReadonlySet<string> = new Set(['pass', 'fail', 'softfail', 'neutral', 'none', 'temperror', 'permerror']);

/** SPF outcome from mailauth's `spf` result (`false` when no client IP was given). */
export function summariseSpf(spf: AuthenticateResult['spf'], fallbackDomain: string): SpfOutcome {
  if (spf === false) return { result: 'none', domain: fallbackDomain };
  const raw = spf.status.result === 'temperr' ? 'temperror' : spf.status.result;
  const result: SpfResultCode = SPF_RESULTS.has(raw) ? (raw as SpfResultCode) : 'temperror';
  const explanation = text(spf.status.comment);
  return explanation === undefined ? { result, domain: spf.domain } : { result, domain: spf.domain, explanation };
}

// mailauth reports these as `neutral`; RFC 6376 §6.1 makes them a failed signature.
const FAILED_COMMENTS: ReadonlySet<string> = new Set(['body hash did not verify', 'bad signature', 'expired', 'invalid expiration']);

function dkimCode(result: string, comment: string | undefined): DkimResultCode {
  switch (result) {
    case 'pass':
    case 'fail':
    case 'temperror':
    case 'policy':
      return result;
    case 'temperr':
      return 'temperror';
    default:
      // Other neutral results: no key, a revoked or unusable key, a verify error (RFC 6376 §6.1.2: PERMFAIL).
      return comment !== undefined && FAILED_COMMENTS.has(comment) ? 'fail' : 'permerror';
  }
}

/** Strict: the same name; relaxed: mailauth's organizational-domain match (it applies the public suffix list). */
function isAligned(signing: string, from: string, mode: AlignmentMode, relaxedByLibrary: boolean): boolean {
  if (signing === '' || from === '') return false;
  if (mode === 'strict') return signing === from;
  return relaxedByLibrary || signing === from;
}

/**
 * Every DKIM-Signature, in header order, joined with mailauth's verification
 * of it (matched by b=). Malformed and skipped fields get their own result.
 */
export function summariseDkim(
  scanned: readonly ScannedSignature[],
  verified: AuthenticateResult['dkim']['results'],
  fromDomain: string,
  mode: AlignmentMode,
): DkimOutcome[] {
  const byB = new Map<string, (typeof verified)[number][]>();
  for (const result of verified) {
    const b = (text(field(result, 'signature')) ?? '').replace(/\s+/g, '');
    if (b === '' || text(result.signingDomain) === undefined) continue;
    byB.set(b, [...(byB.get(b) ?? []), result]);
  }
  return scanned.map((sig): DkimOutcome => {
    const base = { domain: sig.domain, selector: sig.selector };
    const alignedDomain = isAligned(sig.domain, fromDomain, mode, false);
    if (sig.malformed !== undefined) return { ...base, result: 'permerror', aligned: alignedDomain, reason: `malformed: ${sig.malformed}` };
    if (sig.skipped === true) return { ...base, result: 'neutral', aligned: alignedDomain, reason: 'not verified: too many signatures' };
    const match = byB.get(sig.b)?.shift();
    if (match === undefined) return { ...base, result: 'permerror', aligned: alignedDomain, reason: 'not verifiable' };
    const comment = text(match.status.comment);
    const result = dkimCode(match.status.result, comment);
    const aligned = isAligned(sig.domain, fromDomain, mode, Boolean(match.status.aligned));
    const reason = result === 'policy' ? 'weak key' : comment;
    return reason === undefined || result === 'pass' ? { ...base, result, aligned } : { ...base, result, aligned, reason };
  });
}

function policyOf(value: unknown): DmarcPolicy {
  const lower = (text(value) ?? '').trim().toLowerCase();
  // RFC 7489 §6.6.3: an unknown p= is treated as if there were no usable policy.
  return lower === 'reject' || lower === 'quarantine' ? lower : 'none';
}

/** DMARC outcome; `headerFrom` is every address of every From field. */
export function summariseDmarc(dmarc: AuthenticateResult['dmarc'], headerFrom: readonly string[]): DmarcOutcome {
  const fromDomain = domainOf(headerFrom[0] ?? '');
  const noAlignment = {
    spf: { mode: 'relaxed', aligned: false },
    dkim: { mode: 'relaxed', aligned: false },
  } as const;
  if (dmarc === false) {
    // mailauth skips DMARC unless there is exactly one From address (RFC 7489 §6.6.1).
    const result = headerFrom.length === 1 ? 'none' : 'permerror';
    return { result, policy: 'none', domain: fromDomain, percent: 100, alignment: noAlignment };
  }
  const raw = dmarc.status.result;
  const result = raw === 'pass' || raw === 'fail' || raw === 'none' ? raw : raw === 'permerror' ? 'permerror' : 'temperror';
  const alignment = field(dmarc, 'alignment');
  const side = (name: string): { mode: AlignmentMode; aligned: boolean } => {
    const value = field(alignment, name);
    return { mode: field(value, 'strict') === true ? 'strict' : 'relaxed', aligned: Boolean(text(field(value, 'result'))) };
  };
  const pct = field(dmarc, 'pct');
  return {
    result,
    policy: policyOf(field(dmarc, 'policy')),
    domain: fromDomain,
    percent: typeof pct === 'number' && pct >= 0 && pct <= 100 ? pct : 100,
    alignment: alignment === undefined ? noAlignment : { spf: side('spf'), dkim: side('dkim') },
  };
}

export function summariseArc(arc: AuthenticateResult['arc']): ArcOutcome {
  if (arc === false) return { result: 'none', instance: 0 };
  const result = arc.status.result === 'pass' || arc.status.result === 'fail' ? arc.status.result : 'none';
  const instance = typeof arc.i === 'number' ? arc.i : Number.parseInt(String(arc.i), 10) || 0;
  if (result !== 'pass') return { result, instance };
  const sealer = text(field(arc.signature, 'signingDomain'))?.toLowerCase();
  const upstreamDmarc = text(field(field(arc.authenticationResults, 'dmarc'), 'result'))?.toLowerCase();
  return {
    result,
    instance,
    ...(sealer === undefined ? {} : { sealer }),
    ...(upstreamDmarc === undefined ? {} : { upstreamDmarc }),
  };
}

/** The domain part of an address, lower-case, IDNs in A-label form ('' without one). */
export function domainOf(address: string): string {
  const at = address.lastIndexOf('@');
  if (at < 0) return '';
  const domain = address.slice(at + 1).trim().toLowerCase().replace(/\.$/, '');
  return domainToASCII(domain) || domain;
}

/**
 * Strict alignment (RFC 7489 §3.1: aspf=s / adkim=s wants the exact From
 * domain). mailauth 4.13.3 falls back to organizational-domain matching
 * even in strict mode, so a DMARC pass is re-checked here and becomes a
 * fail when only a relaxed match carried it. Relaxed mode is left to
 * mailauth, which applies the public suffix list.
 */
export function enforceStrictAlignment(dmarc: DmarcOutcome, spf: SpfOutcome, dkim: readonly DkimOutcome[]): DmarcOutcome {
  const { spf: spfSide, dkim: dkimSide } = dmarc.alignment;
  if (spfSide.mode === 'relaxed' && dkimSide.mode === 'relaxed') return dmarc;
  const spfAligned = spfSide.mode === 'strict' ? spf.result === 'pass' && spf.domain.toLowerCase() === dmarc.domain : spfSide.aligned;
  const dkimAligned =
    dkimSide.mode === 'strict' ? dkim.some((d) => d.result === 'pass' && d.domain === dmarc.domain) : dkimSide.aligned;
  const alignment = { spf: { mode: spfSide.mode, aligned: spfAligned }, dkim: { mode: dkimSide.mode, aligned: dkimAligned } };
  const result = dmarc.result === 'pass' && !spfAligned && !dkimAligned ? 'fail' : dmarc.result;
  return { ...dmarc, result, alignment };
}

/**
 * RFC 7489 §7.2 lets a receiver override a DMARC failure by local policy; RFC
 * 8617 §7.2 names the case: a validated ARC chain whose newest sealer we
 * trust says the message passed DMARC before it was forwarded.
 */
export function applyArcOverride(dmarc: DmarcOutcome, arc: ArcOutcome, trustedSealers: readonly string[]): DmarcOutcome {
  if (dmarc.result !== 'fail' || arc.result !== 'pass' || arc.sealer === undefined || arc.upstreamDmarc !== 'pass') return dmarc;
  const sealer = arc.sealer;
  if (!trustedSealers.some((trusted) => trusted.toLowerCase().replace(/\.$/, '') === sealer)) return dmarc;
  return { ...dmarc, arcOverride: sealer };
}

const SPF_SYMBOL: Readonly<Record<SpfResultCode, AuthSymbol>> = {
  pass: 'SPF_PASS',
  fail: 'SPF_FAIL',
  softfail: 'SPF_SOFTFAIL',
  neutral: 'SPF_NEUTRAL',
  none: 'SPF_NONE',
  temperror: 'SPF_TEMPERROR',
  permerror: 'SPF_PERMERROR',
};

const DKIM_SYMBOL: Readonly<Record<DkimResultCode, AuthSymbol | undefined>> = {
  pass: 'DKIM_VALID',
  fail: 'DKIM_INVALID',
  temperror: 'DKIM_TEMPERROR',
  permerror: 'DKIM_PERMERROR',
  policy: 'DKIM_PERMERROR',
  // Only signatures past maxSignatures are neutral; DKIM_TOO_MANY reports them.
  neutral: undefined,
};

const DMARC_FAIL_SYMBOL: Readonly<Record<DmarcPolicy, AuthSymbol>> = {
  reject: 'DMARC_FAIL_REJECT',
  quarantine: 'DMARC_FAIL_QUARANTINE',
  none: 'DMARC_FAIL_NONE',
};

// A detail lists at most this many signatures; the rest are counted.
const MAX_LISTED = 5;

function listSignatures(outcomes: readonly DkimOutcome[]): string {
  const shown = outcomes.slice(0, MAX_LISTED).map((o) => {
    const why = o.reason === undefined ? '' : ` (${o.reason})`;
    return `d=${escapeForDisplay(o.domain, 100)} s=${escapeForDisplay(o.selector, 64)}${escapeForDisplay(why, 120)}`;
  });
  const more = outcomes.length > MAX_LISTED ? `; and ${outcomes.length - MAX_LISTED} more` : '';
  return `${shown.join('; ')}${more}`;
}

export interface FindingsInput {
  readonly spf: SpfOutcome;
  readonly clientIp: string;
  readonly dkim: readonly DkimOutcome[];
  readonly dmarc: DmarcOutcome;
  readonly arc: ArcOutcome;
  /** Why results are temporary failures for the whole message (deadline passed), if they are. */
  readonly deadline?: string;
}

/** The findings for one message's results: at most one per symbol. */
export function buildFindings(input: FindingsInput): Finding[] {
  const findings: Finding[] = [];
  const suffix = input.deadline === undefined ? '' : ` (${input.deadline})`;
  const spfWhy = input.spf.explanation === undefined || input.spf.result === 'pass' ? '' : `: ${escapeForDisplay(input.spf.explanation, 200)}`;
  findings.push(
    buildAuthFinding(
      SPF_SYMBOL[input.spf.result],
      `spf=${input.spf.result} for ${escapeForDisplay(input.spf.domain, 100)} from ${escapeForDisplay(input.clientIp, 64)}${spfWhy}${suffix}`,
    ),
  );
  const grouped = new Map<AuthSymbol, DkimOutcome[]>();
  for (const outcome of input.dkim) {
    const symbol = DKIM_SYMBOL[outcome.result];
    if (symbol !== undefined) grouped.set(symbol, [...(grouped.get(symbol) ?? []), outcome]);
  }
  for (const [symbol, outcomes] of grouped) findings.push(buildAuthFinding(symbol, `${listSignatures(outcomes)}${suffix}`));
  const from = escapeForDisplay(input.dmarc.domain, 100);
  const policy = `p=${input.dmarc.policy}${input.dmarc.percent < 100 ? ` pct=${input.dmarc.percent}` : ''}`;
  switch (input.dmarc.result) {
    case 'pass':
      findings.push(buildAuthFinding('DMARC_PASS', `dmarc=pass for ${from} (${policy})`));
      break;
    case 'fail':
      findings.push(
        input.dmarc.arcOverride === undefined
          ? buildAuthFinding(DMARC_FAIL_SYMBOL[input.dmarc.policy], `dmarc=fail for ${from} (${policy}): neither SPF nor DKIM aligned with a pass`)
          : buildAuthFinding(
              'DMARC_ARC_OVERRIDE',
              `dmarc=fail for ${from} (${policy}), but trusted ARC sealer ${escapeForDisplay(input.dmarc.arcOverride, 100)} saw dmarc=pass upstream`,
            ),
      );
      break;
    case 'temperror':
      findings.push(buildAuthFinding('DMARC_TEMPERROR', `dmarc=temperror for ${from}: the policy record could not be fetched${suffix}`));
      break;
    case 'permerror':
      findings.push(buildAuthFinding('DMARC_PERMERROR', 'dmarc=permerror: the From header does not carry exactly one address'));
      break;
    case 'none':
      break;
  }
  if (input.arc.result === 'pass') {
    const sealer = input.arc.sealer === undefined ? '' : ` sealed by ${escapeForDisplay(input.arc.sealer, 100)}`;
    findings.push(buildAuthFinding('ARC_PASS', `arc=pass i=${input.arc.instance}${sealer}`));
  } else if (input.arc.result === 'fail') {
    findings.push(buildAuthFinding('ARC_FAIL', `arc=fail i=${input.arc.instance}: the ARC chain does not validate`));
  }
  return findings;
}
