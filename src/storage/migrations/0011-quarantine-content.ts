/**
 * 0011: quarantined bodies and their spool meta in the database, so that
 * every node of a PostgreSQL installation can show and release a message
 * another node quarantined. Bodies are content-addressed (one row per
 * SHA-256, however many messages share it) and cut into chunks, so a large
 * body is written and read a piece at a time, never held whole.
 */
import { sql, type Kysely, type Migration } from 'kysely';
import { isPostgres } from './id-column.js';

async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('quarantine_bodies')
    .addColumn('sha256', 'text', (c) => c.primaryKey())
    .addColumn('size', 'bigint', (c) => c.notNull())
    .addColumn('chunks', 'integer', (c) => c.notNull())
    .addColumn('stored_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema
    .createTable('quarantine_body_chunks')
    .addColumn('sha256', 'text', (c) => c.notNull().references('quarantine_bodies.sha256').onDelete('cascade'))
    .addColumn('seq', 'integer', (c) => c.notNull())
    .addColumn('data', isPostgres(db) ? sql`bytea` : sql`blob`, (c) => c.notNull())
    .addPrimaryKeyConstraint('quarantine_body_chunks_pk', ['sha256', 'seq'])
    .execute();
  await db.schema
    .createTable('quarantine_meta')
    .addColumn('queue_id', 'text', (c) => c.primaryKey())
    .addColumn('meta', 'text', (c) => c.notNull())
    .execute();
}

export const migration0011QuarantineContent: Migration = { up };
