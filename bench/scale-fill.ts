/**
 * Fills a message log with N synthetic messages (default 5,000,000) from
 * `scale-generate.ts`, on SQLite or PostgreSQL, and reports load time and
 * size. Tables, columns and indexes are the migrations' own: nothing is
 * dropped or recreated, so the indexes are maintained during the load, as in
 * production.
 *
 *   node dist/bench/scale-fill.js --engine postgres --count 5000000
 *   node dist/bench/scale-fill.js --engine sqlite --count 500000 --sqlite-path data/scale/m.sqlite --fresh
 *
 * PostgreSQL: one connection; per batch one transaction of one
 * `INSERT ... SELECT * FROM unnest($1::text[], ...)` per table (a parameter
 * per column, not per value), `synchronous_commit = off` for the session.
 * SQLite: one transaction per batch over prepared statements, synchronous=OFF.
 * Child rows get their message's received_at here (migration 0012's copy),
 * as the product's writer does.
 */
import { stat, rm } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { sql } from 'kysely';
import type BetterSqlite3 from 'better-sqlite3';
import type pg from 'pg';
import { DEFAULT_PG_URL, DEFAULT_SQLITE_PATH, ensurePostgresDatabase, openPostgresScale, openSqliteScale } from './scale-db.js';
import type { PostgresScaleDb, ScaleDb } from './scale-db.js';
import { SCALE_COLUMNS, SCALE_DEFAULTS, createScaleGenerator, rowsOf } from './scale-generate.js';
import type { ColumnKind, ScaleBatch, ScaleTable } from './scale-generate.js';

export interface FillOptions {
  readonly engine: 'sqlite' | 'postgres';
  /** Messages of the finished log; also what received_at is spread by, so a resumed run must keep it. */
  readonly count: number;
  /** Stop once the log holds this many (≤ count): a partial fill that a later run with the same count continues. */
  readonly stopAt: number;
  readonly seed: number;
  readonly batch: number;
  readonly sqlitePath: string;
  readonly pgUrl: string;
  /** Drop the database (PostgreSQL) or delete the file (SQLite) first. */
  readonly fresh: boolean;
  /** Stop after the batch that crosses this many seconds; the rows written so far stay. */
  readonly timeoutSeconds: number;
  readonly json: boolean;
  /** PostgreSQL: `session_replication_role = replica` for the load session, which skips foreign-key triggers. */
  readonly skipForeignKeyChecks: boolean;
  /** Migrate without 0007 (search indexes): load with the 0001–0006 indexes only, apply 0007 later. */
  readonly without0007: boolean;
}

export const FILL_USAGE = `usage: node dist/bench/scale-fill.js [options]
  --engine sqlite|postgres  (default sqlite)
  --count N                 messages in the finished log (default 5000000); an existing log is continued
                            (received_at is spread by N: continue a log only with the count it was started with)
  --stop-at N               stop when the log holds N messages (default: count)
  --seed N                  generator seed (default ${String(SCALE_DEFAULTS.seed)})
  --batch N                 messages per transaction (default 5000)
  --sqlite-path P           (default ${DEFAULT_SQLITE_PATH})
  --pg-url URL              (default ${DEFAULT_PG_URL}; never the test database)
  --fresh                   start from an empty database
  --timeout S               stop after S seconds (default 5400)
  --json                    one JSON line on stdout
  --without-0007            migrate without 0007 (its indexes are built when scale-search opens the log)
  --no-fk-checks            PostgreSQL: skip foreign-key triggers while loading (superuser; rows are consistent by construction)`;

function boundedInt(name: string, text: string | undefined, fallback: number, min: number, max: number): number {
  if (text === undefined) return fallback;
  const value = Number(text);
  if (!Number.isSafeInteger(value) || value < min || value > max) throw new Error(`--${name} must be an integer in [${String(min)}, ${String(max)}]`);
  return value;
}

/** Parses the command line; throws with a message on anything out of bounds. */
export function parseFillArgs(argv: readonly string[]): FillOptions {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      engine: { type: 'string' },
      count: { type: 'string' },
      'stop-at': { type: 'string' },
      seed: { type: 'string' },
      batch: { type: 'string' },
      'sqlite-path': { type: 'string' },
      'pg-url': { type: 'string' },
      fresh: { type: 'boolean' },
      timeout: { type: 'string' },
      json: { type: 'boolean' },
      'no-fk-checks': { type: 'boolean' },
      'without-0007': { type: 'boolean' },
    },
    strict: true,
  });
  const engine = values.engine ?? 'sqlite';
  if (engine !== 'sqlite' && engine !== 'postgres') throw new Error('--engine must be sqlite or postgres');
  const count = boundedInt('count', values.count, SCALE_DEFAULTS.count, 1, 50_000_000);
  return {
    engine,
    count,
    stopAt: boundedInt('stop-at', values['stop-at'], count, 1, count),
    seed: boundedInt('seed', values.seed, SCALE_DEFAULTS.seed, 0, 0xffffffff),
    batch: boundedInt('batch', values.batch, 5000, 1, 50_000),
    sqlitePath: values['sqlite-path'] ?? DEFAULT_SQLITE_PATH,
    pgUrl: values['pg-url'] ?? DEFAULT_PG_URL,
    fresh: values.fresh ?? false,
    timeoutSeconds: boundedInt('timeout', values.timeout, 5400, 1, 86_400),
    json: values.json ?? false,
    skipForeignKeyChecks: values['no-fk-checks'] ?? false,
    without0007: values['without-0007'] ?? false,
  };
}

function fail(message: string): never {
  throw new Error(message);
}

const TABLES: readonly ScaleTable[] = ['messages', 'message_recipients', 'artifacts', 'message_urls', 'findings'];

/** Child tables that carry a copy of their message's received_at (migration 0012); the generator leaves it out. */
const WITH_RECEIVED_AT: ReadonlySet<ScaleTable> = new Set(['message_recipients', 'artifacts', 'message_urls']);

/** The columns the fill writes to `table`: the generator's, plus received_at where 0012 added it. */
function columnsOf(table: ScaleTable): readonly (readonly [string, ColumnKind])[] {
  const columns: readonly (readonly [string, ColumnKind])[] = SCALE_COLUMNS[table];
  return WITH_RECEIVED_AT.has(table) ? [...columns, ['received_at', 'text']] : columns;
}

type Row = Readonly<Record<string, string | number | null>>;

/** The batch's rows for `table`, child rows with their message's received_at. */
function rowsWithReceivedAt(batch: ScaleBatch, table: ScaleTable): readonly Row[] {
  const rows = rowsOf(batch, table);
  if (!WITH_RECEIVED_AT.has(table)) return rows;
  const receivedAt = new Map(batch.messages.map((m) => [m.queue_id, m.received_at]));
  return rows.map((r) => ({ ...r, received_at: receivedAt.get(String(r.queue_id)) ?? fail(`child row of unknown message ${String(r.queue_id)}`) }));
}

type WriteBatch = (batch: ScaleBatch) => Promise<void>;

/** One `INSERT ... SELECT * FROM unnest(...)` per table: a bind parameter per column, whatever the row count. */
function postgresWriter(client: pg.PoolClient): WriteBatch {
  const texts = new Map<ScaleTable, string>();
  for (const table of TABLES) {
    const columns = columnsOf(table);
    const names = columns.map(([name]) => name).join(', ');
    const arrays = columns.map(([, kind], i) => `$${String(i + 1)}::${kind === 'int' ? 'integer' : kind === 'float8' ? 'double precision' : 'text'}[]`).join(', ');
    texts.set(table, `insert into ${table} (${names}) select * from unnest(${arrays})`);
  }
  return async (batch) => {
    await client.query('begin');
    try {
      for (const table of TABLES) {
        const rows = rowsWithReceivedAt(batch, table);
        if (rows.length === 0) continue;
        const params = columnsOf(table).map(([name]) => rows.map((r) => r[name] ?? null));
        await client.query(texts.get(table) ?? '', params);
      }
      await client.query('commit');
    } catch (err) {
      await client.query('rollback').catch(() => undefined);
      throw err;
    }
  };
}

function sqliteWriter(sqlite: BetterSqlite3.Database): WriteBatch {
  const statements = new Map<ScaleTable, BetterSqlite3.Statement>();
  for (const table of TABLES) {
    const columns = columnsOf(table);
    statements.set(table, sqlite.prepare(`insert into ${table} (${columns.map(([n]) => n).join(', ')}) values (${columns.map(() => '?').join(', ')})`));
  }
  const write = sqlite.transaction((batch: ScaleBatch) => {
    for (const table of TABLES) {
      const statement = statements.get(table);
      if (statement === undefined) continue;
      const names = columnsOf(table).map(([n]) => n);
      for (const row of rowsWithReceivedAt(batch, table)) statement.run(names.map((n) => row[n] ?? null));
    }
  });
  return (batch) => {
    write(batch);
    return Promise.resolve();
  };
}

export interface FillResult {
  readonly engine: string;
  readonly seed: number;
  readonly requested: number;
  readonly messages: number;
  readonly written: number;
  readonly rows: Readonly<Record<string, number>>;
  readonly loadSeconds: number;
  readonly analyzeSeconds: number;
  readonly sizeBytes: number;
  readonly tableBytes: Readonly<Record<string, number>>;
  readonly complete: boolean;
}

async function countRows(db: ScaleDb): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const table of TABLES) {
    const r = await sql<{ n: number | string }>`select count(*) as n from ${sql.table(table)}`.execute(db.db);
    out[table] = Number(r.rows[0]?.n ?? 0);
  }
  return out;
}

/** Runs a fill; resumes an existing log (regenerating and skipping the rows it already holds). */
export async function runFill(o: FillOptions, progress: (line: string) => void): Promise<FillResult> {
  const deadline = Date.now() + o.timeoutSeconds * 1000;
  let handle: ScaleDb;
  let write: WriteBatch;
  let pgHandle: PostgresScaleDb | undefined;
  let client: pg.PoolClient | undefined;
  let sqliteDb: BetterSqlite3.Database | undefined;
  if (o.engine === 'postgres') {
    await ensurePostgresDatabase(o.pgUrl, o.fresh);
    pgHandle = await openPostgresScale(o.pgUrl, { with0007: !o.without0007 });
    handle = pgHandle;
  } else {
    if (o.fresh) for (const suffix of ['', '-wal', '-shm']) await rm(`${o.sqlitePath}${suffix}`, { force: true });
    const sqliteHandle = await openSqliteScale(o.sqlitePath, { bulk: true, with0007: !o.without0007 });
    handle = sqliteHandle;
    sqliteDb = sqliteHandle.sqlite;
  }
  try {
    const orgs = SCALE_DEFAULTS.organizations;
    for (let id = 2; id <= orgs; id++) {
      await sql`insert into organizations (id, name, created_at) values (${id}, ${`scale-org-${String(id)}`}, ${new Date(SCALE_DEFAULTS.startMs).toISOString()}) on conflict (id) do nothing`.execute(handle.db);
    }
    const existing = Number((await sql<{ n: number | string }>`select count(*) as n from messages`.execute(handle.db)).rows[0]?.n ?? 0);
    const generator = createScaleGenerator({ seed: o.seed, count: o.count });
    // Resume: the stream is sequential, so the rows already written are regenerated and skipped.
    while (generator.produced < existing) generator.next(Math.min(o.batch * 4, existing - generator.produced));
    if (existing > 0) progress(`resuming after ${String(existing)} messages`);
    if (sqliteDb !== undefined) {
      write = sqliteWriter(sqliteDb);
    } else {
      // The pool has one connection: Kysely queries wait until this client is released below.
      client = await (pgHandle?.pool ?? fail('no pool')).connect();
      // Each batch can be rewritten from the seed; losing the last commits on a crash costs nothing.
      await client.query('set synchronous_commit = off');
      // Foreign-key triggers are most of the load time (a lookup per child row); the rows are consistent by
      // construction (children are written with their message, in one transaction). Superuser only.
      if (o.skipForeignKeyChecks) await client.query('set session_replication_role = replica');
      write = postgresWriter(client);
    }

    const started = process.hrtime.bigint();
    let written = 0;
    let lastReport = Date.now();
    const stopAt = Math.min(o.stopAt, o.count);
    while (generator.produced < stopAt && Date.now() < deadline) {
      // Stop exactly at stopAt, so that a later run resumes on a message boundary it can regenerate.
      const batch = generator.next(Math.min(o.batch, stopAt - generator.produced));
      await write(batch);
      written += batch.messages.length;
      if (Date.now() - lastReport > 15_000) {
        lastReport = Date.now();
        const seconds = Number(process.hrtime.bigint() - started) / 1e9;
        progress(`${o.engine}: ${String(generator.produced)} / ${String(o.count)} messages, ${(written / seconds).toFixed(0)} msg/s`);
      }
    }
    const loadSeconds = Number(process.hrtime.bigint() - started) / 1e9;
    client?.release();
    client = undefined;

    const analyzeStart = process.hrtime.bigint();
    // VACUUM sets the visibility map (index-only scans skip the heap) as autovacuum would in a steady state.
    if (o.engine === 'postgres') await sql`vacuum (analyze)`.execute(handle.db);
    else sqliteDb?.pragma('wal_checkpoint(TRUNCATE)');
    const analyzeSeconds = Number(process.hrtime.bigint() - analyzeStart) / 1e9;

    const rows = await countRows(handle);
    const tableBytes: Record<string, number> = {};
    let sizeBytes: number;
    if (o.engine === 'postgres') {
      for (const table of TABLES) {
        const r = await sql<{ n: string }>`select pg_total_relation_size(${table}::regclass) as n`.execute(handle.db);
        tableBytes[table] = Number(r.rows[0]?.n ?? 0);
      }
      sizeBytes = Number((await sql<{ n: string }>`select pg_database_size(current_database()) as n`.execute(handle.db)).rows[0]?.n ?? 0);
    } else {
      sizeBytes = (await stat(o.sqlitePath)).size;
    }
    return {
      engine: o.engine,
      seed: o.seed,
      requested: o.count,
      messages: rows.messages ?? 0,
      written,
      rows,
      loadSeconds,
      analyzeSeconds,
      sizeBytes,
      tableBytes,
      complete: (rows.messages ?? 0) >= o.count,
    };
  } finally {
    client?.release();
    await handle.close();
  }
}

function formatFill(r: FillResult): string {
  const gib = (n: number): string => `${(n / 1024 ** 3).toFixed(2)} GiB`;
  const lines = [
    `engine ${r.engine}, seed ${String(r.seed)}: ${String(r.messages)} messages in the log${r.complete ? '' : ` (INCOMPLETE: ${String(r.requested)} requested)`}`,
    `this run wrote ${String(r.written)} messages in ${r.loadSeconds.toFixed(1)} s (${(r.written / Math.max(r.loadSeconds, 1e-9)).toFixed(0)} msg/s); ${r.engine === 'postgres' ? 'VACUUM ANALYZE' : 'checkpoint'} ${r.analyzeSeconds.toFixed(1)} s`,
    `rows: ${Object.entries(r.rows).map(([t, n]) => `${t} ${String(n)}`).join(', ')}`,
    `size: ${gib(r.sizeBytes)}${Object.keys(r.tableBytes).length > 0 ? ` (${Object.entries(r.tableBytes).map(([t, n]) => `${t} ${gib(n)}`).join(', ')})` : ''}`,
  ];
  return lines.join('\n');
}

async function main(): Promise<void> {
  let options: FillOptions;
  try {
    options = parseFillArgs(process.argv.slice(2));
  } catch (err) {
    console.error(`${err instanceof Error ? err.message : String(err)}\n${FILL_USAGE}`);
    process.exitCode = 2;
    return;
  }
  const result = await runFill(options, (line) => console.error(line));
  if (options.json) console.log(JSON.stringify(result));
  console.error(formatFill(result));
  if (!result.complete) process.exitCode = 1;
}

if (import.meta.url === `file://${process.argv[1] ?? ''}`) {
  main().catch((err: unknown) => {
    console.error(err);
    process.exitCode = 1;
  });
}
