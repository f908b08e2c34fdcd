/**
 * The storage engines the storage tests run on: SQLite (a temp file) and
 * PostgreSQL (the local server at 127.0.0.1:5432, database `test`, trust
 * auth; never started here). Each test process works in fresh schemas of its
 * own, dropped afterwards, so runs never see each other's rows.
 * Locally the PostgreSQL cases may skip when the server is absent; in CI
 * (`CI=true`) its absence is a failure.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { createServer, type Socket } from 'node:net';
import { join } from 'node:path';
import { sql } from 'kysely';
import pg from 'pg';
import { openPostgresStorage, openSqliteStorage } from '../../src/storage/index.js';
import type { PostgresStorageOptions, Storage } from '../../src/storage/index.js';

export const POSTGRES_HOST = '127.0.0.1';
export const POSTGRES_PORT = 5432;
export const POSTGRES_DATABASE = 'test';
export const POSTGRES_USER = 'postgres';

/** Connection options for the test server (add `schema`). */
export const POSTGRES_TEST_OPTIONS = {
  host: POSTGRES_HOST,
  port: POSTGRES_PORT,
  database: POSTGRES_DATABASE,
  user: POSTGRES_USER,
  poolMax: 4,
  connectTimeoutMs: 2000,
  statementTimeoutMs: 15_000,
} as const satisfies PostgresStorageOptions;

/** Why PostgreSQL cannot be used here, or undefined when it answers. Throws in CI. */
export async function postgresUnavailableReason(): Promise<string | undefined> {
  const client = new pg.Client({ host: POSTGRES_HOST, port: POSTGRES_PORT, database: POSTGRES_DATABASE, user: POSTGRES_USER, connectionTimeoutMillis: 2000, statement_timeout: 2000 });
  client.on('error', () => undefined);
  try {
    await client.connect();
    await client.query('select 1');
    return undefined;
  } catch (error) {
    const reason = `PostgreSQL not usable at ${POSTGRES_HOST}:${POSTGRES_PORT}/${POSTGRES_DATABASE} (${error instanceof Error ? error.message : String(error)})`;
    if (process.env.CI === 'true') throw new Error(`${reason}: required in CI`);
    return reason;
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** A schema name no other run or test uses. */
export function uniqueSchemaName(label = 'storage'): string {
  return `moat_test_${label.replace(/[^a-z0-9_]/g, '_')}_${randomBytes(6).toString('hex')}`;
}

/** Drops a test schema and everything in it. */
export async function dropSchema(schema: string): Promise<void> {
  if (!schema.startsWith('moat_test_')) throw new Error(`refusing to drop a schema outside moat_test_ (${schema})`);
  const client = new pg.Client({ host: POSTGRES_HOST, port: POSTGRES_PORT, database: POSTGRES_DATABASE, user: POSTGRES_USER, connectionTimeoutMillis: 2000, statement_timeout: 10_000 });
  client.on('error', () => undefined);
  try {
    await client.connect();
    await client.query(`drop schema if exists "${schema}" cascade`);
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** A database location that can be opened (and migrated) any number of times, then removed. */
export interface StoragePlace {
  /** The file path or schema name. */
  readonly location: string;
  open(): Promise<Storage>;
  remove(): Promise<void>;
}

export interface StorageEngine {
  readonly name: 'sqlite' | 'postgres';
  /** Skip reason for this engine's suites; undefined when it runs. */
  readonly skip: string | undefined;
  /** A new, empty place of this engine. */
  place(label?: string): Promise<StoragePlace>;
  /**
   * A migrated, empty storage for one test; its `close()` also removes it (SQLite) or leaves the
   * suite's schema to the next `open()` (PostgreSQL; one test at a time per process).
   */
  open(label?: string): Promise<Storage>;
}

async function openOwned(place: StoragePlace): Promise<Storage> {
  let storage: Storage;
  try {
    storage = await place.open();
  } catch (error) {
    await place.remove();
    throw error;
  }
  return {
    db: storage.db,
    close: async () => {
      await storage.close();
      await place.remove();
    },
  };
}

const sqlite: StorageEngine = {
  name: 'sqlite',
  skip: undefined,
  async place() {
    const dir = await mkdtemp(join(tmpdir(), 'moat-storage-'));
    const path = join(dir, 'moat.db');
    return { location: path, open: () => openSqliteStorage({ path }), remove: () => rm(dir, { recursive: true, force: true }) };
  },
  open: async (label) => openOwned(await sqlite.place(label)),
};

const postgresSkip = await postgresUnavailableReason();

/**
 * Creating and migrating a schema takes about half a second, so `open()` on
 * PostgreSQL reuses one schema per test process (suite file): migrated once,
 * emptied on every open (all rows deleted, ids restarted, the `default`
 * organization put back, as migration 0001 leaves it), dropped when the
 * process has nothing left to do. Tests of migrations use `place()`.
 */
let suiteSchema: Promise<string> | undefined;

function openSuiteSchema(label: string | undefined): Promise<string> {
  suiteSchema ??= (async () => {
    const schema = uniqueSchemaName(label ?? 'suite');
    let dropped = false;
    process.on('beforeExit', () => {
      if (dropped) return;
      dropped = true;
      void dropSchema(schema).catch((error: unknown) => console.error(`could not drop test schema ${schema}:`, error));
    });
    const storage = await openPostgresStorage({ ...POSTGRES_TEST_OPTIONS, schema });
    await storage.close();
    return schema;
  })();
  return suiteSchema;
}

// Rows other tables point at, deleted last (DELETE in one transaction: TRUNCATE costs ~300 ms of fsyncs here).
const PARENT_TABLES = ['messages', 'organizations'];

async function emptyTables(storage: Storage): Promise<void> {
  await storage.db.transaction().execute(async (trx) => {
    const tables = await sql<{ name: string }>`select table_name as name from information_schema.tables where table_schema = current_schema() and table_type = 'BASE TABLE' and table_name not like 'kysely_%'`.execute(trx);
    const names = tables.rows.map((t) => t.name);
    for (const name of [...names.filter((n) => !PARENT_TABLES.includes(n)), ...PARENT_TABLES]) await sql`delete from ${sql.id(name)}`.execute(trx);
    const identities = await sql<{ name: string; column: string }>`select table_name as name, column_name as column from information_schema.columns where table_schema = current_schema() and is_identity = 'YES'`.execute(trx);
    for (const { name, column } of identities.rows) await sql`select setval(pg_get_serial_sequence(${name}, ${column}), 1, false)`.execute(trx);
    // As migration 0001 leaves it: the default organization, and the next id 2.
    await sql`insert into organizations (id, name, created_at) values (1, 'default', ${new Date().toISOString()})`.execute(trx);
    await sql`select setval(pg_get_serial_sequence('organizations', 'id'), 1)`.execute(trx);
  });
}

const postgres: StorageEngine = {
  name: 'postgres',
  skip: postgresSkip,
  place(label) {
    const schema = uniqueSchemaName(label);
    return Promise.resolve({ location: schema, open: () => openPostgresStorage({ ...POSTGRES_TEST_OPTIONS, schema }), remove: () => dropSchema(schema) });
  },
  async open(label) {
    const schema = await openSuiteSchema(label);
    const storage = await openPostgresStorage({ ...POSTGRES_TEST_OPTIONS, schema });
    try {
      await emptyTables(storage);
    } catch (error) {
      await storage.close();
      throw error;
    }
    return storage;
  },
};

/** Both engines; a suite per engine: `for (const engine of STORAGE_ENGINES) describe(`x (${engine.name})`, { skip: engine.skip }, ...)`. */
export const STORAGE_ENGINES: readonly StorageEngine[] = [sqlite, postgres];

/** Names of the tables in the storage's own database or schema, Kysely's bookkeeping excluded. */
export async function listTables(storage: Storage, engine: StorageEngine): Promise<string[]> {
  const result =
    engine.name === 'sqlite'
      ? await sql<{ name: string }>`select name from sqlite_master where type = 'table' and name not like 'sqlite_%' and name not like 'kysely_%' order by name`.execute(storage.db)
      : await sql<{ name: string }>`select table_name as name from information_schema.tables where table_schema = current_schema() and table_name not like 'kysely_%' order by table_name`.execute(storage.db);
  return result.rows.map((r) => r.name);
}

/** A loopback port with nothing listening (bound, then released). */
export async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** A loopback server that accepts connections and never says a word: a hung database. */
export async function startSilentServer(): Promise<{ port: number; close(): Promise<void> }> {
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.on('error', () => undefined);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  return {
    port,
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
