import { afterEach, beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { sql } from 'kysely';
import { MoatError } from '../../src/core/index.js';
import { migrateToLatest, openSqliteStorage } from '../../src/storage/index.js';

const TABLES = ['artifacts', 'bayes_tokens', 'bayes_totals', 'delivery_attempts', 'findings', 'message_recipients', 'message_urls', 'messages', 'organizations', 'policy_revisions', 'quarantine', 'queue', 'seen_domains'];

describe('storage migrations (SQLite)', () => {
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
      assert.deepEqual(applied.rows.map((r) => r.name), ['0001-initial', '0002-policy-revisions', '0003-message-urls', '0004-sender-auth', '0005-bayes-tokens', '0006-client-proxy']);
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
