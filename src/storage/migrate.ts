import { Migrator, PostgresAdapter, sql } from 'kysely';
import type { Kysely } from 'kysely';
import { MoatError } from '../core/index.js';
import type { Database } from './database.js';
import { createMigrationProvider } from './migrations/index.js';

export interface MigrateOptions {
  /**
   * PostgreSQL: the schema that holds the tables and Kysely's bookkeeping
   * (`kysely_migration`, `kysely_migration_lock`). Without it Kysely looks for
   * its bookkeeping in every schema of the database, and a second Moat schema
   * (a test's, a staging copy) would be taken for this one. Default: the
   * connection's `current_schema()`, else `public`. SQLite: ignored.
   */
  readonly schema?: string;
}

/**
 * Runs every pending migration (dialect-neutral: SQLite and PostgreSQL).
 * Returns the names applied by this call; throws `STORAGE_MIGRATION_FAILED`.
 * Safe to call from several nodes at once: on PostgreSQL Kysely holds an
 * advisory lock while it migrates, and the others then find nothing pending.
 */
export async function migrateToLatest(db: Kysely<Database>, options: MigrateOptions = {}): Promise<string[]> {
  let schema: string | undefined;
  if (db.getExecutor().adapter instanceof PostgresAdapter) {
    try {
      schema = options.schema ?? (await sql<{ schema: string | null }>`select current_schema() as schema`.execute(db)).rows[0]?.schema ?? 'public';
    } catch (err) {
      throw new MoatError('STORAGE_MIGRATION_FAILED', 'cannot read the current schema before migrating', { cause: err });
    }
  }
  const migrator = new Migrator({ db, provider: createMigrationProvider(), ...(schema !== undefined && { migrationTableSchema: schema }) });
  const { error, results } = await migrator.migrateToLatest();
  if (error !== undefined) {
    const failed = results?.find((r) => r.status === 'Error')?.migrationName ?? 'unknown';
    throw new MoatError('STORAGE_MIGRATION_FAILED', `database migration ${failed} failed`, { cause: error });
  }
  return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
}
