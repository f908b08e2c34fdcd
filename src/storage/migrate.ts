import { Migrator } from 'kysely';
import type { Kysely } from 'kysely';
import { MoatError } from '../core/index.js';
import type { Database } from './database.js';
import { createMigrationProvider } from './migrations/index.js';

/**
 * Runs every pending migration (dialect-neutral: SQLite and PostgreSQL).
 * Returns the names applied by this call; throws `STORAGE_MIGRATION_FAILED`.
 */
export async function migrateToLatest(db: Kysely<Database>): Promise<string[]> {
  const migrator = new Migrator({ db, provider: createMigrationProvider() });
  const { error, results } = await migrator.migrateToLatest();
  if (error !== undefined) {
    const failed = results?.find((r) => r.status === 'Error')?.migrationName ?? 'unknown';
    throw new MoatError('STORAGE_MIGRATION_FAILED', `database migration ${failed} failed`, { cause: error });
  }
  return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
}
