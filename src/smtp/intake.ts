/**
 * What happens between the end of DATA and the reply: spool the body,
 * analyse it, let policy decide, then make the outcome durable (spool or
 * quarantine, queue rows, message log) before answering. Any failure here
 * answers 4xx; nothing is acknowledged that is not on disk.
 */
import type { Logger } from 'pino';
import type { Action, AnalysisResult, Envelope, Finding, Verdict } from '../core/index.js';
import { MoatError, SmtpReplyError } from '../core/index.js';
import type { SpoolMeta } from '../delivery/ports.js';
import { buildReceivedHeader } from '../delivery/index.js';
import { buildVerdictHeaders } from './verdict-headers.js';
import { heloFindings } from './helo-check.js';
import { MAX_LINE_OCTETS, type IncomingMessage, type Spool } from '../spool/index.js';

export type MessageStatus = 'queued' | 'quarantined' | 'rejected' | 'deferred';

export interface IntakeDependencies {
  readonly spool: Spool;
  readonly hostname: string;
  readonly maxMessageBytes: number;
  readonly bareLf: 'reject' | 'accept';
  readonly logger: Logger;
  /** Analyses the spooled body; the envelope lets the recipients' policy switch engines off. */
  analyze(path: string, envelope: Envelope): Promise<AnalysisResult>;
  /** Policy's verdict on the analysed message for its recipients. */
  decide(input: { findings: readonly Finding[]; analysis: AnalysisResult; envelope: Envelope; queueId: string }): Verdict;
  hold(incoming: IncomingMessage, meta: SpoolMeta): Promise<void>;
  /** Keeps the original in quarantine when the verdict delivers it with attachments stripped. */
  keepOriginal(incoming: IncomingMessage, meta: SpoolMeta): Promise<void>;
  /** Undoes `hold` for a message that will not be acknowledged after all. */
  dropHeld(queueId: string): Promise<void>;
  /** Records the message in the log; with `enqueueAt`, also queues its recipients, atomically. */
  record(entry: {
    queueId: string;
    envelope: Envelope;
    size: number;
    sha256: string;
    analysis: AnalysisResult;
    verdict: Verdict;
    status: MessageStatus;
    enqueueAt?: Date;
    auth?: SenderAuthOutcome['summary'];
    seenDomains?: readonly string[];
  }): Promise<void>;
  kickDelivery(): void;
  /** Findings about the sender and headers (indicator matches), computed after analysis. */
  envelopeFindings?(envelope: Envelope, headers: AnalysisResult['headers']): readonly Finding[];
  /**
   * Sender authentication (SPF, DKIM, DMARC, ARC) of the spooled message, run while
   * the workers analyse it. Never rejects: failures are findings.
   */
  authenticate?(path: string, envelope: Envelope): Promise<SenderAuthOutcome>;
  /** Findings that need the analysis and the connection's facts (reputation of link domains, spam probability, new domains). */
  enrich?(input: { envelope: Envelope; analysis: AnalysisResult; connection: ConnectionFacts }): Promise<EnrichOutcome>;
  observe(outcome: { action: Action; analysisSeconds: number; findings: readonly Finding[] }): void;
  now?: () => Date;
}

/** What sender authentication adds: findings, header lines for delivery, and a summary for the log. */
export interface SenderAuthOutcome {
  readonly findings: readonly Finding[];
  /** CRLF-terminated `Authentication-Results:` (and ARC set, when sealing) lines, put above the message on delivery. */
  readonly headers: string;
  readonly summary: { readonly spf: string; readonly dkim: string; readonly dmarc: string; readonly arc: string };
}

/** What the connection stage learnt about the client (DNSBL, reverse DNS), carried to the message. */
export interface ConnectionFacts {
  readonly findings: readonly Finding[];
}

export interface EnrichOutcome {
  readonly findings: readonly Finding[];
  /** Domains to record as seen (link hosts, sender domain). */
  readonly seenDomains?: readonly string[];
}

const NO_CONNECTION_FACTS: ConnectionFacts = { findings: [] };

export interface IntakeResult {
  readonly queueId: string;
  readonly verdict: Verdict;
}

/** Transport-level findings from the byte scan done while spooling. */
function transportFindings(incoming: IncomingMessage, envelope: Envelope): Finding[] {
  const findings: Finding[] = [];
  const { scan } = incoming;
  // Implant C2 in the greeting (SEASIDE) or a malformed one (THREAT.md (f) 5).
  findings.push(...heloFindings(envelope.client.helo));
  if (scan.bareLf) {
    findings.push({ engine: 'smtp', symbol: 'SMTP_BARE_LF', score: 3, severity: 'medium', detail: 'bare LF line ending in DATA (SMTP smuggling vector)' });
  }
  if (scan.eightBit && envelope.body !== '8BITMIME' && !envelope.smtpUtf8) {
    findings.push({ engine: 'smtp', symbol: 'SMTP_8BIT_UNDECLARED', score: 0.5, severity: 'low', detail: '8-bit data without BODY=8BITMIME' });
  }
  if (scan.longestLine > MAX_LINE_OCTETS) {
    findings.push({ engine: 'smtp', symbol: 'SMTP_LINE_TOO_LONG', score: 0.5, severity: 'low', detail: `line of ${scan.longestLine} octets exceeds RFC 5321's ${MAX_LINE_OCTETS}` });
  }
  return findings;
}

/** Creates the DATA handler. */
export function createIntake(deps: IntakeDependencies) {
  const now = deps.now ?? (() => new Date());

  return async function intake(body: AsyncIterable<Uint8Array>, envelope: Envelope, connection: ConnectionFacts = NO_CONNECTION_FACTS): Promise<IntakeResult> {
    const incoming = await deps.spool.receive(body, { maxBytes: deps.maxMessageBytes });
    const log = deps.logger.child({
      sessionId: envelope.sessionId,
      spoolId: incoming.queueId,
      clientIp: envelope.client.address,
      from: envelope.mailFrom,
      rcpts: envelope.rcptTo.length,
      size: incoming.size,
    });
    if (incoming.oversized) {
      // smtp-server answers 552 itself (rejectOversized); this only keeps the record honest.
      throw new SmtpReplyError(552, '5.3.4', 'Message exceeds the maximum message size');
    }
    if (incoming.scan.nul) {
      await deps.spool.discard(incoming);
      log.info({ reason: 'nul' }, 'message refused');
      throw new SmtpReplyError(554, '5.6.0', 'NUL octets are not allowed in a message');
    }
    if (incoming.scan.bareLf && deps.bareLf === 'reject') {
      await deps.spool.discard(incoming);
      log.info({ reason: 'bare-lf' }, 'message refused');
      throw new SmtpReplyError(554, '5.5.2', 'Bare LF line endings are not allowed, use CRLF');
    }

    let analysis: AnalysisResult;
    let auth: SenderAuthOutcome | undefined;
    let enriched: EnrichOutcome | undefined;
    try {
      // The workers and the DNS lookups of sender authentication run at the same time.
      [analysis, auth] = await Promise.all([deps.analyze(incoming.path, envelope), deps.authenticate?.(incoming.path, envelope)]);
      enriched = await deps.enrich?.({ envelope, analysis, connection });
    } catch (error) {
      await deps.spool.discard(incoming);
      throw new MoatError('INTAKE_ANALYSIS_FAILED', 'analysis could not run', { cause: error });
    }
    const findings = [
      ...transportFindings(incoming, envelope),
      ...connection.findings,
      ...(auth?.findings ?? []),
      ...(deps.envelopeFindings?.(envelope, analysis.headers) ?? []),
      ...analysis.findings,
      ...(enriched?.findings ?? []),
    ];
    const result: AnalysisResult = { ...analysis, findings };
    const verdict = deps.decide({ findings, analysis, envelope, queueId: incoming.queueId });
    deps.observe({ action: verdict.action, analysisSeconds: analysis.elapsedMs / 1000, findings });

    const entry = {
      queueId: incoming.queueId,
      envelope,
      size: incoming.size,
      sha256: incoming.sha256,
      analysis: result,
      verdict,
      ...(auth === undefined ? {} : { auth: auth.summary }),
      ...(enriched?.seenDomains === undefined ? {} : { seenDomains: enriched.seenDomains }),
    };
    const authHeaders = auth?.headers ?? '';
    switch (verdict.action) {
      case 'reject':
      case 'defer': {
        await deps.spool.discard(incoming);
        await deps.record({ ...entry, status: verdict.action === 'reject' ? 'rejected' : 'deferred' }).catch((error: unknown) => {
          log.error({ err: error }, 'message log write failed for a refused message');
        });
        log.info({ action: verdict.action, score: verdict.score }, 'message refused by policy');
        const reply = verdict.reply ?? { code: 451, enhanced: '4.3.0', message: 'Try again later' };
        throw new SmtpReplyError(reply.code, reply.enhanced, reply.message);
      }
      case 'quarantine': {
        const tokens = analysis.spamTokens ?? [];
        const meta = { ...buildMeta(deps.hostname, incoming, envelope, verdict, { verdictHeaders: true, authHeaders }), ...(tokens.length === 0 ? {} : { spamTokens: tokens }) };
        try {
          await deps.hold(incoming, meta);
        } catch (error) {
          // Not held and not acknowledged (the sender gets 451 and retries): nothing stays in the spool.
          await deps.spool.discard(incoming);
          throw new MoatError('INTAKE_QUARANTINE_FAILED', 'could not quarantine the message', { cause: error });
        }
        try {
          await deps.record({ ...entry, status: 'quarantined' });
        } catch (error) {
          // Not acknowledged (the sender gets 451 and retries): take the held copy back out.
          await deps.dropHeld(incoming.queueId).catch(() => undefined);
          throw new MoatError('INTAKE_QUEUE_FAILED', 'could not record the quarantined message', { cause: error });
        }
        log.info({ action: verdict.action, score: verdict.score, elapsedMs: analysis.elapsedMs }, 'message quarantined');
        return { queueId: incoming.queueId, verdict };
      }
      case 'deliver':
      case 'tag': {
        const meta = buildMeta(deps.hostname, incoming, envelope, verdict, { verdictHeaders: true, authHeaders });
        const stripping = verdict.strip !== undefined && verdict.strip.length > 0;
        // The original first (a copy), so a stripped delivery never exists without it.
        if (stripping) await deps.keepOriginal(incoming, buildMeta(deps.hostname, incoming, envelope, verdict, { verdictHeaders: false, authHeaders }));
        try {
          await deps.spool.commit(incoming, meta);
        } catch (error) {
          if (stripping) await deps.dropHeld(incoming.queueId).catch(() => undefined);
          throw error;
        }
        try {
          await deps.record({ ...entry, status: 'queued', enqueueAt: now() });
        } catch (error) {
          // Not acknowledged yet: undo the spool entry (and the kept original) and let the sender retry.
          await deps.spool.remove(incoming.queueId);
          if (stripping) await deps.dropHeld(incoming.queueId).catch(() => undefined);
          throw new MoatError('INTAKE_QUEUE_FAILED', 'could not queue the message', { cause: error });
        }
        deps.kickDelivery();
        log.info({ action: verdict.action, score: verdict.score, elapsedMs: analysis.elapsedMs }, 'message queued');
        return { queueId: incoming.queueId, verdict };
      }
    }
  };
}

function buildMeta(hostname: string, incoming: IncomingMessage, envelope: Envelope, verdict: Verdict, options: { verdictHeaders: boolean; authHeaders: string }): SpoolMeta {
  const received = buildReceivedHeader({
    helo: envelope.client.helo,
    clientAddress: envelope.client.address,
    hostname,
    queueId: incoming.queueId,
    date: new Date(envelope.receivedAt),
    smtpUtf8: envelope.smtpUtf8,
    ...(envelope.client.reverseName === undefined ? {} : { reverseName: envelope.client.reverseName }),
    ...(envelope.client.tls === undefined ? {} : { tls: envelope.client.tls }),
    ...(envelope.rcptTo.length === 1 && envelope.rcptTo[0] !== undefined ? { recipient: envelope.rcptTo[0] } : {}),
  });
  // The kept original of a stripped message carries no verdict headers: released, it goes out as received.
  const verdictHeaders = options.verdictHeaders && (verdict.action === 'tag' || verdict.strip !== undefined) ? buildVerdictHeaders(verdict) : '';
  return {
    queueId: incoming.queueId,
    envelope,
    verdict,
    // RFC 8601 §5: Authentication-Results goes above the fields it covers, under our Received.
    headerPrefix: received + options.authHeaders + verdictHeaders,
    size: incoming.size,
    sha256: incoming.sha256,
  };
}
