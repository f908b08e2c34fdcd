/**
 * Reads one message back from the log with everything recorded about it,
 * in the shapes the rest of the gateway already uses (Artifact, Finding,
 * DeliveryAttempt).
 */
import type { Kysely } from 'kysely';
import type { Artifact, Finding } from '../core/index.js';
import type { DeliveryAttempt } from '../delivery/ports.js';
import type { Database, RecipientStatus } from './database.js';
import type { MessageSummary } from './message-search.js';

export interface MessageRecipient {
  readonly recipient: string;
  readonly domain: string;
  readonly status: RecipientStatus;
}

export interface MessageDetail extends Omit<MessageSummary, 'recipients'> {
  readonly sessionId: string;
  readonly helo: string;
  readonly clientPort: number;
  /** The trusted proxy the client came through. */
  readonly proxy?: { readonly address: string; readonly via: string };
  readonly clientRdns?: string;
  readonly tls?: { readonly protocol: string; readonly cipher: string };
  readonly reasons: readonly string[];
  readonly policyVersion: string;
  /** Sender authentication results; absent when the message was not checked. */
  readonly auth?: { readonly spf: string; readonly dkim: string; readonly dmarc: string; readonly arc: string };
  readonly elapsedMs: number;
  readonly updatedAt: string;
  readonly recipients: readonly MessageRecipient[];
  readonly artifacts: readonly Artifact[];
  readonly findings: readonly Finding[];
  /** URLs the message carried, in order of first appearance. */
  readonly urls: readonly string[];
  readonly attempts: readonly DeliveryAttempt[];
}

function parseReasons(text: string): string[] {
  // Written by recordMessage as a JSON array of strings; anything else means the row was edited by hand.
  const parsed: unknown = JSON.parse(text);
  return Array.isArray(parsed) ? parsed.filter((r): r is string => typeof r === 'string') : [];
}

/** Message row plus recipients, artifacts, findings and attempts; `undefined` when unknown. */
export async function readMessageDetail(db: Kysely<Database>, queueId: string): Promise<MessageDetail | undefined> {
  const m = await db.selectFrom('messages').selectAll().where('queue_id', '=', queueId).executeTakeFirst();
  if (m === undefined) return undefined;
  const [recipients, artifacts, findings, urls, attempts] = await Promise.all([
    db.selectFrom('message_recipients').select(['recipient', 'domain', 'status']).where('queue_id', '=', queueId).orderBy('recipient').execute(),
    db.selectFrom('artifacts').selectAll().where('queue_id', '=', queueId).orderBy('id').execute(),
    db.selectFrom('findings').selectAll().where('queue_id', '=', queueId).orderBy('id').execute(),
    db.selectFrom('message_urls').select('url').where('queue_id', '=', queueId).orderBy('id').execute(),
    db.selectFrom('delivery_attempts').selectAll().where('queue_id', '=', queueId).orderBy('id').execute(),
  ]);

  return {
    queueId: m.queue_id,
    organizationId: m.organization_id,
    nodeId: m.node_id,
    sessionId: m.session_id,
    receivedAt: m.received_at,
    mailFrom: m.mail_from,
    helo: m.helo,
    clientIp: m.client_ip,
    clientPort: m.client_port,
    ...(m.proxy_ip !== null && { proxy: { address: m.proxy_ip, via: m.proxy_via ?? '' } }),
    ...(m.client_rdns !== null && { clientRdns: m.client_rdns }),
    ...(m.tls_protocol !== null && m.tls_cipher !== null && { tls: { protocol: m.tls_protocol, cipher: m.tls_cipher } }),
    size: m.size,
    sha256: m.sha256,
    ...(m.message_id !== null && { messageId: m.message_id }),
    ...(m.subject !== null && { subject: m.subject }),
    ...(m.header_from !== null && { headerFrom: m.header_from }),
    action: m.action,
    score: m.score,
    reasons: parseReasons(m.reasons),
    policyVersion: m.policy_version,
    ...(m.auth_spf !== null && { auth: { spf: m.auth_spf, dkim: m.auth_dkim ?? '', dmarc: m.auth_dmarc ?? '', arc: m.auth_arc ?? '' } }),
    status: m.status,
    elapsedMs: m.elapsed_ms,
    updatedAt: m.updated_at,
    recipients,
    artifacts: artifacts.map((a) => ({
      path: a.path,
      ...(a.declared_name !== null && { declaredName: a.declared_name }),
      declaredType: a.declared_type,
      ...(a.detected_type !== null && { detectedType: a.detected_type }),
      ...(a.detected_extension !== null && { detectedExtension: a.detected_extension }),
      ...(a.disposition !== null && { disposition: a.disposition }),
      size: a.size,
      sha256: a.sha256,
    })),
    findings: findings.map((f) => ({
      engine: f.engine,
      symbol: f.symbol,
      score: f.score,
      severity: f.severity,
      detail: f.detail,
      ...(f.artifact_path !== null && { artifact: f.artifact_path }),
    })),
    urls: urls.map((u) => u.url),
    attempts: attempts.map((a) => ({
      queueId: a.queue_id,
      recipient: a.recipient,
      target: a.target,
      outcome: a.outcome,
      reply: a.reply,
      at: a.at,
      durationMs: a.duration_ms,
    })),
  };
}
