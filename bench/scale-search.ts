/**
 * Times every message-log search kind on a log filled by `scale-fill.ts`,
 * through the product's own `createMessageLog(...).search/get`, on SQLite
 * and PostgreSQL. Search values are picked from the data (a known sender,
 * hash, URL domain, a popular and a rare domain, a 1-day range, ...). Each
 * statement of a search's first run (a child-table search issues several) is
 * also run under EXPLAIN (ANALYZE, BUFFERS) on PostgreSQL and EXPLAIN QUERY
 * PLAN on SQLite; the plans go to `--plans`.
 *
 *   node dist/bench/scale-search.js --engine both --reps 7 --plans /tmp/plans.txt
 *   node dist/bench/scale-search.js --engine postgres --without-0007   # the schema before 0007
 */
import { writeFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { sql } from 'kysely';
import type { CompiledQuery, LogEvent } from 'kysely';
import { createMessageLog } from '../src/storage/index.js';
import type { MessageSearch } from '../src/storage/index.js';
import { DEFAULT_PG_URL, DEFAULT_SQLITE_PATH, openPostgresScale, openSqliteScale } from './scale-db.js';
import type { PostgresScaleDb, ScaleDb, SqliteScaleDb } from './scale-db.js';
import { campaignHash, clientIp, recipientDomain, senderDomain, urlDomain } from './scale-generate.js';

export interface SearchCase {
  readonly name: string;
  /** A search, or `detail` for `MessageLog.get(queueId)`. */
  readonly search: MessageSearch | { readonly detail: string };
}

export interface CaseTiming {
  readonly name: string;
  readonly rows: number;
  readonly firstMs: number;
  readonly minMs: number;
  readonly medianMs: number;
  readonly maxMs: number;
  /** PostgreSQL: a big table read by Seq Scan or an index walk filtering ≥ 10k rows; SQLite: a SCAN without index. */
  readonly fullScan: boolean;
  /** PostgreSQL: pages touched by the search's statements, summed (EXPLAIN BUFFERS); 0 on SQLite. */
  readonly pages: number;
  readonly plan: string;
}

const BIG_TABLES = ['messages', 'message_recipients', 'artifacts', 'message_urls', 'findings'];
const DAY_MS = 86_400_000;

/** Median of a non-empty list. */
export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? (sorted[mid] ?? 0) : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2;
}

/** Picks realistic, selective values from the log and builds the search list. */
export async function buildCases(h: ScaleDb): Promise<SearchCase[]> {
  const db = h.db;
  const bounds = await db.selectFrom('messages').select((eb) => [eb.fn.min('received_at').as('first'), eb.fn.max('received_at').as('last')]).executeTakeFirstOrThrow();
  const first = Date.parse(String(bounds.first));
  const last = Date.parse(String(bounds.last));
  const mid = new Date(first + Math.floor((last - first) * 0.6)).toISOString();
  // A "known" message in the middle of the log that has artifacts and URLs (what a hunt starts from).
  const candidates = await db.selectFrom('messages').select(['queue_id', 'mail_from', 'message_id', 'sha256', 'client_ip', 'subject']).where('received_at', '>=', mid).orderBy('received_at').limit(200).execute();
  let known: (typeof candidates)[number] | undefined;
  let artifactHash: string | undefined;
  for (const c of candidates) {
    const a = await db.selectFrom('artifacts').select('sha256').where('queue_id', '=', c.queue_id).limit(1).executeTakeFirst();
    const u = await db.selectFrom('message_urls').select('id').where('queue_id', '=', c.queue_id).limit(1).executeTakeFirst();
    if (a !== undefined && u !== undefined) {
      known = c;
      artifactHash = a.sha256;
      break;
    }
  }
  if (known === undefined || artifactHash === undefined) throw new Error('no message with artifacts and URLs near the middle of the log: fill it first');
  const recipient = await db.selectFrom('message_recipients').select('recipient').where('queue_id', '=', known.queue_id).executeTakeFirstOrThrow();

  async function existing(make: (k: number) => string, ranks: readonly number[], probe: (value: string) => Promise<boolean>): Promise<string> {
    for (const k of ranks) {
      const value = make(k);
      if (await probe(value)) return value;
    }
    return make(ranks[ranks.length - 1] ?? 0);
  }
  const rareSender = await existing(senderDomain, [30_000, 20_000, 10_000, 5000, 2000], async (d) => (await db.selectFrom('messages').select('queue_id').where('sender_domain', '=', d).limit(1).executeTakeFirst()) !== undefined);
  const rareUrl = await existing(urlDomain, [60_000, 40_000, 20_000, 10_000, 5000], async (d) => {
    const r = d.split('.').reverse().join('.');
    return (await db.selectFrom('message_urls').select('id').where('host_reversed', '=', r).limit(1).executeTakeFirst()) !== undefined;
  });
  const rareRecipient = await existing((k) => `user${String(k)}@${recipientDomain(150)}`, [400, 300, 200, 100, 50, 10], async (r) => (await db.selectFrom('message_recipients').select('queue_id').where('recipient', '=', r).limit(1).executeTakeFirst()) !== undefined);
  // Recipient domains belong to one organization each: combine the popular one with its own.
  const popularDomainOrg = (await db.selectFrom('message_recipients').select('organization_id').where('domain', '=', recipientDomain(0)).limit(1).executeTakeFirst())?.organization_id ?? 1;
  const since = new Date(mid);
  const dayUntil = new Date(since.getTime() + DAY_MS);
  const monthSince = new Date(since.getTime() - 30 * DAY_MS);

  return [
    { name: 'newest 50 (no filter)', search: {} },
    { name: 'sender address (known)', search: { sender: known.mail_from } },
    { name: 'sender address, busy', search: { sender: `info@${senderDomain(0)}` } },
    { name: 'sender domain, popular', search: { sender: senderDomain(0) } },
    { name: 'sender domain, rare', search: { sender: rareSender } },
    { name: 'recipient address (known, busy)', search: { recipient: recipient.recipient } },
    { name: 'recipient address, rare', search: { recipient: rareRecipient } },
    { name: 'recipient domain, popular', search: { recipient: recipientDomain(0) } },
    { name: 'recipient domain (popular) + its org + 1 day', search: { recipient: recipientDomain(0), organizationId: popularDomainOrg, since, until: dayUntil } },
    { name: 'subject substring, common word', search: { subject: 'invoice' } },
    { name: 'subject substring, whole subject', search: { subject: known.subject ?? 'inheritance' } },
    { name: 'subject substring, no match', search: { subject: 'zqx no such subject' } },
    { name: 'queue id', search: { queueId: known.queue_id } },
    { name: 'message-id', search: { messageId: `<${known.message_id ?? ''}>` } },
    { name: 'sha256 of a message', search: { sha256: known.sha256 } },
    { name: 'sha256 of an artifact', search: { sha256: artifactHash } },
    { name: 'sha256, campaign (popular)', search: { sha256: campaignHash(0) } },
    { name: 'sha256, campaign + action quarantine', search: { sha256: campaignHash(0), action: 'quarantine' } },
    { name: 'client IP (known)', search: { clientIp: known.client_ip } },
    { name: 'client IP, busy', search: { clientIp: clientIp(0) } },
    { name: 'URL domain, popular', search: { urlDomain: urlDomain(0) } },
    { name: 'URL domain, rare', search: { urlDomain: rareUrl } },
    { name: 'URL domain (popular) + org 3', search: { urlDomain: urlDomain(0), organizationId: 3 } },
    { name: 'date range, 1 day', search: { since, until: dayUntil } },
    { name: 'sender domain (popular) + 1 day', search: { sender: senderDomain(0), since, until: dayUntil } },
    { name: 'sender address + 30 days', search: { sender: known.mail_from, since: monthSince, until: dayUntil } },
    { name: 'organization 3, newest', search: { organizationId: 3 } },
    { name: 'organization 3 + 1 day', search: { organizationId: 3, since, until: dayUntil } },
    { name: 'action quarantine, newest', search: { action: 'quarantine' } },
    { name: 'message detail by queue id', search: { detail: known.queue_id } },
  ];
}

/** Rows that plan nodes read and threw away: an index walk that filters most of a table is a scan in disguise. */
export function rowsRemovedByFilter(plan: string): number {
  let total = 0;
  for (const m of plan.matchAll(/Rows Removed by Filter: (\d+)/g)) total += Number(m[1]);
  return total;
}

/** Pages (8 KiB) the whole statement touched, from the top `Buffers:` line. */
export function pagesTouched(plan: string): number {
  const line = /Buffers: ([^\n]*)/.exec(plan)?.[1] ?? '';
  let total = 0;
  for (const m of line.matchAll(/(?:hit|read)=(\d+)/g)) total += Number(m[1]);
  return total;
}

// A selective search filters a few hundred rows at most; ten thousand means it walks a table.
const WALK_ROWS = 10_000;

function isFullScanPg(plan: string): boolean {
  return BIG_TABLES.some((t) => new RegExp(`Seq Scan on ${t}\\b`).test(plan)) || rowsRemovedByFilter(plan) >= WALK_ROWS;
}

function isFullScanSqlite(plan: string): boolean {
  // `SCAN m` alone reads the whole table; `SCAN m USING INDEX x` walks an index in order (fine with a LIMIT).
  // `SCAN h` / `SCAN hosts`: the URL search's recursive host list (a handful of rows), not a table.
  return plan.split('\n').some((line) => (/\bSCAN \w+$/.test(line.trim()) && !/\bSCAN (h|hosts)$/.test(line.trim())) || /\bSCAN (messages|artifacts|message_urls|message_recipients|findings)\b(?! USING)/.test(line));
}

async function explain(h: ScaleDb, engine: 'sqlite' | 'postgres', q: CompiledQuery): Promise<string> {
  if (engine === 'postgres') {
    const r = await (h as PostgresScaleDb).pool.query<{ 'QUERY PLAN': string }>(`explain (analyze, buffers) ${q.sql}`, [...q.parameters]);
    return r.rows.map((row) => row['QUERY PLAN']).join('\n');
  }
  const rows = (h as SqliteScaleDb).sqlite.prepare(`explain query plan ${q.sql}`).all(...q.parameters) as { detail: string }[];
  return rows.map((row) => row.detail).join('\n');
}

/** Runs each case `reps` times (the first run is reported apart: it is the coldest). */
export async function timeCases(h: ScaleDb, engine: 'sqlite' | 'postgres', cases: readonly SearchCase[], reps: number, captured: CompiledQuery[]): Promise<CaseTiming[]> {
  const log = createMessageLog(h.db, 'scale-bench');
  const out: CaseTiming[] = [];
  for (const c of cases) {
    const times: number[] = [];
    let rows = 0;
    // Every statement of the first run: a child-table search is several (index walks, recipients).
    let firstQueries: CompiledQuery[] = [];
    for (let i = 0; i < reps; i++) {
      captured.length = 0;
      const start = process.hrtime.bigint();
      if ('detail' in c.search) rows = (await log.get(c.search.detail)) === undefined ? 0 : 1;
      else rows = (await log.search(c.search)).length;
      times.push(Number(process.hrtime.bigint() - start) / 1e6);
      if (i === 0) firstQueries = [...captured];
    }
    const plans: string[] = [];
    for (const q of firstQueries) plans.push(await explain(h, engine, q));
    out.push({
      name: c.name,
      rows,
      firstMs: times[0] ?? 0,
      minMs: Math.min(...times),
      medianMs: median(times),
      maxMs: Math.max(...times),
      fullScan: plans.some((plan) => (engine === 'postgres' ? isFullScanPg(plan) : isFullScanSqlite(plan))),
      pages: engine === 'postgres' ? plans.reduce((sum, plan) => sum + pagesTouched(plan), 0) : 0,
      plan: firstQueries.map((q, i) => `${q.sql}\n${JSON.stringify(q.parameters)}\n${plans[i] ?? ''}`).join('\n--- next statement\n'),
    });
  }
  return out;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      engine: { type: 'string' },
      reps: { type: 'string' },
      'sqlite-path': { type: 'string' },
      'pg-url': { type: 'string' },
      plans: { type: 'string' },
      json: { type: 'boolean' },
      'without-0007': { type: 'boolean' },
    },
    strict: true,
  });
  const engine = values.engine ?? 'both';
  if (engine !== 'sqlite' && engine !== 'postgres' && engine !== 'both') throw new Error('--engine must be sqlite, postgres or both');
  const reps = Number(values.reps ?? '7');
  if (!Number.isSafeInteger(reps) || reps < 1 || reps > 100) throw new Error('--reps must be an integer in [1, 100]');
  const engines: ('sqlite' | 'postgres')[] = engine === 'both' ? ['sqlite', 'postgres'] : [engine];
  const results: Record<string, CaseTiming[]> = {};
  const planText: string[] = [];
  for (const e of engines) {
    const captured: CompiledQuery[] = [];
    const onLog = (event: LogEvent): void => {
      if (event.level === 'query') captured.push(event.query);
    };
    // Opening applies pending migrations, 0007 included unless --without-0007: its index builds are timed here.
    const with0007 = values['without-0007'] !== true;
    const opened = Date.now();
    const h = e === 'postgres' ? await openPostgresScale(values['pg-url'] ?? DEFAULT_PG_URL, { log: onLog, with0007 }) : await openSqliteScale(values['sqlite-path'] ?? DEFAULT_SQLITE_PATH, { log: onLog, with0007 });
    console.error(`${e}: opened and migrated in ${((Date.now() - opened) / 1000).toFixed(1)} s`);
    // Fresh indexes have no statistics yet; autovacuum would analyze soon. SQLite is left without, as the product leaves it.
    if (e === 'postgres') await sql`analyze messages`.execute(h.db);
    try {
      const count = Number((await h.db.selectFrom('messages').select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n);
      console.error(`${e}: ${String(count)} messages`);
      const cases = await buildCases(h);
      const timings = await timeCases(h, e, cases, reps, captured);
      results[e] = timings;
      for (const t of timings) {
        console.error(`${e.padEnd(8)} ${t.name.padEnd(34)} rows ${String(t.rows).padStart(4)}  first ${t.firstMs.toFixed(1).padStart(8)}  min ${t.minMs.toFixed(1).padStart(8)}  median ${t.medianMs.toFixed(1).padStart(8)}  max ${t.maxMs.toFixed(1).padStart(8)} ms${t.pages > 0 ? `  pages ${String(t.pages)}` : ''}${t.fullScan ? '  FULL SCAN' : ''}`);
        planText.push(`=== ${e}: ${t.name}\n${t.plan}\n`);
      }
    } finally {
      await h.close();
    }
  }
  if (values.plans !== undefined) await writeFile(values.plans, planText.join('\n'));
  if (values.json === true) console.log(JSON.stringify(results));
}

if (import.meta.url === `file://${process.argv[1] ?? ''}`) {
  main().catch((err: unknown) => {
    console.error(err);
    process.exitCode = 1;
  });
}
