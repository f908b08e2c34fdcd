/**
 * Times a retro-hunt of 1,000 indicators against the PostgreSQL log filled by
 * `scale-fill.ts` (database `moat_scale`), through the product's
 * `huntIndicators`. The indicators are picked from the generator's own rows
 * (so a known share exists in the log) plus absent values: ~600 sha256
 * (artifact, message and campaign hashes, and absent ones), 200 addresses and
 * networks (/24 and /16), 100 domains (sender and URL domains, popular and
 * rare), 50 URLs and 50 subjects. Prints the time per type and for all 1,000
 * at once, `--reps` times, and checks the plans for sequential scans of the
 * big tables (EXPLAIN of every statement of the first run).
 *
 * Runs ANALYZE on the big tables first (a log still being filled has stale statistics).
 * Applies migration 0017 (and only the migrations up to it that are missing)
 * when the database lacks it, timing the subject index build.
 *
 *   node dist/bench/retro-hunt.js [--url postgres://...] [--reps 3]
 */
import { parseArgs } from 'node:util';
import { Kysely, Migrator, PostgresDialect, sql, type CompiledQuery, type LogEvent } from 'kysely';
import pg from 'pg';
import { normaliseHuntIndicator } from '../src/app/index.js';
import { huntIndicators, type Database, type HuntIndicator } from '../src/storage/index.js';
import { createMigrationProvider } from '../src/storage/migrations/index.js';
import { DEFAULT_PG_URL, scaleDatabaseName } from './scale-db.js';
import { campaignHash, clientIp, createRandom, createScaleGenerator, senderDomain, urlDomain } from './scale-generate.js';

/** Messages regenerated to pick values that exist (the fill writes them first). */
const SAMPLE_MESSAGES = 30_000;
const BIG_TABLES = ['messages', 'message_recipients', 'artifacts', 'message_urls', 'findings'];

function hex64(random: () => number): string {
  let out = '';
  for (let i = 0; i < 64; i++) out += '0123456789abcdef'[Math.floor(random() * 16)] ?? '0';
  return out;
}

/** The 1,000 indicators, normalised as an import would. */
function pickIndicators(): HuntIndicator[] {
  const random = createRandom(424242);
  const sample = createScaleGenerator().next(SAMPLE_MESSAGES);
  const pick = <T>(list: readonly T[], n: number): T[] => Array.from({ length: n }, () => list[Math.floor(random() * list.length)]).filter((x): x is T => x !== undefined);
  const raw: Array<[string, string]> = [];
  const campaignArtifacts = new Set(Array.from({ length: 10_000 }, (_, k) => campaignHash(k)));
  for (const a of pick(sample.artifacts.filter((x) => !campaignArtifacts.has(x.sha256)), 200)) raw.push(['sha256', a.sha256]);
  for (const m of pick(sample.messages, 50)) raw.push(['sha256', m.sha256]);
  // Campaign hashes: rank 0 is in tens of thousands of messages (cut at the per-indicator limit), rank 9,000 in a few.
  for (let i = 0; i < 50; i++) raw.push(['sha256', campaignHash(i * 180)]);
  for (let i = 0; i < 300; i++) raw.push(['sha256', hex64(random)]);
  for (let i = 0; i < 150; i++) raw.push(['ipv4', clientIp(Math.floor(random() * 200_000))]);
  for (let i = 0; i < 40; i++) raw.push(['ipv4', `${clientIp(Math.floor(random() * 200_000)).split('.').slice(0, 3).join('.')}.0/24`]);
  for (let i = 0; i < 10; i++) raw.push(['ipv4', `${clientIp(Math.floor(random() * 200_000)).split('.').slice(0, 2).join('.')}.0.0/16`]);
  for (let i = 0; i < 50; i++) raw.push(['domain', senderDomain(i < 5 ? i : Math.floor(random() * 50_000))]);
  for (let i = 0; i < 50; i++) raw.push(['domain', urlDomain(i < 5 ? i : Math.floor(random() * 100_000))]);
  for (const u of pick(sample.urls, 50)) raw.push(['url', u.url]);
  for (const m of pick(sample.messages, 50)) raw.push(['subject', m.subject ?? 'hello']);
  return raw.flatMap(([type, value]) => {
    const normal = normaliseHuntIndicator(type, value);
    return typeof normal === 'string' ? [] : [normal];
  });
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { url: { type: 'string' }, reps: { type: 'string' } } });
  const url = values.url ?? DEFAULT_PG_URL;
  scaleDatabaseName(url);
  const reps = Number(values.reps ?? 3);
  const queries: CompiledQuery[] = [];
  let logging = false;
  const pool = new pg.Pool({ connectionString: url, max: 1, statement_timeout: 600_000, application_name: 'moat-retro-hunt-bench' });
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }), log: (event: LogEvent) => void (logging && event.level === 'query' && queries.push(event.query)) });
  try {
    // Only the migrations up to 0017: a later one (another feature's) is not this bench's to apply.
    const all = await createMigrationProvider().getMigrations();
    const provider = { getMigrations: () => Promise.resolve(Object.fromEntries(Object.entries(all).filter(([name]) => name < '0018'))) };
    const started = performance.now();
    const { error, results } = await new Migrator({ db, provider, allowUnorderedMigrations: true }).migrateToLatest();
    if (error !== undefined) throw new Error('migration failed', { cause: error });
    const applied = (results ?? []).map((r) => r.migrationName);
    console.log(`migrations applied: ${applied.join(', ') || 'none'} in ${((performance.now() - started) / 1000).toFixed(1)} s`);

    // Fresh statistics, as autovacuum keeps them on a live log: without them (a log still being filled) the planner
    // costs an IN list of 500 addresses as most of the table and scans it.
    const analyzeStart = performance.now();
    for (const table of ['messages', 'artifacts', 'message_urls']) await sql`analyze ${sql.table(table)}`.execute(db);
    console.log(`analyze: ${((performance.now() - analyzeStart) / 1000).toFixed(1)} s`);
    const count = await db.selectFrom('messages').select((eb) => eb.fn.countAll<string>().as('n')).executeTakeFirstOrThrow();
    console.log(`log: ${Number(count.n).toLocaleString('en')} messages`);
    const indicators = pickIndicators();
    const types = [...new Set(indicators.map((i) => i.type))];
    console.log(`indicators: ${indicators.length} (${types.map((t) => `${t} ${indicators.filter((i) => i.type === t).length}`).join(', ')})`);
    const since = new Date('2025-01-01T00:00:00.000Z');
    const options = { since, limitPerIndicator: 1000 };

    for (let rep = 1; rep <= reps; rep++) {
      const perType: string[] = [];
      for (const type of types) {
        const t0 = performance.now();
        const result = await huntIndicators(db, indicators.filter((i) => i.type === type), options);
        const found = new Set(result.matches.map((m) => `${m.indicatorType}\u0000${m.indicatorValue}`)).size;
        perType.push(`${type} ${(performance.now() - t0).toFixed(0)} ms (${found} hit, ${result.matches.length} matches, ${result.truncated.length} cut)`);
      }
      logging = rep === 1;
      const t0 = performance.now();
      const result = await huntIndicators(db, indicators, options);
      const total = performance.now() - t0;
      logging = false;
      console.log(`rep ${rep}: all ${indicators.length} in ${(total / 1000).toFixed(2)} s: ${result.matches.length} matches in ${new Set(result.matches.map((m) => m.queueId)).size} messages; ${perType.join('; ')}`);
    }

    // Every statement of the first full run, planned: none may read a big table sequentially.
    const seqScans = new Set<string>();
    for (const query of queries) {
      const plan = await pool.query(`explain ${query.sql}`, [...query.parameters]);
      const text = plan.rows.map((r: Record<string, string>) => r['QUERY PLAN']).join('\n');
      for (const table of BIG_TABLES) if (new RegExp(`Seq Scan on ${table}\\b`, 'u').test(text)) seqScans.add(`${table}: ${query.sql.slice(0, 120)}`);
    }
    console.log(`statements in one full run: ${queries.length}; sequential scans of big tables: ${seqScans.size === 0 ? 'none' : [...seqScans].join(' | ')}`);
  } finally {
    await db.destroy();
  }
}

await main();
