/**
 * Sender authentication for one spooled message: SPF (RFC 7208), every
 * DKIM signature (RFC 6376), DMARC with alignment and policy (RFC 7489) and
 * the ARC chain (RFC 8617), through mailauth, with our DNS resolver, under
 * one deadline. Reports results and findings; never decides. Optionally
 * produces the ARC set to prepend when the message is relayed.
 */
import { authenticate, spf as checkSpf, type AuthenticateOptions, type AuthenticateResult, type DNSResolver } from 'mailauth';
import { escapeForDisplay, type Finding } from '../core/index.js';
import type { DnsResolver } from '../dns/index.js';
import { buildAuthResultsHeader } from './auth-results-header.js';
import { AuthDeadlineError, rejectOnAbort, resolveWithDeadline } from './deadline.js';
import { buildAuthFinding } from './findings.js';
import { splitHeaderFields } from './header-fields.js';
import { openMessageStream, readHeaderBlock } from './message-input.js';
import { scanHeaderBlock, type HeaderScan } from './scan-headers.js';
import {
  applyArcOverride,
  buildFindings,
  domainOf,
  enforceStrictAlignment,
  summariseArc,
  summariseDkim,
  summariseDmarc,
  summariseSpf,
  type ScannedSignature,
} from './summarise.js';
import type { ArcOutcome, DkimOutcome, DmarcOutcome, SenderAuthResult, SpfOutcome } from './types.js';

export interface ArcSealOptions {
  /** d= of our ARC set. */
  readonly domain: string;
  readonly selector: string;
  /** PEM private key (RSA or Ed25519). */
  readonly privateKey: string;
}

export interface SenderAuthenticatorOptions {
  /** The gateway's resolver (src/dns): every lookup goes through its cache and timeouts. */
  readonly resolver: Pick<DnsResolver, 'resolve'>;
  /** Our authserv-id (the gateway's host name), RFC 8601 §2.5. */
  readonly authservId: string;
  /** Deadline for the whole authentication of one message, DNS included. */
  readonly timeoutMs: number;
  /** Larger messages get SPF only and AUTH_TOO_LARGE. Default 64 MiB. */
  readonly maxMessageBytes?: number;
  /** Larger header blocks get SPF only and AUTH_TOO_LARGE. Default 1 MiB. */
  readonly maxHeaderBytes?: number;
  /** DKIM-Signature fields verified; the rest are reported, not verified. Default 10. */
  readonly maxSignatures?: number;
  /** Smallest DKIM/ARC RSA key accepted. Default 1024 (RFC 8301 §3.2). */
  readonly minKeyBits?: number;
  /** SPF lookup limits (RFC 7208 §4.6.4). Defaults 10 and 2. */
  readonly spf?: { readonly maxLookups: number; readonly maxVoidLookups: number };
  /** ARC sealers (d=) whose upstream dmarc=pass overrides a DMARC failure. */
  readonly trustedArcSealers?: readonly string[];
  /** Seal with ARC on relay; absent: no arcHeaders. */
  readonly arcSeal?: ArcSealOptions;
}

export interface SenderAuthInput {
  /** The spooled message file. */
  readonly path: string;
  /** The SMTP client's address (IPv4 or IPv6, no brackets). */
  readonly clientIp: string;
  /** The EHLO/HELO argument. */
  readonly helo: string;
  /** MAIL FROM address without angle brackets; '' for the null sender. */
  readonly mailFrom: string;
}

export interface SenderAuthenticator {
  /** Authenticates one message; resolves within `timeoutMs` (plus file I/O) and never rejects. */
  authenticate(input: SenderAuthInput): Promise<SenderAuthResult>;
}

const DEFAULT_MAX_MESSAGE_BYTES = 64 * 1024 * 1024;
const DEFAULT_MAX_HEADER_BYTES = 1024 * 1024;
const DEFAULT_MAX_SIGNATURES = 10;

/** Domain SPF checks: MAIL FROM's, or the HELO name for the null sender (RFC 7208 §2.4). */
function spfDomainOf(input: SenderAuthInput): string {
  return input.mailFrom === '' ? input.helo.toLowerCase() : domainOf(input.mailFrom);
}

/** mailauth's `headers` holds the ARC set first, then Received-SPF and Authentication-Results: keep the ARC fields. */
function arcFieldsOf(headers: string): string | undefined {
  const arc = splitHeaderFields(headers).filter((f) => f.name.startsWith('arc-'));
  if (arc.length === 0) return undefined;
  return arc.map((f) => (f.raw.endsWith('\r\n') ? f.raw : `${f.raw.replace(/\n$/, '')}\r\n`)).join('');
}

interface Outcomes {
  readonly spf: SpfOutcome;
  readonly dkim: readonly DkimOutcome[];
  readonly dmarc: DmarcOutcome;
  readonly arc: ArcOutcome;
  readonly arcHeaders?: string;
}

/** Builds the sender authenticator; see the module header and README. */
export function createSenderAuthenticator(options: SenderAuthenticatorOptions): SenderAuthenticator {
  const maxMessageBytes = options.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES;
  const maxHeaderBytes = options.maxHeaderBytes ?? DEFAULT_MAX_HEADER_BYTES;
  const maxSignatures = options.maxSignatures ?? DEFAULT_MAX_SIGNATURES;
  const trusted = options.trustedArcSealers ?? [];

  const libraryOptions = (input: SenderAuthInput, resolver: DNSResolver): AuthenticateOptions & { maxResolveCount?: number; maxVoidCount?: number } => ({
    ip: input.clientIp,
    helo: input.helo,
    ...(input.mailFrom === '' ? {} : { sender: input.mailFrom }),
    mta: options.authservId,
    resolver,
    minBitLength: options.minKeyBits ?? 1024,
    // BIMI is a display feature with its own fetches; not ours to check here.
    disableBimi: true,
    // Never take the client from the message's own Received fields.
    trustReceived: false,
    ...(options.spf === undefined ? {} : { maxResolveCount: options.spf.maxLookups, maxVoidCount: options.spf.maxVoidLookups }),
  });

  const evaluate = async (
    input: SenderAuthInput,
    scan: HeaderScan,
    resolver: DNSResolver,
    read: { readonly bodyStart: number; readonly size: number; readonly signal: AbortSignal },
  ): Promise<Outcomes> => {
    const seal = options.arcSeal !== undefined && scan.trimmedBlock === undefined;
    const trimmed = scan.trimmedBlock === undefined ? undefined : { block: scan.trimmedBlock, bodyStart: read.bodyStart };
    const stream = openMessageStream(input.path, read.size, trimmed);
    // Past the deadline the body is not hashed any further: the read fails and mailauth settles.
    const stop = (): void => {
      stream.destroy(new Error('authentication deadline passed'));
    };
    read.signal.addEventListener('abort', stop, { once: true });
    let result: AuthenticateResult;
    try {
      result = await authenticate(stream, {
        ...libraryOptions(input, resolver),
        // Sealing a message whose signatures we trimmed would sign a header block we do not deliver.
        ...(seal && options.arcSeal !== undefined
          ? { seal: { signingDomain: options.arcSeal.domain, selector: options.arcSeal.selector, privateKey: options.arcSeal.privateKey } }
          : {}),
      });
    } finally {
      read.signal.removeEventListener('abort', stop);
      stream.destroy();
    }
    const spf = summariseSpf(result.spf, spfDomainOf(input));
    const arc = summariseArc(result.arc);
    const dmarcRaw = summariseDmarc(result.dmarc, result.dkim.headerFrom);
    const dkim = summariseDkim(scan.signatures, result.dkim.results, dmarcRaw.domain, dmarcRaw.alignment.dkim.mode);
    const dmarc = applyArcOverride(enforceStrictAlignment(dmarcRaw, spf, dkim), arc, trusted);
    const arcHeaders = seal ? arcFieldsOf(result.headers) : undefined;
    return { spf, dkim, dmarc, arc, ...(arcHeaders === undefined ? {} : { arcHeaders }) };
  };

  const spfOnly = async (input: SenderAuthInput, scan: HeaderScan, resolver: DNSResolver): Promise<Outcomes> => {
    const result = await checkSpf({ ...libraryOptions(input, resolver), ip: input.clientIp });
    return { ...notEvaluated(scan.signatures, 'not evaluated: message too large', 'none'), spf: summariseSpf(result, spfDomainOf(input)) };
  };

  return {
    async authenticate(input) {
      const controller = new AbortController();
      const timer = setTimeout(() => controller.abort(), options.timeoutMs);
      const deadline = rejectOnAbort(controller.signal, options.timeoutMs);
      const resolver = resolveWithDeadline(options.resolver.resolve, controller.signal) as DNSResolver; // mailauth reads TXT answers as string[][], which is what node's resolver (ours) returns
      const extra: Finding[] = [];
      let scan: HeaderScan = { forgedResults: 0, signatures: [] };
      let outcomes: Outcomes;
      try {
        const work = (async (): Promise<Outcomes> => {
          const header = await readHeaderBlock(input.path, maxHeaderBytes);
          scan = scanHeaderBlock(header.block, options.authservId, maxSignatures);
          if (!header.complete || header.size > maxMessageBytes) {
            extra.push(
              buildAuthFinding(
                'AUTH_TOO_LARGE',
                header.complete
                  ? `message of ${header.size} bytes is over ${maxMessageBytes}: DKIM, DMARC and ARC not evaluated`
                  : `header block over ${maxHeaderBytes} bytes: DKIM, DMARC and ARC not evaluated`,
              ),
            );
            return spfOnly(input, scan, resolver);
          }
          return evaluate(input, scan, resolver, { bodyStart: header.block.length, size: header.size, signal: controller.signal });
        })();
        // The loser of the race is settled later; its rejection is expected and ignored here.
        work.catch(() => undefined);
        outcomes = await Promise.race([work, deadline]);
      } catch (error) {
        const timedOut = error instanceof AuthDeadlineError;
        const why = timedOut ? error.message : 'authentication failed';
        if (!timedOut) {
          const message = error instanceof Error ? error.message : String(error);
          extra.push(buildAuthFinding('AUTH_FAIL', `sender authentication failed: ${escapeForDisplay(message, 200)}`));
        }
        outcomes = {
          ...notEvaluated(scan.signatures, why, 'temperror'),
          spf: { result: 'temperror', domain: spfDomainOf(input), explanation: why },
        };
        return finish(input, outcomes, scan, extra, why);
      } finally {
        clearTimeout(timer);
        controller.abort();
      }
      return finish(input, outcomes, scan, extra, undefined);
    },
  };

  function finish(input: SenderAuthInput, outcomes: Outcomes, scan: HeaderScan, extra: readonly Finding[], deadline: string | undefined): SenderAuthResult {
    const findings = buildFindings({ ...outcomes, clientIp: input.clientIp, ...(deadline === undefined ? {} : { deadline }) });
    const skipped = scan.signatures.filter((s) => s.skipped === true).length;
    if (skipped > 0) findings.push(buildAuthFinding('DKIM_TOO_MANY', `${scan.signatures.length} DKIM signatures; ${skipped} past the limit of ${maxSignatures} not verified`));
    if (scan.forgedResults > 0) {
      findings.push(
        buildAuthFinding(
          'AUTH_RESULTS_FORGED',
          `${scan.forgedResults} Authentication-Results field(s) in the message claim our authserv-id ${escapeForDisplay(options.authservId, 100)}`,
        ),
      );
    }
    findings.push(...extra);
    const signatures = new Map<DkimOutcome, string>();
    outcomes.dkim.forEach((outcome, index) => signatures.set(outcome, scan.signatures[index]?.b ?? ''));
    const authResultsHeader = buildAuthResultsHeader({
      authservId: options.authservId,
      spf: outcomes.spf,
      mailFrom: input.mailFrom,
      helo: input.helo,
      dkim: outcomes.dkim.map((outcome) => ({ outcome, b: signatures.get(outcome) ?? '' })),
      dmarc: outcomes.dmarc,
      arc: outcomes.arc,
    });
    return {
      spf: outcomes.spf,
      dkim: outcomes.dkim,
      dmarc: outcomes.dmarc,
      arc: outcomes.arc,
      authResultsHeader,
      ...(outcomes.arcHeaders === undefined ? {} : { arcHeaders: outcomes.arcHeaders }),
      findings,
    };
  }
}

/** DKIM/DMARC/ARC results when they could not be evaluated: malformed signatures stay permerror. */
function notEvaluated(signatures: readonly ScannedSignature[], why: string, code: 'temperror' | 'none'): Omit<Outcomes, 'spf'> {
  const dkim: DkimOutcome[] = signatures.map((sig) =>
    sig.malformed === undefined
      ? { domain: sig.domain, selector: sig.selector, result: code === 'none' ? 'neutral' : 'temperror', aligned: false, reason: why }
      : { domain: sig.domain, selector: sig.selector, result: 'permerror', aligned: false, reason: `malformed: ${sig.malformed}` },
  );
  const alignment = { spf: { mode: 'relaxed', aligned: false }, dkim: { mode: 'relaxed', aligned: false } } as const;
  return {
    dkim,
    dmarc: { result: code, policy: 'none', domain: '', percent: 100, alignment },
    arc: { result: 'none', instance: 0 },
  };
}
