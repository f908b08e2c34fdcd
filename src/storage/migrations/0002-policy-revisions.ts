/**
 * 0002: policy revisions. Each import of a policy document is a new row; the
 * highest id is in force, and verdicts name the revision that decided them.
 * Rows are never updated, so any past verdict can be explained.
 */
import type { Kysely, Migration } from 'kysely';
import { addIdColumn } from './id-column.js';

async function up(db: Kysely<unknown>): Promise<void> {
  await addIdColumn(db, db.schema.createTable('policy_revisions'))
    .addColumn('document', 'text', (c) => c.notNull())
    .addColumn('sha256', 'text', (c) => c.notNull())
    .addColumn('source', 'text', (c) => c.notNull())
    .addColumn('comment', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .execute();
}

export const migration0002PolicyRevisions: Migration = { up };
