/**
 * Writes a demo data set into the message log through the storage layer's
 * own writer, as the gateway records live mail (idempotent by queue id), in
 * batches of one transaction each, with the lure fingerprint computed by
 * core's function over the generated subject and body.
 */
import type { Kysely } from 'kysely';
import { computeLureFingerprint, type AnalysisResult, type Envelope, type Verdict } from '../../core/index.js';
import { createMessageLog, syncOrganizations, type Database } from '../../storage/index.js';
import type { DemoDataSet, DemoMessage } from './types.js';

/**
 * Messages per transaction: one commit per batch instead of per message, while each
 * transaction stays short (PostgreSQL readers and the gateway's writers wait at most one batch).
 */
export const DEMO_BATCH_MESSAGES = 250;

export interface DemoWriteOptions {
  readonly nodeId: string;
  readonly now: Date;
  /** Called after every `progressEvery` messages (for a progress line). */
  readonly onProgress?: (written: number, total: number) => void;
  readonly progressEvery?: number;
}

export interface DemoWriteResult {
  readonly organizations: number;
  readonly messages: number;
}

/** The envelope, analysis and verdict the gateway would have logged for a demo message. */
export function toLogEntry(message: DemoMessage): { envelope: Envelope; analysis: AnalysisResult; verdict: Verdict } {
  const lureFingerprint = computeLureFingerprint(message.subject, message.bodyText);
  const fromAddress = /<([^>]+)>/u.exec(message.headerFrom)?.[1];
  return {
    envelope: {
      mailFrom: message.mailFrom,
      rcptTo: message.rcptTo,
      client: { address: message.clientIp, port: 25_000 + (message.queueId.charCodeAt(19) % 1000), helo: message.helo },
      sessionId: `demo-${message.queueId.slice(10).toLowerCase()}`,
      receivedAt: message.receivedAt,
      smtpUtf8: false,
    },
    analysis: {
      headers: {
        messageId: `${message.queueId.toLowerCase()}@${message.mailFrom.split('@')[1] ?? 'demo.example'}`,
        subject: message.subject,
        from: message.headerFrom,
        ...(fromAddress === undefined ? {} : { fromAddress }),
        to: message.rcptTo.join(', '),
      },
      artifacts: message.artifacts,
      findings: message.findings,
      urls: message.urls,
      elapsedMs: 20 + (message.size % 180),
      ...(lureFingerprint === undefined ? {} : { lureFingerprint }),
    },
    verdict: { action: message.action, score: message.score, reasons: message.reasons, policyVersion: 'demo' },
  };
}

/** Creates the organizations (country, sector) and records every message; returns what was written. */
export async function writeDemoDataSet(db: Kysely<Database>, data: DemoDataSet, options: DemoWriteOptions): Promise<DemoWriteResult> {
  const ids = await syncOrganizations(
    db,
    data.organizations.map((o) => o.name),
    new Map(data.organizations.map((o) => [o.name, o.country])),
    new Map(data.organizations.map((o) => [o.name, o.sector])),
    options.now,
  );
  const log = createMessageLog(db, options.nodeId, { clock: () => options.now });
  const every = options.progressEvery ?? 1000;
  let written = 0;
  for (let start = 0; start < data.messages.length; start += DEMO_BATCH_MESSAGES) {
    const batch = data.messages.slice(start, start + DEMO_BATCH_MESSAGES).map((message) => {
      const organizationId = ids.get(message.organization);
      if (organizationId === undefined) throw new RangeError(`demo message for unknown organization ${message.organization}`);
      const { envelope, analysis, verdict } = toLogEntry(message);
      return { queueId: message.queueId, envelope, size: message.size, sha256: message.sha256, analysis, verdict, status: message.status, organizationId };
    });
    await log.recordMessages(batch);
    const before = written;
    written += batch.length;
    if (options.onProgress !== undefined && Math.floor(written / every) > Math.floor(before / every)) options.onProgress(written, data.messages.length);
  }
  return { organizations: ids.size, messages: written };
}
