/**
 * Message-log search: every criterion is optional and they combine with AND.
 * Only portable SQL: lower() on both sides for case-insensitive matches and
 * LIKE ... ESCAPE '\' for substrings, so PostgreSQL runs the same query.
 *
 * A criterion kept in a child table (sha256, attachment name, recipient, URL domain) drives the
 * search when present: its `(criterion, received_at, queue_id)` index
 * (migration 0012) yields matches newest first, so "the newest 50" reads about
 * 50 index entries at any log size instead of walking or sorting every match
 * (figures in docs/PERFORMANCE.md).
 */
import { sql } from 'kysely';
import type { ExpressionBuilder, Kysely, RawBuilder } from 'kysely';
import type { Action } from '../core/index.js';
import { MoatError } from '../core/index.js';
import type { Database, MessageStatus, MessageUrlsTable } from './database.js';
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
  /** File name of an attachment or of a file inside one (any archive depth), whole, ignoring case. */
  readonly attachmentName?: string;
  readonly clientIp?: string;
  /** A URL host the message linked to: `example.com` matches it and its subdomains. */
  readonly urlDomain?: string;
  /** true: only messages a retro-hunt found (any recorded match). */
  readonly hunted?: boolean;
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

const SUMMARY_COLUMNS = [
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
] as const;

function selectSummaries(db: Kysely<Database>) {
  return db.selectFrom('messages as m').select([...SUMMARY_COLUMNS]);
}

type SummaryQuery = ReturnType<typeof selectSummaries>;
type SummaryRow = Awaited<ReturnType<SummaryQuery['execute']>>[number];

/** The criterion whose index drives the search (its other criteria are plain filters). */
type Driver = 'sha256' | 'attachmentName' | 'recipient' | 'urlDomain' | 'hunted';

/**
 * One newest-first walk over an index `(criterion, received_at, queue_id)`:
 * `alias` names the table it walks (`c`, a child table joined to `m`, or `m`
 * itself), `run` adds the join and the criterion and executes.
 */
interface Stream {
  readonly alias: 'c' | 'm';
  readonly run: (query: SummaryQuery) => Promise<SummaryRow[]>;
}

/**
 * More distinct URL hosts than this under one searched domain (a hosting
 * provider's customer subdomains) and the search walks messages instead:
 * every host is one index walk of up to `limit` rows.
 */
const MAX_URL_HOST_STREAMS = 32;

function hostRange(urlDomain: string): { readonly exact: string; readonly from: string; readonly to: string } {
  const exact = reverseHost(urlDomain.trim().replace(/^\*?\./, ''));
  // `com.example` itself, or anything from `com.example.` up to (not including) `com.example/`:
  // '/' sorts right after '.', so the range holds exactly the subdomains.
  return { exact, from: `${exact}.`, to: `${exact}/` };
}

/**
 * The distinct hosts stored under a domain's subdomain range, by a loose index
 * scan (one index probe per host, not one per URL row); `undefined` when there
 * are more than `MAX_URL_HOST_STREAMS`.
 */
async function listSubdomainHosts(db: Kysely<Database>, from: string, to: string): Promise<string[] | undefined> {
  // One lower bound per probe: given `>= from` and `> host` both, SQLite may seek to `from` and filter its way up.
  const next = (after: RawBuilder<string> | undefined): RawBuilder<string | null> =>
    sql`(select u.host_reversed from message_urls as u where ${after === undefined ? sql`u.host_reversed >= ${from}` : sql`u.host_reversed > ${after}`} and u.host_reversed < ${to} order by u.host_reversed limit 1)`;
  const found = await sql<{ host: string }>`with recursive hosts (host, n) as (
      select ${next(undefined)}, 1
      union all
      select ${next(sql<string>`h.host`)}, h.n + 1 from hosts as h where h.host is not null and h.n <= ${MAX_URL_HOST_STREAMS}
    ) select host from hosts where host is not null`.execute(db);
  const hosts = found.rows.map((r) => r.host);
  return hosts.length > MAX_URL_HOST_STREAMS - 1 ? undefined : hosts;
}

/** The streams for the first child criterion present, or `undefined` to run one plain query. */
async function pickStreams(db: Kysely<Database>, q: MessageSearch): Promise<{ readonly driver: Driver; readonly streams: readonly Stream[] } | undefined> {
  // A queue id or Message-ID names one message: its primary key or index beats any walk.
  if (q.queueId !== undefined || q.messageId !== undefined) return undefined;
  if (q.sha256 !== undefined) {
    const hash = q.sha256.trim().toLowerCase();
    return {
      driver: 'sha256',
      streams: [
        { alias: 'm', run: (query) => query.where('m.sha256', '=', hash).execute() },
        { alias: 'c', run: (query) => query.innerJoin('artifacts as c', 'c.queue_id', 'm.queue_id').where('c.sha256', '=', hash).execute() },
      ],
    };
  }
  if (q.attachmentName !== undefined) {
    const name = q.attachmentName.trim();
    return {
      driver: 'attachmentName',
      streams: [
        {
          alias: 'c',
          run: (query) =>
            query
              .innerJoin('artifacts as c', 'c.queue_id', 'm.queue_id')
              .where((e) => e(e.fn('lower', ['c.declared_name']), '=', e.fn('lower', [e.val(name)])))
              .execute(),
        },
      ],
    };
  }
  if (q.recipient !== undefined) {
    const term = parseAddressTerm(q.recipient);
    const run: Stream['run'] =
      term.kind === 'address'
        ? (query) =>
            query
              .innerJoin('message_recipients as c', 'c.queue_id', 'm.queue_id')
              .where((e) => e(e.fn('lower', ['c.recipient']), '=', e.fn('lower', [e.val(term.value)])))
              .execute()
        : (query) => query.innerJoin('message_recipients as c', 'c.queue_id', 'm.queue_id').where('c.domain', '=', term.value).execute();
    return { driver: 'recipient', streams: [{ alias: 'c', run }] };
  }
  if (q.urlDomain !== undefined) {
    const range = hostRange(q.urlDomain);
    const subdomains = await listSubdomainHosts(db, range.from, range.to);
    if (subdomains === undefined) return undefined;
    const streams = [range.exact, ...subdomains].map(
      (host): Stream => ({ alias: 'c', run: (query) => query.innerJoin('message_urls as c', 'c.queue_id', 'm.queue_id').where('c.host_reversed', '=', host).execute() }),
    );
    return { driver: 'urlDomain', streams };
  }
  // Matches carry their message's received_at, indexed with queue_id (0017): the newest hunted messages first.
  if (q.hunted === true) return { driver: 'hunted', streams: [{ alias: 'c', run: (query) => query.innerJoin('hunt_matches as c', 'c.queue_id', 'm.queue_id').execute() }] };
  return undefined;
}

/** Every criterion but the driver's, as filters on `m`. */
function applyFilters(base: SummaryQuery, q: MessageSearch, driver: Driver | undefined): SummaryQuery {
  let query = base;
  if (q.sender !== undefined) {
    const term = parseAddressTerm(q.sender);
    query =
      term.kind === 'address'
        ? query.where((eb) => eb(eb.fn('lower', ['m.mail_from']), '=', eb.fn('lower', [eb.val(term.value)])))
        : query.where('m.sender_domain', '=', term.value);
  }
  if (q.attachmentName !== undefined && driver !== 'attachmentName') {
    const name = q.attachmentName.trim();
    query = query.where(({ exists, selectFrom }) =>
      exists(
        selectFrom('artifacts as n')
          .select('n.queue_id')
          .whereRef('n.queue_id', '=', 'm.queue_id')
          .where((e) => e(e.fn('lower', ['n.declared_name']), '=', e.fn('lower', [e.val(name)]))),
      ),
    );
  }
  if (q.recipient !== undefined && driver !== 'recipient') {
    // Checked per candidate (a primary-key prefix probe), not as the id list of every message to a busy
    // domain: SQLite builds that list in full for `IN (SELECT ...)`, seconds at 5 M messages.
    const term = parseAddressTerm(q.recipient);
    query = query.where(({ exists, selectFrom }) => {
      const sub = selectFrom('message_recipients as r').select('r.queue_id').whereRef('r.queue_id', '=', 'm.queue_id');
      return exists(
        term.kind === 'address'
          ? sub.where((e) => e(e.fn('lower', ['r.recipient']), '=', e.fn('lower', [e.val(term.value)])))
          : sub.where('r.domain', '=', term.value),
      );
    });
  }
  if (q.subject !== undefined) {
    const pattern = containsPattern(q.subject);
    query = query.where(sql<boolean>`lower(${sql.ref('m.subject')}) like lower(${pattern}) escape '\\'`);
  }
  if (q.queueId !== undefined) query = query.where('m.queue_id', '=', q.queueId);
  if (q.messageId !== undefined) query = query.where('m.message_id', '=', normalizeMessageId(q.messageId));
  if (q.sha256 !== undefined && driver !== 'sha256') {
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
  if (q.urlDomain !== undefined && driver !== 'urlDomain') {
    const range = hostRange(q.urlDomain);
    const inRange = (e: ExpressionBuilder<Database & { u: MessageUrlsTable }, 'u'>) =>
      e.or([e('u.host_reversed', '=', range.exact), e.and([e('u.host_reversed', '>=', range.from), e('u.host_reversed', '<', range.to)])]);
    // Behind another driver, a probe per candidate (as for recipients above); alone (a domain with more hosts
    // than the walks take), the id list, which lets PostgreSQL pick between it and a newest-first walk.
    query =
      driver === undefined
        ? query.where('m.queue_id', 'in', (eb) => eb.selectFrom('message_urls as u').select('u.queue_id').where(inRange))
        : query.where(({ exists, selectFrom }) => exists(selectFrom('message_urls as u').select('u.queue_id').whereRef('u.queue_id', '=', 'm.queue_id').where(inRange)));
  }
  if (q.hunted === true && driver !== 'hunted') {
    query = query.where(({ exists, selectFrom }) => exists(selectFrom('hunt_matches as h').select('h.queue_id').whereRef('h.queue_id', '=', 'm.queue_id')));
  }
  if (q.since !== undefined) query = query.where('m.received_at', '>=', toIso('since', q.since));
  if (q.until !== undefined) query = query.where('m.received_at', '<', toIso('until', q.until));
  if (q.action !== undefined) query = query.where('m.action', '=', q.action);
  if (q.status !== undefined) query = query.where('m.status', '=', q.status);
  if (q.organizationId !== undefined) query = query.where('m.organization_id', '=', q.organizationId);
  return query;
}

/**
 * One page of a stream, newest first: up to `size` rows older than `after`.
 * The walk is ordered by the stream's own (received_at, queue_id), equal to the
 * message's, so the rows of a message with several matching children come
 * together, and the keyset makes the next page's index range start there.
 */
function readPage(stream: Stream, base: SummaryQuery, q: MessageSearch, after: SummaryRow | undefined, size: number): Promise<SummaryRow[]> {
  const receivedAt = sql.ref<string>(`${stream.alias}.received_at`);
  const queueId = sql.ref<string>(`${stream.alias}.queue_id`);
  let page = base.orderBy(receivedAt, 'desc').orderBy(queueId, 'desc').limit(size);
  // Bounds on the walked table's own copy, so they bound its index range too.
  if (q.since !== undefined) page = page.where(sql<boolean>`${receivedAt} >= ${toIso('since', q.since)}`);
  if (q.until !== undefined) page = page.where(sql<boolean>`${receivedAt} < ${toIso('until', q.until)}`);
  if (after !== undefined) {
    // `received_at <= x` is the index bound; the OR (not a bound on either dialect) only filters.
    page = page.where(sql<boolean>`${receivedAt} <= ${after.received_at} and (${receivedAt} < ${after.received_at} or ${queueId} < ${after.queue_id})`);
  }
  return stream.run(page);
}

/** A quarter more than still missing: repeated children (two URLs on one host) rarely need another page. */
function pageSize(missing: number): number {
  return Math.ceil(missing * 1.25) + 1;
}

/**
 * The newest `limit` distinct messages over all streams, reading each lazily:
 * a small first page from every stream, then more only from the stream whose
 * last row read is the newest, since until it is read further no older row
 * can be known to be among the newest. Every row at or above that frontier is
 * final (each stream's unread rows are older than its last row read).
 */
async function mergeStreams(streams: readonly Stream[], base: SummaryQuery, q: MessageSearch, limit: number): Promise<SummaryRow[]> {
  const walks = streams.map((stream) => ({ stream, last: undefined as SummaryRow | undefined, done: false }));
  const found = new Map<string, SummaryRow>();
  const read = async (walk: (typeof walks)[number], size: number): Promise<void> => {
    const rows = await readPage(walk.stream, base, q, walk.last, size);
    for (const row of rows) found.set(row.queue_id, row);
    walk.last = rows.at(-1) ?? walk.last;
    walk.done = rows.length < size;
  };
  // Shared among the walks not known to be exhausted: a rare stream read first (a message's own hash)
  // leaves the whole page to the next, saving a statement (PostgreSQL may start workers for each).
  for (const walk of walks) await read(walk, pageSize(limit / walks.filter((w) => !w.done).length));
  for (;;) {
    const open = walks.filter((w) => !w.done && w.last !== undefined);
    const frontier = open.map((w) => w.last).reduce<SummaryRow | undefined>((a, b) => (a === undefined || (b !== undefined && compareNewestFirst(b, a) < 0) ? b : a), undefined);
    const sorted = [...found.values()].sort(compareNewestFirst);
    const final = frontier === undefined ? sorted : sorted.filter((row) => compareNewestFirst(row, frontier) <= 0);
    const next = open.find((w) => w.last === frontier);
    if (final.length >= limit || next === undefined) return final.slice(0, limit);
    await read(next, pageSize(limit - final.length));
  }
}

/** Newest first, ties by queue id, as `ORDER BY received_at DESC, queue_id DESC` (both are fixed-format ASCII). */
function compareNewestFirst(a: SummaryRow, b: SummaryRow): number {
  if (a.received_at !== b.received_at) return a.received_at < b.received_at ? 1 : -1;
  return a.queue_id < b.queue_id ? 1 : a.queue_id > b.queue_id ? -1 : 0;
}

/**
 * The matching rows, newest first. A child-table criterion (sha256, recipient,
 * URL domain) drives: its index walks read about `limit` rows between them,
 * in order, with every other criterion checked on the way. Without one, a
 * single query over `messages` (its own indexes).
 */
async function findRows(db: Kysely<Database>, q: MessageSearch, limit: number): Promise<SummaryRow[]> {
  const picked = await pickStreams(db, q);
  if (picked === undefined) {
    return (
      applyFilters(selectSummaries(db), q, undefined)
        .orderBy('m.received_at', 'desc')
        // Queue ids start with their creation time, so they break ties in the same order.
        .orderBy('m.queue_id', 'desc')
        .limit(limit)
        .execute()
    );
  }
  return mergeStreams(picked.streams, applyFilters(selectSummaries(db), q, picked.driver), q, limit);
}

/** Runs a message search, newest first. Throws `STORAGE_INVALID_QUERY` on oversized terms or invalid dates. */
export async function searchMessages(db: Kysely<Database>, q: MessageSearch): Promise<MessageSummary[]> {
  for (const key of ['sender', 'recipient', 'subject', 'queueId', 'messageId', 'sha256', 'attachmentName', 'clientIp', 'urlDomain'] as const) checkTerm(key, q[key]);
  // Invalid bounds fail before any query runs.
  if (q.since !== undefined) toIso('since', q.since);
  if (q.until !== undefined) toIso('until', q.until);

  const rows = await findRows(db, q, clampLimit(q.limit));

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
