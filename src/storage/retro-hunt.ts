/**
 * Retro-hunt: which logged messages carry any of a set of indicators, within a
 * time window. Every lookup walks an index (never a scan of `messages` per
 * indicator): indicators of one type go into IN lists of up to 500 values, so
 * 1,000 indicators are a handful of statements.
 *
 * What each type is looked up in (and the index that serves it):
 * - sha256: artifacts.sha256 (`artifacts_sha256_received`) and messages.sha256
 *   (`messages_sha256_received`);
 * - filename: lower(artifacts.declared_name) (0015), the whole name only (the
 *   ioc engine also tries a name's last path segment; no index serves a suffix);
 * - ipv4/ipv6 address: messages.client_ip (`messages_client_ip_received`);
 *   an IPv4 network of up to 256 addresses is listed address by address, a
 *   bigger one becomes up to 256 text ranges on octet boundaries
 *   (`10.1.` to `10.1/`), which needs byte-order collation, like the URL-domain
 *   search (README "Two engines"); an IPv6 network bigger than one address
 *   walks the distinct logged addresses (one index probe each, at most
 *   MAX_DISTINCT_ADDRESSES) and tests each with `networks.contains`;
 * - domain: messages.sender_domain (exact) and message_urls.host_reversed
 *   (the domain and its subdomains, a range);
 * - email: lower(messages.mail_from) (0010);
 * - url: message_urls by host and the recorded URL equal to the indicator's
 *   normal form (a URL recorded in another form, with a fragment or an
 *   upper-case host, is not found). No index holds the URL itself: for a batch
 *   PostgreSQL may read message_urls once rather than every row of popular
 *   hosts through the host index (the cheaper of the two; PERFORMANCE.md);
 * - subject: substr(lower(subject), 1, 200) (0017), then the whole subject
 *   compared after the intel normalisation (case folded, whitespace collapsed);
 *   a recorded subject whose first 200 characters differ in whitespace from the
 *   normal form is not found (the index holds the subject as written);
 * - md5, sha1: the log keeps SHA-256 only: reported as not huntable.
 * The header From and a sender's subdomains are not indexed and not hunted.
 */
import { createHash } from 'node:crypto';
import { sql, type Expression, type ExpressionBuilder, type Kysely, type RawBuilder, type SqlBool } from 'kysely';
import type { Action } from '../core/index.js';
import { MoatError } from '../core/index.js';
import type { Database, MessageStatus } from './database.js';
import { chunk, MAX_ROWS_PER_STATEMENT } from './limits.js';
import { hostOfUrl, reverseHost } from './text-match.js';

export type HuntField =
  | 'artifact.sha256'
  | 'artifact.name'
  | 'message.client_ip'
  | 'message.mail_from'
  | 'message.header_from'
  | 'message.sender_domain'
  | 'url.domain'
  | 'url'
  | 'message.subject'
  | 'message.sha256';

/** An indicator to hunt; `value` normalised as `intel/` normalises its type. */
export interface HuntIndicator {
  /** The database row; absent for an indicator from a configured file. */
  readonly id?: number;
  readonly type: string;
  readonly value: string;
}

/** IPv6 network tests, from `intel/` (storage does not parse addresses beyond IPv4). */
export interface HuntNetworks {
  /** Whether `address` (as logged) is inside the IPv6 network `network` (`net/len`). */
  contains(network: string, address: string): boolean;
}

export interface HuntOptions {
  /** Messages received at or after. */
  readonly since: Date;
  /** Received before; default: no bound. */
  readonly until?: Date;
  /** Messages kept per indicator and field, newest first when cut; at most MAX_LIMIT_PER_INDICATOR. */
  readonly limitPerIndicator: number;
  /** Needed for IPv6 networks; without it they are reported not huntable. */
  readonly networks?: HuntNetworks;
}

export interface HuntMatch {
  readonly queueId: string;
  readonly organizationId: number;
  readonly receivedAt: string;
  readonly action: Action;
  readonly status: MessageStatus;
  readonly indicatorId?: number;
  readonly indicatorType: string;
  readonly indicatorValue: string;
  readonly matchedField: HuntField;
  readonly matchedValue: string;
}

export interface HuntNotHuntable {
  readonly type: string;
  readonly count: number;
  readonly reason: string;
}

export interface HuntResult {
  readonly matches: readonly HuntMatch[];
  readonly notHuntable: readonly HuntNotHuntable[];
  /** Indicators that matched more messages than `limitPerIndicator` in one field (the newest were kept). */
  readonly truncated: readonly { readonly type: string; readonly value: string; readonly field: HuntField }[];
}

/** Per indicator and field: a hash in every message of a campaign is reported by its newest 10,000. */
export const MAX_LIMIT_PER_INDICATOR = 10_000;
/** Rows one batched statement may return before the batch is re-read value by value, each with its own limit. */
const MAX_ROWS_PER_QUERY = 20_000;
/** IPv4 networks up to this many addresses are listed address by address. */
const MAX_LISTED_ADDRESSES = 256;
/** Text ranges per OR statement (each is one index range). */
const RANGES_PER_STATEMENT = 100;
/** Distinct client addresses walked for IPv6 networks: one index probe each (about 1 s per 100,000 on PostgreSQL). */
const MAX_DISTINCT_ADDRESSES = 500_000;
/** Matches one run keeps in memory (~300 bytes each: 60 MB); the lookups after it are reported, not run. */
export const MAX_MATCHES_PER_RUN = 200_000;
/** Characters of the subject the 0017 index holds. */
const SUBJECT_PREFIX_CHARS = 200;

/** One matching row, before it is assigned to indicators. */
interface Hit {
  readonly queue_id: string;
  readonly organization_id: number;
  readonly received_at: string;
  readonly action: Action;
  readonly status: MessageStatus;
  readonly matched: string | null;
}

type Where = (keys: readonly string[]) => (eb: ExpressionBuilder<Database, 'messages'>) => Expression<SqlBool>;

/** How one field is looked up: the statement for a batch of keys, newest first when limited. */
interface Probe {
  readonly field: HuntField;
  run(keys: readonly string[], limit: number, window: Window): Promise<Hit[]>;
}

interface Window {
  readonly since: string;
  readonly until: string | undefined;
}

const sha256Of = (text: string): string => createHash('sha256').update(text).digest('hex');

/** The subject normal form of intel/normalise.ts (kept equal: the hunt compares against indicator values made there). */
export function normaliseHuntSubject(text: string): string {
  return text.normalize('NFC').replace(/\s+/gu, ' ').trim().toLowerCase();
}

/** The URL normal form of intel/normalise.ts: WHATWG serialisation, fragment dropped; undefined when not a URL. */
export function normaliseHuntUrl(text: string): string | undefined {
  try {
    const url = new URL(text.trim());
    if (!url.host) return undefined;
    url.hash = '';
    return url.href;
  } catch {
    // Not a URL: cannot be an indicator's URL.
    return undefined;
  }
}

/**
 * One value looked up alone (a batch read again value by value): its `(value, received_at, queue_id)` index hands
 * the newest first, so a cut keeps the newest. Not for a range (a network, a domain's subdomains): ordering it
 * would sort every row in the range, so its cut keeps the rows the index hands first.
 */
function newestFirst(keys: readonly string[]): boolean {
  return keys.length === 1 && !(keys[0] ?? '').includes('\u0000');
}

/** A probe on `messages` itself: `column` (or an expression) against the keys. */
function messageProbe(db: Kysely<Database>, field: HuntField, matched: RawBuilder<string>, where: Where): Probe {
  return {
    field,
    run: async (keys, limit, window) => {
      let query = db
        .selectFrom('messages')
        .select(['queue_id', 'organization_id', 'received_at', 'action', 'status', matched.as('matched')])
        .where(where(keys))
        .where('received_at', '>=', window.since);
      if (window.until !== undefined) query = query.where('received_at', '<', window.until);
      if (newestFirst(keys)) query = query.orderBy('received_at', 'desc');
      return (await query.limit(limit).execute()) as Hit[];
    },
  };
}

/** A probe on a child table (artifacts, message_urls) joined to its message by primary key. */
function childProbe(
  db: Kysely<Database>,
  field: HuntField,
  table: 'artifacts' | 'message_urls',
  matched: string,
  where: (keys: readonly string[]) => ReturnType<typeof sql<SqlBool>>,
  ordered = true,
): Probe {
  return {
    field,
    run: async (keys, limit, window) => {
      const until = window.until === undefined ? sql`` : sql` and c.received_at < ${window.until}`;
      const order = ordered && newestFirst(keys) ? sql` order by c.received_at desc` : sql``;
      const result = await sql<Hit>`select m.queue_id, m.organization_id, m.received_at, m.action, m.status, ${sql.raw(matched)} as matched
        from ${sql.table(table)} as c inner join messages as m on m.queue_id = c.queue_id
        where ${where(keys)} and c.received_at >= ${window.since}${until}${order} limit ${limit}`.execute(db);
      return result.rows;
    },
  };
}

const inList = (column: string, keys: readonly string[]) => sql<SqlBool>`${sql.raw(column)} in (${sql.join(keys.map((k) => sql`${k}`))})`;

/** `[from, to)` ranges as one OR (each an index range on the column). */
function rangesWhere(column: string, keys: readonly string[]) {
  return sql<SqlBool>`(${sql.join(
    keys.map((k) => {
      const [from, to] = k.split('\u0000');
      return sql`(${sql.raw(column)} >= ${from ?? ''} and ${sql.raw(column)} < ${to ?? ''})`;
    }),
    sql` or `,
  )})`;
}

/** A parsed IPv4 network: the address as a 32-bit number and the prefix length. */
interface V4Net {
  readonly base: number;
  readonly prefix: number;
}

function parseV4(text: string): number | undefined {
  const parts = text.split('.');
  if (parts.length !== 4) return undefined;
  let n = 0;
  for (const part of parts) {
    if (!/^\d{1,3}$/u.test(part) || Number(part) > 255) return undefined;
    n = n * 256 + Number(part);
  }
  return n;
}

function parseV4Net(value: string): V4Net | undefined {
  const [addr = '', len] = value.split('/');
  const base = parseV4(addr);
  const prefix = len === undefined ? 32 : Number(len);
  if (base === undefined || !Number.isInteger(prefix) || prefix < 0 || prefix > 32) return undefined;
  const size = 2 ** (32 - prefix);
  return { base: base - (base % size), prefix };
}

const v4Text = (n: number): string => [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');

function v4Contains(net: V4Net, address: string): boolean {
  const n = parseV4(address);
  if (n === undefined) return false;
  const size = 2 ** (32 - net.prefix);
  return n >= net.base && n < net.base + size;
}

/**
 * The keys an IPv4 network is looked up by: its addresses when it has at most
 * 256, else text ranges `a.b.` to `a.b/` ('/' sorts right after '.') over the
 * octet-aligned prefixes it covers (at most 256).
 */
function v4Keys(net: V4Net): { readonly addresses: readonly string[]; readonly ranges: readonly string[] } {
  const size = 2 ** (32 - net.prefix);
  if (size <= MAX_LISTED_ADDRESSES) return { addresses: Array.from({ length: size }, (_, i) => v4Text(net.base + i)), ranges: [] };
  if (net.prefix === 0) return { addresses: [], ranges: Array.from({ length: 256 }, (_, i) => `${String(i)}.\u0000${String(i)}/`) };
  const octets = Math.ceil(net.prefix / 8);
  const step = 2 ** (32 - octets * 8);
  const ranges: string[] = [];
  for (let n = net.base; n < net.base + size; n += step) {
    const prefix = v4Text(n).split('.').slice(0, octets).join('.');
    ranges.push(`${prefix}.\u0000${prefix}/`);
  }
  return { addresses: [], ranges };
}

/** Walks the distinct logged client addresses (one index probe each), at most MAX_DISTINCT_ADDRESSES. */
async function distinctV6Addresses(db: Kysely<Database>): Promise<string[]> {
  const out: string[] = [];
  let walked = 0;
  let after = '';
  // IPv6 addresses hold ':'; IPv4 ones never do. Read in pages so that no statement runs long.
  for (;;) {
    const page = await sql<{ ip: string }>`with recursive ips (ip, n) as (
        select (select client_ip from messages where client_ip > ${after} order by client_ip limit 1), 1
        union all
        select (select client_ip from messages where client_ip > i.ip order by client_ip limit 1), i.n + 1 from ips as i where i.ip is not null and i.n < 10000
      ) select ip from ips where ip is not null`.execute(db);
    for (const row of page.rows) if (row.ip.includes(':')) out.push(row.ip);
    const last = page.rows.at(-1)?.ip;
    walked += page.rows.length;
    if (last === undefined || page.rows.length < 10000) return out;
    if (walked >= MAX_DISTINCT_ADDRESSES) throw new MoatError('STORAGE_INVALID_QUERY', `more than ${String(MAX_DISTINCT_ADDRESSES)} distinct client addresses: IPv6 networks cannot be hunted`);
    after = last;
  }
}

interface Lookup {
  readonly probe: Probe;
  readonly keys: readonly string[];
  /** The indicators a matched value belongs to. */
  readonly assign: (matched: string) => readonly HuntIndicator[];
  /**
   * Keys per statement; 1 where an IN list of popular values would have the planner trade the index for a
   * scan that stops at the LIMIT (a domain: some are in 10 % of the mail), default MAX_ROWS_PER_STATEMENT.
   */
  readonly batch?: number;
}

/** Runs a probe over its keys in batches; a batch that returns too many rows is read again key by key. */
async function runLookup(lookup: Lookup, options: HuntOptions, window: Window): Promise<{ hits: Map<string, Hit[]>; cut: Set<string> }> {
  const limit = Math.min(Math.max(1, Math.floor(options.limitPerIndicator)), MAX_LIMIT_PER_INDICATOR);
  const byKey = new Map<string, Hit[]>();
  const cut = new Set<string>();
  const batchSize = lookup.batch ?? (lookup.probe.field === 'message.client_ip' && lookup.keys.some((k) => k.includes('\u0000')) ? RANGES_PER_STATEMENT : MAX_ROWS_PER_STATEMENT);
  for (const batch of chunk(lookup.keys, batchSize)) {
    if (batch.length === 1) {
      const one = await lookup.probe.run(batch, limit + 1, window);
      if (one.length > limit) cut.add(batch[0] ?? '');
      byKey.set(batch[0] ?? '', one.slice(0, limit));
      continue;
    }
    const cap = Math.min(batch.length * limit, MAX_ROWS_PER_QUERY);
    const rows = await lookup.probe.run(batch, cap + 1, window);
    if (rows.length <= cap) {
      byKey.set(batch.join('\u0001'), rows);
      continue;
    }
    for (const key of batch) {
      const one = await lookup.probe.run([key], limit + 1, window);
      if (one.length > limit) cut.add(key);
      byKey.set(key, one.slice(0, limit));
    }
  }
  return { hits: byKey, cut };
}

/** Finds the messages carrying any of `indicators` in the window (see the file comment for what is looked up where). */
export async function huntIndicators(db: Kysely<Database>, indicators: readonly HuntIndicator[], options: HuntOptions): Promise<HuntResult> {
  if (Number.isNaN(options.since.getTime()) || (options.until !== undefined && Number.isNaN(options.until.getTime()))) {
    throw new MoatError('STORAGE_INVALID_QUERY', 'hunt window is not a valid date');
  }
  const window: Window = { since: options.since.toISOString(), until: options.until?.toISOString() };
  const limit = Math.min(Math.max(1, Math.floor(options.limitPerIndicator)), MAX_LIMIT_PER_INDICATOR);
  const notHuntable = new Map<string, { count: number; reason: string }>();
  const skip = (type: string, reason: string): void => {
    const entry = notHuntable.get(type);
    notHuntable.set(type, { count: (entry?.count ?? 0) + 1, reason });
  };

  const group = (type: string): HuntIndicator[] => indicators.filter((i) => i.type === type);
  const indexBy = (list: readonly HuntIndicator[], keyOf: (i: HuntIndicator) => string | undefined): Map<string, HuntIndicator[]> => {
    const map = new Map<string, HuntIndicator[]>();
    for (const i of list) {
      const key = keyOf(i);
      if (key === undefined) continue;
      const entry = map.get(key);
      if (entry === undefined) map.set(key, [i]);
      else entry.push(i);
    }
    return map;
  };
  const exact = (map: Map<string, HuntIndicator[]>) => (matched: string) => map.get(matched) ?? [];
  const lookups: Lookup[] = [];

  // Hashes: the artifacts' and the message's own.
  const hashes = indexBy(group('sha256'), (i) => i.value.toLowerCase());
  if (hashes.size > 0) {
    const keys = [...hashes.keys()];
    lookups.push({ probe: childProbe(db, 'artifact.sha256', 'artifacts', 'c.sha256', (k) => inList('c.sha256', k)), keys, assign: exact(hashes) });
    lookups.push({ probe: messageProbe(db, 'message.sha256', sql.ref<string>('sha256'), (k) => (eb) => eb('sha256', 'in', [...k])), keys, assign: exact(hashes) });
  }
  for (const type of ['md5', 'sha1']) {
    for (let n = group(type).length; n > 0; n--) skip(type, 'not huntable: the log keeps SHA-256 only');
  }

  const names = indexBy(group('filename'), (i) => i.value.toLowerCase());
  if (names.size > 0) {
    lookups.push({
      probe: childProbe(db, 'artifact.name', 'artifacts', 'lower(c.declared_name)', (k) => sql<SqlBool>`lower(c.declared_name) in (${sql.join(k.map((v) => sql`${v}`))})`),
      keys: [...names.keys()],
      assign: exact(names),
    });
  }

  // Client addresses: hosts and small networks by address, big IPv4 networks by text range, big IPv6 networks by walking.
  const addressOwners = new Map<string, HuntIndicator[]>();
  const v4Networks: { readonly net: V4Net; readonly indicator: HuntIndicator }[] = [];
  const v6Networks: HuntIndicator[] = [];
  const ranges = new Set<string>();
  for (const indicator of [...group('ipv4'), ...group('ipv6')]) {
    if (indicator.type === 'ipv4') {
      const net = parseV4Net(indicator.value);
      if (net === undefined) {
        skip('ipv4', 'not huntable: not an IPv4 address or network');
        continue;
      }
      const keys = v4Keys(net);
      for (const address of keys.addresses) addressOwners.set(address, [...(addressOwners.get(address) ?? []), indicator]);
      for (const range of keys.ranges) ranges.add(range);
      if (keys.ranges.length > 0) v4Networks.push({ net, indicator });
    } else if (!indicator.value.includes('/') || indicator.value.endsWith('/128')) {
      const address = indicator.value.replace(/\/128$/u, '');
      addressOwners.set(address, [...(addressOwners.get(address) ?? []), indicator]);
    } else if (options.networks === undefined) {
      skip('ipv6', 'not huntable: IPv6 networks need the address parser');
    } else {
      v6Networks.push(indicator);
    }
  }
  if (v6Networks.length > 0 && options.networks !== undefined) {
    const networks = options.networks;
    for (const address of await distinctV6Addresses(db)) {
      const owners = v6Networks.filter((n) => networks.contains(n.value, address));
      if (owners.length > 0) addressOwners.set(address, [...(addressOwners.get(address) ?? []), ...owners]);
    }
  }
  const ipProbe = messageProbe(db, 'message.client_ip', sql.ref<string>('client_ip'), (k) => (eb) => {
    const list = k.filter((key) => !key.includes('\u0000'));
    const spans = k.filter((key) => key.includes('\u0000'));
    const parts: Expression<SqlBool>[] = [];
    if (list.length > 0) parts.push(eb('client_ip', 'in', list));
    if (spans.length > 0) parts.push(rangesWhere('client_ip', spans));
    return eb.or(parts);
  });
  const ipAssign = (matched: string): HuntIndicator[] => [...(addressOwners.get(matched) ?? []), ...v4Networks.filter((n) => v4Contains(n.net, matched)).map((n) => n.indicator)];
  if (addressOwners.size > 0) lookups.push({ probe: ipProbe, keys: [...addressOwners.keys()], assign: ipAssign });
  if (ranges.size > 0) lookups.push({ probe: ipProbe, keys: [...ranges], assign: (matched) => v4Networks.filter((n) => v4Contains(n.net, matched)).map((n) => n.indicator) });

  // Domains: the envelope sender's domain, and URL hosts (the domain and its subdomains).
  const domains = indexBy(group('domain'), (i) => i.value.toLowerCase());
  if (domains.size > 0) {
    lookups.push({ probe: messageProbe(db, 'message.sender_domain', sql.ref<string>('sender_domain'), (k) => (eb) => eb('sender_domain', 'in', [...k])), keys: [...domains.keys()], assign: exact(domains), batch: 1 });
    const reversed = new Map([...domains].map(([domain, owners]) => [reverseHost(domain), owners]));
    lookups.push({
      probe: childProbe(db, 'url.domain', 'message_urls', 'c.host_reversed', (k) => sql<SqlBool>`(${inList('c.host_reversed', k)} or ${rangesWhere('c.host_reversed', k.map((r) => `${r}.\u0000${r}/`))})`, false),
      keys: [...reversed.keys()],
      batch: 1,
      assign: (matched) => {
        // The host and each parent domain: `com.example.mail` → `com.example.mail`, `com.example`, `com`.
        const labels = matched.split('.');
        const owners: HuntIndicator[] = [];
        for (let n = labels.length; n > 0; n--) owners.push(...(reversed.get(labels.slice(0, n).join('.')) ?? []));
        return owners;
      },
    });
  }

  const emails = indexBy(group('email'), (i) => i.value.toLowerCase());
  if (emails.size > 0) {
    lookups.push({
      probe: messageProbe(db, 'message.mail_from', sql<string>`lower(mail_from)`, (k) => (eb) => eb(eb.fn('lower', ['mail_from']), 'in', [...k])),
      keys: [...emails.keys()],
      assign: exact(emails),
    });
  }

  // URLs: by host (the index), then the URL itself (a filter on the rows of those hosts).
  const urls = indexBy(group('url'), (i) => i.value);
  const urlKeys: string[] = [];
  for (const url of urls.keys()) {
    if (hostOfUrl(url) === undefined) skip('url', 'not huntable: no host');
    else urlKeys.push(url);
  }
  if (urlKeys.length > 0) {
    const hostsOf = (k: readonly string[]): string[] => [...new Set(k.map((url) => reverseHost(hostOfUrl(url) ?? '')))];
    lookups.push({
      probe: childProbe(db, 'url', 'message_urls', 'c.url', (k) => sql<SqlBool>`${inList('c.host_reversed', hostsOf(k))} and ${inList('c.url', k)}`),
      keys: urlKeys,
      // Batched: alone, a URL on a popular host reads every row of the host through the index (~100 ms each at
      // 2 M messages); batched, PostgreSQL reads message_urls once (docs/PERFORMANCE.md "Retro-hunt").
      assign: (matched) => urls.get(normaliseHuntUrl(matched) ?? '') ?? [],
    });
  }

  // Subjects: by the indexed prefix, then whole.
  const subjects = indexBy(group('subject'), (i) => normaliseHuntSubject(i.value));
  if (subjects.size > 0) {
    const prefixes = new Set([...subjects.keys()].map((s) => s.slice(0, SUBJECT_PREFIX_CHARS)));
    lookups.push({
      probe: messageProbe(db, 'message.subject', sql.ref<string>('subject'), (k) => (eb) => eb(sql`substr(lower(subject), 1, ${SUBJECT_PREFIX_CHARS})`, 'in', [...k])),
      keys: [...prefixes],
      assign: (matched) => subjects.get(normaliseHuntSubject(matched)) ?? [],
    });
  }

  for (const type of new Set(indicators.map((i) => i.type))) {
    if (!['sha256', 'md5', 'sha1', 'filename', 'ipv4', 'ipv6', 'domain', 'email', 'url', 'subject'].includes(type)) {
      for (let n = group(type).length; n > 0; n--) skip(type, 'not huntable: unknown indicator type');
    }
  }

  const matches = new Map<string, HuntMatch>();
  const perIndicator = new Map<string, number>();
  const truncated = new Map<string, { type: string; value: string; field: HuntField }>();
  for (const [index, lookup] of lookups.entries()) {
    if (matches.size >= MAX_MATCHES_PER_RUN) {
      for (const rest of lookups.slice(index)) skip(rest.probe.field, `not hunted: the run reached ${String(MAX_MATCHES_PER_RUN)} matches; hunt fewer indicators at a time`);
      break;
    }
    const { hits, cut } = await runLookup(lookup, options, window);
    const rows = [...hits.values()].flat().sort((a, b) => (a.received_at < b.received_at ? 1 : a.received_at > b.received_at ? -1 : 0));
    for (const row of rows) {
      if (row.matched === null) continue;
      for (const indicator of lookup.assign(row.matched)) {
        const key = `${row.queue_id}\u0000${indicator.type}\u0000${indicator.value}\u0000${lookup.probe.field}`;
        if (matches.has(key)) continue;
        const counter = `${indicator.type}\u0000${indicator.value}\u0000${lookup.probe.field}`;
        const seen = perIndicator.get(counter) ?? 0;
        if (seen >= limit) {
          truncated.set(counter, { type: indicator.type, value: indicator.value, field: lookup.probe.field });
          continue;
        }
        perIndicator.set(counter, seen + 1);
        matches.set(key, {
          queueId: row.queue_id,
          organizationId: row.organization_id,
          receivedAt: row.received_at,
          action: row.action,
          status: row.status,
          ...(indicator.id === undefined ? {} : { indicatorId: indicator.id }),
          indicatorType: indicator.type,
          indicatorValue: indicator.value,
          matchedField: lookup.probe.field,
          // URL hosts are indexed reversed; shown as written.
          matchedValue: lookup.probe.field === 'url.domain' ? reverseHost(row.matched) : row.matched,
        });
      }
    }
    // A key read to its limit: every indicator it serves may have more messages than were kept.
    for (const key of cut) {
      for (const indicator of lookup.assign(key.includes('\u0000') ? (key.split('\u0000')[0] ?? '') : key)) {
        truncated.set(`${indicator.type}\u0000${indicator.value}\u0000${lookup.probe.field}`, { type: indicator.type, value: indicator.value, field: lookup.probe.field });
      }
    }
  }

  return {
    matches: [...matches.values()],
    notHuntable: [...notHuntable].map(([type, entry]) => ({ type, count: entry.count, reason: entry.reason })),
    truncated: [...truncated.values()],
  };
}

/** The key a match is unique by, for the value part (a long value does not fit an index entry). */
export function huntValueKey(value: string): string {
  return sha256Of(value);
}
