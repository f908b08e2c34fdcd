/**
 * Message-log search: every criterion is optional and they combine with AND.
 * Only portable SQL: lower() on both sides for case-insensitive matches and
 * LIKE ... ESCAPE '\' for substrings, so PostgreSQL runs the same query.
 */
import { sql } from 'kysely';
import type { Kysely } from 'kysely';
import type { Action } from '../core/index.js';
import { MoatError } from '../core/index.js';
import type { Database, MessageStatus } from './database.js';
import { MAX_SEARCH_TERM_CHARS, chunk, clampLimit } from './limits.js';
import { containsPattern, normalizeMessageId, parseAddressTerm, reverseHost } from './text-match.js';

export interface MessageSearch {
  /** Envelope sender: an address matches exactly (ignoring case); `example.com` or `@example.com` matches the domain. */
  readonly sender?: string;
  /** A recipient, with the same address/domain rules as `sender`. */
  readonly recipient?: string;
  /** Case-insensitive substring of the Subject; `%` and `_` match literally. */
  readonly subject?: string;
  readonly queueId?: string;
  /** Message-ID, with or without angle brackets. */
  readonly messageId?: string;
  /** SHA-256 of the message or of any of its artifacts. */
  readonly sha256?: string;
  readonly clientIp?: string;
  /** A URL host the message linked to: `example.com` matches it and its subdomains. */
  readonly urlDomain?: string;
  /** Received at or after. */
  readonly since?: Date;
  /** Received before. */
  readonly until?: Date;
  readonly action?: Action;
  readonly status?: MessageStatus;
  readonly organizationId?: number;
  /** Default 50, at most 1000. */
  readonly limit?: number;
}

export interface MessageSummary {
  readonly queueId: string;
  readonly organizationId: number;
  readonly nodeId: string;
  readonly receivedAt: string;
  readonly mailFrom: string;
  readonly recipients: readonly string[];
  readonly subject?: string;
  readonly headerFrom?: string;
  readonly messageId?: string;
  readonly clientIp: string;
  readonly size: number;
  readonly sha256: string;
  readonly action: Action;
  readonly score: number;
  readonly status: MessageStatus;
}

function checkTerm(name: string, value: string | undefined): void {
  if (value !== undefined && value.length > MAX_SEARCH_TERM_CHARS) {
    throw new MoatError('STORAGE_INVALID_QUERY', `search term ${name} is longer than ${String(MAX_SEARCH_TERM_CHARS)} characters`);
  }
}

function toIso(name: string, value: Date): string {
  if (Number.isNaN(value.getTime())) throw new MoatError('STORAGE_INVALID_QUERY', `search bound ${name} is not a valid date`);
  return value.toISOString();
}

/** Runs a message search, newest first. Throws `STORAGE_INVALID_QUERY` on oversized terms or invalid dates. */
export async function searchMessages(db: Kysely<Database>, q: MessageSearch): Promise<MessageSummary[]> {
  for (const key of ['sender', 'recipient', 'subject', 'queueId', 'messageId', 'sha256', 'clientIp', 'urlDomain'] as const) checkTerm(key, q[key]);

  let query = db
    .selectFrom('messages as m')
    .select([
      'm.queue_id',
      'm.organization_id',
      'm.node_id',
      'm.received_at',
      'm.mail_from',
      'm.subject',
      'm.header_from',
      'm.message_id',
      'm.client_ip',
      'm.size',
      'm.sha256',
      'm.action',
      'm.score',
      'm.status',
    ]);

  if (q.sender !== undefined) {
    const term = parseAddressTerm(q.sender);
    query =
      term.kind === 'address'
        ? query.where((eb) => eb(eb.fn('lower', ['m.mail_from']), '=', eb.fn('lower', [eb.val(term.value)])))
        : query.where('m.sender_domain', '=', term.value);
  }
  if (q.recipient !== undefined) {
    const term = parseAddressTerm(q.recipient);
    query = query.where('m.queue_id', 'in', (eb) => {
      const sub = eb.selectFrom('message_recipients as r').select('r.queue_id');
      return term.kind === 'address'
        ? sub.where((e) => e(e.fn('lower', ['r.recipient']), '=', e.fn('lower', [e.val(term.value)])))
        : sub.where('r.domain', '=', term.value);
    });
  }
  if (q.subject !== undefined) {
    const pattern = containsPattern(q.subject);
    query = query.where(sql<boolean>`lower(${sql.ref('m.subject')}) like lower(${pattern}) escape '\\'`);
  }
  if (q.queueId !== undefined) query = query.where('m.queue_id', '=', q.queueId);
  if (q.messageId !== undefined) query = query.where('m.message_id', '=', normalizeMessageId(q.messageId));
  if (q.sha256 !== undefined) {
    const hash = q.sha256.trim().toLowerCase();
    // One id list from both indexes (UNION ALL), not `sha256 = ? OR queue_id IN (...)`: with
    // the OR, PostgreSQL walks every message newest-first (seconds at 5 M rows; PERFORMANCE.md).
    query = query.where('m.queue_id', 'in', (eb) =>
      eb
        .selectFrom('messages as own')
        .select('own.queue_id')
        .where('own.sha256', '=', hash)
        .unionAll(eb.selectFrom('artifacts as a').select('a.queue_id').where('a.sha256', '=', hash)),
    );
  }
  if (q.clientIp !== undefined) query = query.where('m.client_ip', '=', q.clientIp.trim());
  if (q.urlDomain !== undefined) {
    const reversed = reverseHost(q.urlDomain.trim().replace(/^\*?\./, ''));
    // `com.example` itself, or anything from `com.example.` up to (not including) `com.example/`:
    // '/' sorts right after '.', so the range holds exactly the subdomains.
    query = query.where('m.queue_id', 'in', (eb) =>
      eb
        .selectFrom('message_urls as u')
        .select('u.queue_id')
        .where((e) => e.or([e('u.host_reversed', '=', reversed), e.and([e('u.host_reversed', '>=', `${reversed}.`), e('u.host_reversed', '<', `${reversed}/`)])])),
    );
  }
  if (q.since !== undefined) query = query.where('m.received_at', '>=', toIso('since', q.since));
  if (q.until !== undefined) query = query.where('m.received_at', '<', toIso('until', q.until));
  if (q.action !== undefined) query = query.where('m.action', '=', q.action);
  if (q.status !== undefined) query = query.where('m.status', '=', q.status);
  if (q.organizationId !== undefined) query = query.where('m.organization_id', '=', q.organizationId);

  const rows = await query
    .orderBy('m.received_at', 'desc')
    // Queue ids start with their creation time, so they break ties in the same order.
    .orderBy('m.queue_id', 'desc')
    .limit(clampLimit(q.limit))
    .execute();

  const recipients = new Map<string, string[]>();
  for (const ids of chunk(rows.map((r) => r.queue_id))) {
    const found = await db
      .selectFrom('message_recipients')
      .select(['queue_id', 'recipient'])
      .where('queue_id', 'in', ids)
      .orderBy('queue_id')
      .orderBy('recipient')
      .execute();
    for (const r of found) {
      const list = recipients.get(r.queue_id);
      if (list === undefined) recipients.set(r.queue_id, [r.recipient]);
      else list.push(r.recipient);
    }
  }

  return rows.map((r) => ({
    queueId: r.queue_id,
    organizationId: r.organization_id,
    nodeId: r.node_id,
    receivedAt: r.received_at,
    mailFrom: r.mail_from,
    recipients: recipients.get(r.queue_id) ?? [],
    ...(r.subject !== null && { subject: r.subject }),
    ...(r.header_from !== null && { headerFrom: r.header_from }),
    ...(r.message_id !== null && { messageId: r.message_id }),
    clientIp: r.client_ip,
    size: r.size,
    sha256: r.sha256,
    action: r.action,
    score: r.score,
    status: r.status,
  }));
}
