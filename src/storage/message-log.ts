/**
 * The message log: one row per SMTP transaction that reached a verdict, with
 * its recipients, artifacts, URLs, findings and delivery attempts. It answers
 * "what happened to this message and why" and the searches behind a hunt.
 */
import type { Kysely, Transaction } from 'kysely';
import type { AnalysisResult, Envelope, Verdict } from '../core/index.js';
import type { DeliveryAttempt, DeliveryLog } from '../delivery/ports.js';
import { DEFAULT_ORGANIZATION_ID } from './database.js';
import type { Database, MessageStatus, RecipientStatus } from './database.js';
import { readMessageDetail } from './message-detail.js';
import type { MessageDetail } from './message-detail.js';
import { searchMessages } from './message-search.js';
import type { MessageSearch, MessageSummary } from './message-search.js';
import { MAX_DETAIL_CHARS, MAX_HEADER_CHARS, MAX_REPLY_CHARS, boundOptional, boundText, chunk } from './limits.js';
import { domainOf, hostOfUrl, normalizeMessageId, reverseHost } from './text-match.js';
import { insertQueueRows } from './queue-store.js';
import { recordSightings } from './seen-domains.js';
import { toStoredTimestamp } from './timestamps.js';

/** SPF, DKIM (the best of the signatures), DMARC and ARC results, as words (`pass`, `fail`, `temperror`, ...). */
export interface AuthSummary {
  readonly spf: string;
  readonly dkim: string;
  readonly dmarc: string;
  readonly arc: string;
}

export interface RecordMessageEntry {
  readonly queueId: string;
  readonly envelope: Envelope;
  /** Size in bytes and SHA-256 of the message as received. */
  readonly size: number;
  readonly sha256: string;
  readonly analysis: AnalysisResult;
  readonly verdict: Verdict;
  readonly status: MessageStatus;
  /** Sender authentication result words, when checked. */
  readonly auth?: AuthSummary;
  /** Domains the message named (link hosts, sender): recorded as sightings in the same transaction. */
  readonly seenDomains?: readonly string[];
  readonly organizationId?: number;
  /**
   * Queue the envelope's recipients for delivery by this node in the same
   * transaction (an accepted message is logged and queued atomically, and
   * one commit is cheaper than two on the SMTP hot path).
   */
  readonly enqueueAt?: Date;
}

export interface MessageLog extends DeliveryLog {
  /**
   * Records a message with its recipients, artifacts and findings in one
   * transaction. Idempotent by queue id: a replay after a crash keeps the
   * first record and writes nothing.
   */
  recordMessage(entry: RecordMessageEntry): Promise<void>;
  /**
   * Records several messages in one transaction, each as `recordMessage` would
   * (bulk loads such as the demo seeder: one commit per batch, not per message).
   */
  recordMessages(entries: readonly RecordMessageEntry[]): Promise<void>;
  /** Sets the message status (quarantined, released, deleted, ...). */
  setStatus(queueId: string, status: MessageStatus): Promise<void>;
  /**
   * Records one delivery attempt, sets that recipient's status and, once no
   * recipient is open, the message's final status (delivered, bounced or
   * partially-delivered). Only messages in `queued`, `released` or an earlier
   * final delivery status are finalised; quarantined, rejected, deferred and
   * deleted messages keep theirs.
   */
  recordAttempt(attempt: DeliveryAttempt): Promise<void>;
  /** Messages matching every given criterion, newest first. */
  search(query: MessageSearch): Promise<MessageSummary[]>;
  /** A message with its recipients, artifacts, findings and attempts. */
  get(queueId: string): Promise<MessageDetail | undefined>;
}

export interface MessageLogOptions {
  /** Clock for `updated_at`; injected by tests. */
  readonly clock?: () => Date;
}

/** Recipient status that goes with the message status it is recorded under. */
const RECIPIENT_STATUS_FOR: Readonly<Record<MessageStatus, RecipientStatus>> = {
  queued: 'pending',
  released: 'pending',
  quarantined: 'quarantined',
  rejected: 'rejected',
  deferred: 'deferred',
  delivered: 'delivered',
  'partially-delivered': 'pending',
  bounced: 'failed',
  deleted: 'rejected',
};

/** Recipient states in which a delivery may still happen. */
const OPEN_RECIPIENT_STATUSES: readonly RecipientStatus[] = ['pending', 'deferred', 'quarantined'];

/** Message states that delivery outcomes may move to a final delivery status. */
const FINALISABLE_STATUSES: readonly MessageStatus[] = ['queued', 'released', 'delivered', 'partially-delivered', 'bounced'];

/** Runs `body` in a new transaction, or in the caller's when `db` already is one (`recordMessages`). */
function inTransaction(db: Kysely<Database>, body: (trx: Transaction<Database>) => Promise<void>): Promise<void> {
  // Holds: Kysely reports isTransaction only for the Transaction instances it hands to transaction().execute.
  return db.isTransaction ? body(db as Transaction<Database>) : db.transaction().execute(body);
}

/** Creates the message log over a migrated database. */
export function createMessageLog(db: Kysely<Database>, nodeId: string, options: MessageLogOptions = {}): MessageLog {
  const clock = options.clock ?? ((): Date => new Date());

  async function recordMessage(entry: RecordMessageEntry): Promise<void> {
    const { queueId, envelope, analysis, verdict } = entry;
    const organizationId = entry.organizationId ?? DEFAULT_ORGANIZATION_ID;
    const headers = analysis.headers;
    const recipientStatus = RECIPIENT_STATUS_FOR[entry.status];
    // An envelope may name the same recipient twice; the log keeps one row per (bounded) address.
    const recipients = [...new Set(envelope.rcptTo.map((r) => boundText(r, MAX_HEADER_CHARS)))];
    // Also copied into each child row: the child-table searches walk (criterion, received_at) indexes.
    const receivedAt = toStoredTimestamp(envelope.receivedAt);

    await inTransaction(db, async (trx) => {
      if (entry.enqueueAt !== undefined) {
        await insertQueueRows(trx, { nodeId, queueId, recipients: envelope.rcptTo, now: entry.enqueueAt, organizationId });
      }
      const inserted = await trx
        .insertInto('messages')
        .values({
          queue_id: queueId,
          organization_id: organizationId,
          node_id: nodeId,
          session_id: envelope.sessionId,
          received_at: receivedAt,
          mail_from: boundText(envelope.mailFrom, MAX_HEADER_CHARS),
          sender_domain: boundText(domainOf(envelope.mailFrom), MAX_HEADER_CHARS),
          helo: boundText(envelope.client.helo, MAX_HEADER_CHARS),
          client_ip: envelope.client.address,
          client_port: envelope.client.port,
          proxy_ip: envelope.client.proxy?.address ?? null,
          proxy_via: envelope.client.proxy?.via ?? null,
          client_rdns: boundOptional(envelope.client.reverseName, MAX_HEADER_CHARS),
          tls_protocol: envelope.client.tls?.protocol ?? null,
          tls_cipher: envelope.client.tls?.cipher ?? null,
          size: entry.size,
          sha256: entry.sha256.toLowerCase(),
          message_id: headers.messageId === undefined ? null : boundText(normalizeMessageId(headers.messageId), MAX_HEADER_CHARS),
          subject: boundOptional(headers.subject, MAX_HEADER_CHARS),
          header_from: boundOptional(headers.from, MAX_HEADER_CHARS),
          action: verdict.action,
          score: verdict.score,
          reasons: JSON.stringify(verdict.reasons.map((r) => boundText(r, MAX_DETAIL_CHARS))),
          policy_version: verdict.policyVersion,
          auth_spf: entry.auth === undefined ? null : boundText(entry.auth.spf, 32),
          auth_dkim: entry.auth === undefined ? null : boundText(entry.auth.dkim, 32),
          auth_dmarc: entry.auth === undefined ? null : boundText(entry.auth.dmarc, 32),
          auth_arc: entry.auth === undefined ? null : boundText(entry.auth.arc, 32),
          status: entry.status,
          elapsed_ms: Math.round(analysis.elapsedMs),
          updated_at: clock().toISOString(),
          // 16 hex digits from analysis (core/simhash.ts); anything else is not a fingerprint and is not stored.
          lure_simhash: analysis.lureFingerprint !== undefined && /^[0-9a-f]{16}$/u.test(analysis.lureFingerprint) ? analysis.lureFingerprint : null,
        })
        .onConflict((oc) => oc.column('queue_id').doNothing())
        .executeTakeFirst();
      if (inserted.numInsertedOrUpdatedRows === 0n) return;
      if (entry.seenDomains !== undefined) await recordSightings(trx, entry.seenDomains, receivedAt);

      for (const rows of chunk(recipients)) {
        await trx
          .insertInto('message_recipients')
          .values(
            rows.map((recipient) => ({
              queue_id: queueId,
              organization_id: organizationId,
              recipient,
              domain: boundText(domainOf(recipient), MAX_HEADER_CHARS),
              status: recipientStatus,
              received_at: receivedAt,
            })),
          )
          .execute();
      }
      for (const rows of chunk(analysis.artifacts)) {
        await trx
          .insertInto('artifacts')
          .values(
            rows.map((a) => ({
              queue_id: queueId,
              organization_id: organizationId,
              path: boundText(a.path, MAX_HEADER_CHARS),
              declared_name: boundOptional(a.declaredName, MAX_HEADER_CHARS),
              declared_type: boundText(a.declaredType, MAX_HEADER_CHARS),
              detected_type: a.detectedType ?? null,
              detected_extension: a.detectedExtension ?? null,
              disposition: a.disposition ?? null,
              size: a.size,
              sha256: a.sha256.toLowerCase(),
              received_at: receivedAt,
            })),
          )
          .execute();
      }
      const urls = analysis.urls.flatMap((url) => {
        const host = hostOfUrl(url);
        return host === undefined ? [] : [{ queue_id: queueId, organization_id: organizationId, url: boundText(url, MAX_HEADER_CHARS), host_reversed: boundText(reverseHost(host), MAX_HEADER_CHARS), received_at: receivedAt }];
      });
      for (const rows of chunk(urls)) await trx.insertInto('message_urls').values(rows).execute();
      for (const rows of chunk(analysis.findings)) {
        await trx
          .insertInto('findings')
          .values(
            rows.map((f) => ({
              queue_id: queueId,
              organization_id: organizationId,
              engine: f.engine,
              symbol: f.symbol,
              score: f.score,
              severity: f.severity,
              detail: boundText(f.detail, MAX_DETAIL_CHARS),
              artifact_path: boundOptional(f.artifact, MAX_HEADER_CHARS),
            })),
          )
          .execute();
      }
    });
  }

  async function recordMessages(entries: readonly RecordMessageEntry[]): Promise<void> {
    await db.transaction().execute(async (trx) => {
      const inner = createMessageLog(trx, nodeId, options);
      for (const entry of entries) await inner.recordMessage(entry);
    });
  }

  async function setStatus(queueId: string, status: MessageStatus): Promise<void> {
    await db
      .updateTable('messages')
      .set({ status, updated_at: clock().toISOString() })
      .where('queue_id', '=', queueId)
      .execute();
  }

  async function recordAttempt(attempt: DeliveryAttempt): Promise<void> {
    const at = toStoredTimestamp(attempt.at);
    await db.transaction().execute(async (trx) => {
      // Touch the message row first: on PostgreSQL this row lock serialises concurrent attempts for one
      // message, so the "no recipient open" check below sees every other recipient's committed outcome.
      const message = await trx
        .updateTable('messages')
        .set({ updated_at: clock().toISOString() })
        .where('queue_id', '=', attempt.queueId)
        .returning(['organization_id', 'status'])
        .executeTakeFirst();

      await trx
        .insertInto('delivery_attempts')
        .values({
          queue_id: attempt.queueId,
          // DSNs are queued without a message-log row; their attempts belong to the default organization.
          organization_id: message?.organization_id ?? DEFAULT_ORGANIZATION_ID,
          recipient: boundText(attempt.recipient, MAX_HEADER_CHARS),
          target: boundText(attempt.target, MAX_HEADER_CHARS),
          outcome: attempt.outcome,
          reply: boundText(attempt.reply, MAX_REPLY_CHARS),
          at,
          duration_ms: Math.round(attempt.durationMs),
        })
        .execute();
      if (message === undefined) return;

      await trx
        .updateTable('message_recipients')
        .set({ status: attempt.outcome })
        .where('queue_id', '=', attempt.queueId)
        .where('recipient', '=', boundText(attempt.recipient, MAX_HEADER_CHARS))
        .execute();
      if (!FINALISABLE_STATUSES.includes(message.status)) return;

      const counts = await trx
        .selectFrom('message_recipients')
        .select((eb) => [
          eb.fn.countAll<number | string>().as('total'),
          eb.fn.sum<number | string | null>(eb.case().when('status', 'in', OPEN_RECIPIENT_STATUSES).then(1).else(0).end()).as('open'),
          eb.fn.sum<number | string | null>(eb.case().when('status', '=', 'delivered').then(1).else(0).end()).as('delivered'),
        ])
        .where('queue_id', '=', attempt.queueId)
        .executeTakeFirstOrThrow();
      // PostgreSQL returns COUNT/SUM as bigint strings; SQLite as numbers.
      const total = Number(counts.total);
      const open = Number(counts.open ?? 0);
      const delivered = Number(counts.delivered ?? 0);
      if (total === 0 || open > 0) return;
      const status: MessageStatus = delivered === total ? 'delivered' : delivered === 0 ? 'bounced' : 'partially-delivered';
      await trx.updateTable('messages').set({ status }).where('queue_id', '=', attempt.queueId).execute();
    });
  }

  return {
    recordMessage,
    recordMessages,
    setStatus,
    recordAttempt,
    search: (query) => searchMessages(db, query),
    get: (queueId) => readMessageDetail(db, queueId),
  };
}
