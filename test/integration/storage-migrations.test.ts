import { afterEach, beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { Kysely, Migrator, PostgresDialect, SqliteDialect, sql } from 'kysely';
import { MoatError } from '../../src/core/index.js';
import pg from 'pg';
import { createMessageLog, migrateToLatest, openPostgresStorage, openSqliteStorage } from '../../src/storage/index.js';
import type { MessageSearch, Storage } from '../../src/storage/index.js';
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
import type { StorageEngine, StoragePlace } from '../support/storage-engines.js';

// Every listed migration, in name order (the list grows; this test checks all of it is applied).
const MIGRATIONS = Object.keys(await createMigrationProvider().getMigrations()).sort();
const TABLES = ['api_tokens', 'artifacts', 'audit_log', 'bayes_tokens', 'bayes_totals', 'campaign_events', 'campaign_members', 'campaigns', 'delivery_attempts', 'findings', 'hunt_matches', 'hunt_runs', 'indicator_generation', 'indicators', 'intel_feeds', 'job_leases', 'message_recipients', 'message_urls', 'messages', 'organizations', 'policy_revisions', 'quarantine', 'quarantine_bodies', 'quarantine_body_chunks', 'quarantine_meta', 'queue', 'seen_domains', 'sessions', 'users'];

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

/** A raw handle on `place` migrated up to and including `last` only: the schema an older release left behind. */
async function openMigratedTo(engine: StorageEngine, place: StoragePlace, last: string): Promise<Kysely<unknown>> {
  let db: Kysely<unknown>;
  if (engine.name === 'sqlite') {
    db = new Kysely<unknown>({ dialect: new SqliteDialect({ database: new BetterSqlite3(place.location) }) });
  } else {
    const admin = new pg.Client({ host: POSTGRES_TEST_OPTIONS.host, port: POSTGRES_TEST_OPTIONS.port, user: POSTGRES_TEST_OPTIONS.user, database: POSTGRES_DATABASE });
    await admin.connect();
    try {
      await admin.query(`create schema if not exists "${place.location}"`);
    } finally {
      await admin.end();
    }
    const pool = new pg.Pool({ host: POSTGRES_TEST_OPTIONS.host, port: POSTGRES_TEST_OPTIONS.port, user: POSTGRES_TEST_OPTIONS.user, database: POSTGRES_DATABASE, max: 1, options: `-c search_path=${place.location}` });
    db = new Kysely<unknown>({ dialect: new PostgresDialect({ pool }) });
  }
  const migrator = new Migrator({ db, provider: createMigrationProvider(), ...(engine.name === 'postgres' && { migrationTableSchema: place.location }) });
  const { error } = await migrator.migrateTo(last);
  if (error !== undefined) {
    await db.destroy();
    throw error;
  }
  return db;
}

/** Index names in the storage's own database or schema (SQLite's automatic ones excluded). */
async function listIndexes(storage: Storage, engine: StorageEngine): Promise<string[]> {
  const result =
    engine.name === 'sqlite'
      ? await sql<{ name: string }>`select name from sqlite_master where type = 'index' and name not like 'sqlite_%' order by name`.execute(storage.db)
      : await sql<{ name: string }>`select indexname as name from pg_indexes where schemaname = current_schema() order by indexname`.execute(storage.db);
  return result.rows.map((r) => r.name);
}

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

    it('0012 copies received_at into existing child rows and swaps in the (criterion, received_at) indexes', async () => {
      const place = await engine.place('backfill');
      try {
        // The log as a release before 0012 left it: migrated to 0011, with messages and children.
        const old = await openMigratedTo(engine, place, '0011-quarantine-content');
        try {
          const message = (queueId: string, at: string, sha: string) =>
            sql`insert into messages (queue_id, organization_id, node_id, session_id, received_at, mail_from, sender_domain, helo, client_ip, client_port, size, sha256, action, score, reasons, policy_version, status, elapsed_ms, updated_at)
              values (${queueId}, 1, 'n1', 's1', ${at}, 'a@x.example', 'x.example', 'h', '192.0.2.1', 25, 10, ${sha}, 'deliver', 0, '[]', 'p1', 'queued', 1, ${at})`.execute(old);
          await message('01AAAAAAAAAAAAAAAAAA', '2025-01-01T00:00:00.000Z', 'a'.repeat(64));
          await message('01BBBBBBBBBBBBBBBBBB', '2025-02-01T00:00:00.000Z', 'b'.repeat(64));
          for (const [queueId, rcpt] of [
            ['01AAAAAAAAAAAAAAAAAA', 'ann@y.example'],
            ['01AAAAAAAAAAAAAAAAAA', 'bob@y.example'],
            ['01BBBBBBBBBBBBBBBBBB', 'ann@y.example'],
          ] as const) {
            const host = rcpt.slice(0, 3);
            await sql`insert into message_recipients (queue_id, organization_id, recipient, domain, status) values (${queueId}, 1, ${rcpt}, 'y.example', 'pending')`.execute(old);
            await sql`insert into artifacts (queue_id, organization_id, path, declared_type, size, sha256) values (${queueId}, 1, ${rcpt}, 'text/plain', 1, ${'c'.repeat(64)})`.execute(old);
            await sql`insert into message_urls (queue_id, organization_id, url, host_reversed) values (${queueId}, 1, ${`https://${host}.z.example/`}, ${`example.z.${host}`})`.execute(old);
          }
        } finally {
          await old.destroy();
        }

        const storage = await place.open();
        try {
          assert.deepEqual(await appliedMigrations(storage), MIGRATIONS);
          for (const table of ['message_recipients', 'artifacts', 'message_urls'] as const) {
            const found = await sql<{ queue_id: string; child: string | null }>`select queue_id, received_at as child from ${sql.table(table)} order by queue_id`.execute(storage.db);
            assert.deepEqual(
              found.rows.map((r) => [r.queue_id, r.child]),
              [
                ['01AAAAAAAAAAAAAAAAAA', '2025-01-01T00:00:00.000Z'],
                ['01AAAAAAAAAAAAAAAAAA', '2025-01-01T00:00:00.000Z'],
                ['01BBBBBBBBBBBBBBBBBB', '2025-02-01T00:00:00.000Z'],
              ],
              table,
            );
          }
          const indexes = await listIndexes(storage, engine);
          for (const name of ['message_recipients_recipient_lower_received', 'message_recipients_domain_received', 'artifacts_sha256_received', 'message_urls_host_reversed_received', 'messages_sha256_received']) {
            assert.ok(indexes.includes(name), name);
          }
          for (const name of ['message_recipients_recipient_lower', 'message_recipients_domain', 'artifacts_sha256', 'message_urls_host_reversed', 'messages_sha256']) {
            assert.ok(!indexes.includes(name), name);
          }
          if (engine.name === 'postgres') {
            const columns = await sql<{ table_name: string; is_nullable: string }>`select table_name, is_nullable from information_schema.columns where table_schema = current_schema() and column_name = 'received_at' and table_name in ('artifacts', 'message_recipients', 'message_urls', 'messages') order by table_name`.execute(storage.db);
            assert.deepEqual(
              columns.rows.map((r) => [r.table_name, r.is_nullable]),
              [
                ['artifacts', 'NO'],
                ['message_recipients', 'NO'],
                ['message_urls', 'NO'],
                ['messages', 'NO'],
              ],
            );
          }
          // The searches that walk the new indexes find the backfilled rows.
          const log = createMessageLog(storage.db, 'n1');
          const ids = async (search: MessageSearch): Promise<string[]> => (await log.search(search)).map((m) => m.queueId);
          assert.deepEqual(await ids({ recipient: 'ann@y.example' }), ['01BBBBBBBBBBBBBBBBBB', '01AAAAAAAAAAAAAAAAAA']);
          assert.deepEqual(await ids({ recipient: 'y.example', since: new Date('2025-01-15T00:00:00.000Z') }), ['01BBBBBBBBBBBBBBBBBB']);
          assert.deepEqual(await ids({ sha256: 'c'.repeat(64), until: new Date('2025-01-15T00:00:00.000Z') }), ['01AAAAAAAAAAAAAAAAAA']);
          assert.deepEqual(await ids({ urlDomain: 'z.example' }), ['01BBBBBBBBBBBBBBBBBB', '01AAAAAAAAAAAAAAAAAA']);
        } finally {
          await storage.close();
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
