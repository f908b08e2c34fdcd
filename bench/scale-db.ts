/**
 * Database handles for the scale benchmark: its own PostgreSQL database
 * (never `test`, never `postgres`) and its own SQLite file, migrated with the
 * product's migrations. Raw handles are returned beside Kysely for bulk load
 * and EXPLAIN.
 */
import { mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { Kysely, Migrator, PostgresDialect, SqliteDialect } from 'kysely';
import type { LogEvent } from 'kysely';
import pg from 'pg';
import type { Database } from '../src/storage/index.js';
import { createMigrationProvider } from '../src/storage/migrations/index.js';

export const DEFAULT_PG_URL = 'postgres://postgres@127.0.0.1:5432/moat_scale';
export const DEFAULT_SQLITE_PATH = 'data/scale/moat-scale.sqlite';

// Interpolated into CREATE/DROP DATABASE (identifiers take no bind parameters).
const DATABASE_NAME = /^[a-z_][a-z0-9_]{0,62}$/;
const PROTECTED_DATABASES = new Set(['test', 'postgres', 'template0', 'template1']);

/**
 * The product's migrations. `with0007: false` leaves out the search indexes
 * (now migration 0010) to measure the schema without them (only on a database
 * that never had them). Unordered: databases filled before 0010 was listed had
 * it applied under its first name, 0007.
 */
async function migrateScale(db: Kysely<Database>, with0007: boolean): Promise<void> {
  const base = createMigrationProvider();
  const provider = {
    getMigrations: async () => {
      const all = { ...(await base.getMigrations()) };
      if (!with0007) delete all['0010-search-indexes'];
      return all;
    },
  };
  const { error } = await new Migrator({ db, provider, allowUnorderedMigrations: true }).migrateToLatest();
  if (error !== undefined) throw new Error('scale database migration failed', { cause: error });
}

/** Statement deadline for the bench's connections: a bulk batch or a slow search, never an hour. */
const STATEMENT_TIMEOUT_MS = 600_000;

export interface ScaleDb {
  readonly db: Kysely<Database>;
  close(): Promise<void>;
}

export interface PostgresScaleDb extends ScaleDb {
  readonly pool: pg.Pool;
}

export interface SqliteScaleDb extends ScaleDb {
  readonly sqlite: BetterSqlite3.Database;
}

/** Database name of a `postgres://` url, checked to be one the bench may create and drop. */
export function scaleDatabaseName(url: string): string {
  const name = decodeURIComponent(new URL(url).pathname.slice(1));
  if (!DATABASE_NAME.test(name) || PROTECTED_DATABASES.has(name)) throw new Error(`refusing to use database ${JSON.stringify(name)}: pick your own, e.g. moat_scale`);
  return name;
}

/** Creates the bench database when missing (`fresh`: drops it first). Connects to the `postgres` maintenance database. */
export async function ensurePostgresDatabase(url: string, fresh: boolean): Promise<void> {
  const name = scaleDatabaseName(url);
  const admin = new URL(url);
  admin.pathname = '/postgres';
  const client = new pg.Client({ connectionString: admin.toString(), connectionTimeoutMillis: 5000, statement_timeout: 60_000 });
  await client.connect();
  try {
    if (fresh) await client.query(`drop database if exists ${name}`);
    const found = await client.query('select 1 from pg_database where datname = $1', [name]);
    if (found.rowCount === 0) await client.query(`create database ${name}`);
  } finally {
    await client.end();
  }
}

/** A pool (one connection unless told) and Kysely over it, migrated. `log` sees every query (for EXPLAIN). */
export async function openPostgresScale(url: string, options: { poolMax?: number; log?: (event: LogEvent) => void; with0007?: boolean } = {}): Promise<PostgresScaleDb> {
  scaleDatabaseName(url);
  const pool = new pg.Pool({
    connectionString: url,
    max: options.poolMax ?? 1,
    connectionTimeoutMillis: 5000,
    statement_timeout: STATEMENT_TIMEOUT_MS,
    application_name: 'moat-scale-bench',
  });
  pool.on('error', (error) => console.error(`scale: idle connection failed: ${error.message}`));
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }), ...(options.log !== undefined && { log: options.log }) });
  await migrateScale(db, options.with0007 ?? true);
  return { db, pool, close: () => db.destroy() };
}

/** The SQLite file with the product's pragmas (plus a bigger page cache), migrated. */
export async function openSqliteScale(path: string, options: { log?: (event: LogEvent) => void; bulk?: boolean; with0007?: boolean } = {}): Promise<SqliteScaleDb> {
  await mkdir(dirname(path), { recursive: true });
  const sqlite = new BetterSqlite3(path, { timeout: 5000 });
  sqlite.pragma('journal_mode = WAL');
  // A bulk fill can be redone from the seed, so it skips the fsyncs; searches run with the product's NORMAL.
  sqlite.pragma(options.bulk === true ? 'synchronous = OFF' : 'synchronous = NORMAL');
  sqlite.pragma('foreign_keys = ON');
  if (options.bulk === true) sqlite.pragma('cache_size = -524288');
  const db = new Kysely<Database>({ dialect: new SqliteDialect({ database: sqlite }), ...(options.log !== undefined && { log: options.log }) });
  await migrateScale(db, options.with0007 ?? true);
  return { db, sqlite, close: () => db.destroy() };
}
