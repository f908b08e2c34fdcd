import { afterEach, beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { sql } from 'kysely';
import { MoatError } from '../../src/core/index.js';
import pg from 'pg';
import { migrateToLatest, openPostgresStorage, openSqliteStorage } from '../../src/storage/index.js';
import type { Storage } from '../../src/storage/index.js';
import { createMigrationProvider } from '../../src/storage/migrations/index.js';
import {
  POSTGRES_DATABASE,
  POSTGRES_TEST_OPTIONS,
  STORAGE_ENGINES,
  closedPort,
  dropSchema,
  listTables,
  startSilentServer,
  uniqueSchemaName,
} from '../support/storage-engines.js';

// Every listed migration, in name order (the list grows; this test checks all of it is applied).
const MIGRATIONS = Object.keys(await createMigrationProvider().getMigrations()).sort();
const TABLES = ['api_tokens', 'artifacts', 'audit_log', 'bayes_tokens', 'bayes_totals', 'delivery_attempts', 'findings', 'message_recipients', 'message_urls', 'messages', 'organizations', 'policy_revisions', 'quarantine', 'quarantine_bodies', 'quarantine_body_chunks', 'quarantine_meta', 'queue', 'seen_domains', 'sessions', 'users'];

describe('storage migrations: SQLite specifics', () => {
  let dir = '';
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'moat-storage-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('creates the schema from an empty file, in a folder it creates', async () => {
    const storage = await openSqliteStorage({ path: join(dir, 'nested', 'moat.db') });
    try {
      const tables = await sql<{ name: string }>`select name from sqlite_master where type = 'table' and name not like 'sqlite_%' and name not like 'kysely_%' order by name`.execute(storage.db);
      assert.deepEqual(
        tables.rows.map((r) => r.name),
        TABLES,
      );
      const orgs = await storage.db.selectFrom('organizations').select(['id', 'name']).execute();
      assert.deepEqual(orgs, [{ id: 1, name: 'default' }]);
      const applied = await sql<{ name: string }>`select name from kysely_migration order by name`.execute(storage.db);
      assert.deepEqual(applied.rows.map((r) => r.name), MIGRATIONS);
    } finally {
      await storage.close();
    }
  });

  it('sets WAL, synchronous=NORMAL, busy_timeout and foreign keys', async () => {
    const storage = await openSqliteStorage({ path: join(dir, 'moat.db'), busyTimeoutMs: 1234 });
    try {
      const pragma = async (name: string): Promise<unknown> => {
        const r = await sql.raw<Record<string, unknown>>(`pragma ${name}`).execute(storage.db);
        return Object.values(r.rows[0] ?? {})[0];
      };
      assert.equal(await pragma('journal_mode'), 'wal');
      assert.equal(await pragma('synchronous'), 1);
      assert.equal(await pragma('busy_timeout'), 1234);
      assert.equal(await pragma('foreign_keys'), 1);
      // Foreign keys are enforced: a message for an unknown organization is refused.
      await assert.rejects(
        storage.db
          .insertInto('quarantine')
          .values({ queue_id: 'Q', organization_id: 99, sha256: 'x', size: 1, quarantined_at: 't', reason: 'r', state: 'held' })
          .execute(),
        /FOREIGN KEY/,
      );
    } finally {
      await storage.close();
    }
  });

  it('re-opens an existing database without re-running migrations or losing rows', async () => {
    const path = join(dir, 'moat.db');
    const first = await openSqliteStorage({ path });
    await first.db.insertInto('organizations').values({ name: 'acme', created_at: new Date(0).toISOString() }).execute();
    await first.close();

    const second = await openSqliteStorage({ path });
    try {
      assert.deepEqual(await migrateToLatest(second.db), []);
      const orgs = await second.db.selectFrom('organizations').select(['id', 'name']).orderBy('id').execute();
      assert.deepEqual(orgs, [
        { id: 1, name: 'default' },
        { id: 2, name: 'acme' },
      ]);
    } finally {
      await second.close();
    }
  });

  it('fails with STORAGE_OPEN_FAILED when the file cannot be opened', async () => {
    const blocker = join(dir, 'not-a-dir');
    await writeFile(blocker, 'x');
    const openFailed = (err: unknown): boolean => err instanceof MoatError && err.code === 'STORAGE_OPEN_FAILED';
    await assert.rejects(openSqliteStorage({ path: join(blocker, 'moat.db') }), openFailed);
    await assert.rejects(openSqliteStorage({ path: join(dir, 'moat.db'), busyTimeoutMs: Number.NaN }), openFailed);
  });

  it('fails with STORAGE_OPEN_FAILED when the file is not a database', async () => {
    const path = join(dir, 'garbage.db');
    await writeFile(path, Buffer.alloc(4096, 0x41));
    await assert.rejects(openSqliteStorage({ path }), (err: unknown) => err instanceof MoatError && err.code === 'STORAGE_OPEN_FAILED');
  });

  it('fails with STORAGE_MIGRATION_FAILED when a migration cannot apply, and records nothing as applied', async () => {
    const path = join(dir, 'moat.db');
    const raw = new BetterSqlite3(path);
    raw.exec('create table organizations (x text)');
    raw.close();
    await assert.rejects(openSqliteStorage({ path }), (err: unknown) => err instanceof MoatError && err.code === 'STORAGE_MIGRATION_FAILED');
    const check = new BetterSqlite3(path, { readonly: true });
    try {
      const applied = check.prepare('select count(*) as n from kysely_migration').get();
      assert.deepEqual(applied, { n: 0 });
    } finally {
      check.close();
    }
  });
});

const openFailed = (err: unknown): boolean => err instanceof MoatError && err.code === 'STORAGE_OPEN_FAILED';

async function appliedMigrations(storage: Storage): Promise<string[]> {
  const applied = await sql<{ name: string }>`select name from kysely_migration order by name`.execute(storage.db);
  return applied.rows.map((r) => r.name);
}

for (const engine of STORAGE_ENGINES) {
  describe(`storage migrations (${engine.name})`, { skip: engine.skip ?? false }, () => {
    it('creates the schema from empty: every table, the default organization, every migration recorded', async () => {
      const storage = await engine.open('migrate');
      try {
        assert.deepEqual(await listTables(storage, engine), TABLES);
        assert.deepEqual(await storage.db.selectFrom('organizations').select(['id', 'name']).execute(), [{ id: 1, name: 'default' }]);
        assert.deepEqual(await appliedMigrations(storage), MIGRATIONS);
      } finally {
        await storage.close();
      }
    });

    it('re-runs idempotently: a re-open or second run applies nothing, keeps rows, and ids continue after 1', async () => {
      const place = await engine.place('rerun');
      try {
        const first = await place.open();
        try {
          assert.deepEqual(await migrateToLatest(first.db), []);
          await first.db.insertInto('organizations').values({ name: 'acme', created_at: new Date(0).toISOString() }).execute();
        } finally {
          await first.close();
        }
        const second = await place.open();
        try {
          assert.deepEqual(await migrateToLatest(second.db), []);
          assert.deepEqual(await appliedMigrations(second), MIGRATIONS);
          // PostgreSQL: the identity sequence was advanced past the explicit id 1 by migration 0001.
          const orgs = await second.db.selectFrom('organizations').select(['id', 'name']).orderBy('id').execute();
          assert.deepEqual(orgs, [
            { id: 1, name: 'default' },
            { id: 2, name: 'acme' },
          ]);
        } finally {
          await second.close();
        }
      } finally {
        await place.remove();
      }
    });

    it('is safe when two connections migrate the same empty database at once', async () => {
      const place = await engine.place('concurrent');
      try {
        const opened = await Promise.allSettled([place.open(), place.open()]);
        const storages = opened.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
        try {
          assert.deepEqual(
            opened.map((r) => r.status),
            ['fulfilled', 'fulfilled'],
            opened.map((r) => (r.status === 'rejected' ? String(r.reason) : 'ok')).join('; '),
          );
          const [a, b] = storages as [Storage, Storage];
          assert.deepEqual(await appliedMigrations(a), MIGRATIONS);
          assert.deepEqual(await a.db.selectFrom('organizations').select(['id', 'name']).execute(), [{ id: 1, name: 'default' }]);
          // And two more runs at once, on the migrated database, both find nothing to do.
          assert.deepEqual(await Promise.all([migrateToLatest(a.db), migrateToLatest(b.db)]), [[], []]);
        } finally {
          for (const storage of storages) await storage.close();
        }
      } finally {
        await place.remove();
      }
    });
  });
}

describe('PostgreSQL open failures', () => {
  it('fails fast with STORAGE_OPEN_FAILED on a closed port, naming the server but never the password', async () => {
    const port = await closedPort();
    const started = Date.now();
    await assert.rejects(openPostgresStorage({ url: `postgres://moat:s3cret-pw@127.0.0.1:${port}/moatdb`, connectTimeoutMs: 2000 }), (err: unknown) => {
      assert.ok(openFailed(err));
      const message = (err as Error).message;
      assert.match(message, new RegExp(`127\\.0\\.0\\.1:${port}/moatdb as moat`));
      assert.ok(!message.includes('s3cret-pw'), message);
      return true;
    });
    assert.ok(Date.now() - started < 1500, `took ${Date.now() - started} ms`);
  });

  it('gives up on a server that accepts and never answers within connectTimeoutMs', async () => {
    const silent = await startSilentServer();
    try {
      const started = Date.now();
      await assert.rejects(openPostgresStorage({ host: '127.0.0.1', port: silent.port, database: 'moat', connectTimeoutMs: 300 }), openFailed);
      const took = Date.now() - started;
      assert.ok(took >= 250 && took < 2000, `took ${took} ms`);
    } finally {
      await silent.close();
    }
  });

  it('refuses bad options without echoing the url', async () => {
    await assert.rejects(openPostgresStorage({ url: 'postgres://u:s3cret-pw@[bad' }), (err: unknown) => openFailed(err) && !(err as Error).message.includes('s3cret-pw'));
    await assert.rejects(openPostgresStorage({ url: 'postgres://u:s3cret-pw@h/db?sslmode=disable' }), (err: unknown) => openFailed(err) && !(err as Error).message.includes('s3cret-pw'));
    await assert.rejects(openPostgresStorage({ url: 'mysql://u@h/db' }), openFailed);
    await assert.rejects(openPostgresStorage({ schema: 'x; drop table y' }), openFailed);
    await assert.rejects(openPostgresStorage({ schema: 'Mixed' }), openFailed);
    await assert.rejects(openPostgresStorage({ statementTimeoutMs: 0 }), openFailed);
    await assert.rejects(openPostgresStorage({ port: 70_000 }), openFailed);
  });
});

const postgres = STORAGE_ENGINES.find((e) => e.name === 'postgres');

describe('PostgreSQL storage', { skip: postgres?.skip ?? false }, () => {
  it('fails with STORAGE_OPEN_FAILED naming a database that does not exist', async () => {
    await assert.rejects(openPostgresStorage({ ...POSTGRES_TEST_OPTIONS, database: 'moat_no_such_db' }), (err: unknown) => openFailed(err) && /127\.0\.0\.1:5432\/moat_no_such_db/.test((err as Error).message));
  });

  it('sets statement_timeout, application_name and search_path on every connection', async () => {
    const schema = uniqueSchemaName('settings');
    const storage = await openPostgresStorage({ ...POSTGRES_TEST_OPTIONS, schema, statementTimeoutMs: 1234, poolMax: 2 });
    try {
      const read = async (): Promise<Record<string, unknown>> =>
        (await sql<Record<string, unknown>>`select current_setting('statement_timeout') as st, current_setting('application_name') as app, current_schema() as schema`.execute(storage.db)).rows[0] ?? {};
      // Two at once: both pool connections carry the settings.
      for (const row of await Promise.all([read(), read()])) assert.deepEqual(row, { st: '1234ms', app: 'moat', schema });
      await assert.rejects(sql`select pg_sleep(2)`.execute(storage.db), /statement timeout/);
    } finally {
      await storage.close();
      await dropSchema(schema);
    }
  });

  it('fails with STORAGE_MIGRATION_FAILED when a migration cannot apply, and records nothing as applied', async () => {
    const schema = uniqueSchemaName('broken');
    const client = new pg.Client({ host: POSTGRES_TEST_OPTIONS.host, port: POSTGRES_TEST_OPTIONS.port, user: POSTGRES_TEST_OPTIONS.user, database: POSTGRES_DATABASE });
    await client.connect();
    try {
      await client.query(`create schema "${schema}"`);
      await client.query(`create table "${schema}".organizations (x text)`);
      await assert.rejects(openPostgresStorage({ ...POSTGRES_TEST_OPTIONS, schema }), (err: unknown) => err instanceof MoatError && err.code === 'STORAGE_MIGRATION_FAILED');
      // Transactional DDL: the failed run left no tables and no migration behind.
      const applied = await client.query<{ n: string }>(`select count(*) as n from "${schema}".kysely_migration`);
      assert.equal(applied.rows[0]?.n, '0');
      const tables = await client.query<{ name: string }>(`select table_name as name from information_schema.tables where table_schema = $1 and table_name not like 'kysely_%'`, [schema]);
      assert.deepEqual(tables.rows.map((r) => r.name), ['organizations']);
    } finally {
      await client.end();
      await dropSchema(schema);
    }
  });
});
