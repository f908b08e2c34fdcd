/**
 * 0014: indicators managed in the database (issue 7's indicator management,
 * issue 8's feeds build on it), installation-wide, beside the configured files.
 *
 * One row per (type, value, source): the same value from two feeds is two
 * rows, each with its own confidence and expiry. The unique key holds the
 * value's SHA-256 rather than the value itself: a normalised URL or subject may
 * be 2,048 characters, more than a PostgreSQL B-tree entry can hold. Expiring
 * is how an indicator is retired; rows stay, for the history and retro-hunts.
 *
 * `indicator_generation` is a one-row counter bumped in the same transaction
 * as every change, so that a node learns "something changed" from one cheap
 * read, exactly (max(updated_at) can repeat within a millisecond or go back
 * with a node's clock; a counter can do neither).
 */
import type { Kysely, Migration } from 'kysely';
import { addIdColumn } from './id-column.js';

async function up(db: Kysely<unknown>): Promise<void> {
  await addIdColumn(db, db.schema.createTable('indicators'))
    .addColumn('type', 'text', (c) => c.notNull())
    .addColumn('value', 'text', (c) => c.notNull())
    .addColumn('value_sha256', 'text', (c) => c.notNull())
    .addColumn('source', 'text', (c) => c.notNull())
    .addColumn('confidence', 'integer', (c) => c.notNull())
    .addColumn('severity', 'text', (c) => c.notNull())
    .addColumn('description', 'text')
    .addColumn('actor', 'text')
    .addColumn('campaign', 'text')
    .addColumn('first_seen', 'text', (c) => c.notNull())
    .addColumn('last_seen', 'text', (c) => c.notNull())
    .addColumn('expires_at', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('created_by', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .addUniqueConstraint('indicators_type_value_source', ['type', 'value_sha256', 'source'])
    .execute();
  // The list filters, newest first (by id).
  await db.schema.createIndex('indicators_type_id').on('indicators').columns(['type', 'id']).execute();
  await db.schema.createIndex('indicators_source_id').on('indicators').columns(['source', 'id']).execute();
  await db.schema.createIndex('indicators_expires_at').on('indicators').columns(['expires_at']).execute();

  await db.schema
    .createTable('indicator_generation')
    .addColumn('id', 'integer', (c) => c.primaryKey())
    .addColumn('generation', 'integer', (c) => c.notNull())
    .execute();
  await (db as Kysely<{ indicator_generation: { id: number; generation: number } }>).insertInto('indicator_generation').values({ id: 1, generation: 0 }).execute();
}

export const migration0014Indicators: Migration = { up };
