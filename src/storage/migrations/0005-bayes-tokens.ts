/**
 * 0005: per-organization Bayes training (src/spam): token counts and the
 * number of messages trained per class. `token` is the 8-hex-digit hash the
 * analysis worker emits; the primary key makes a message's lookup one index
 * probe per token on both dialects.
 */
import type { Kysely, Migration } from 'kysely';

async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('bayes_tokens')
    .addColumn('organization_id', 'integer', (c) => c.notNull().references('organizations.id').onDelete('cascade'))
    .addColumn('token', 'text', (c) => c.notNull())
    .addColumn('spam', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('ham', 'integer', (c) => c.notNull().defaultTo(0))
    .addPrimaryKeyConstraint('bayes_tokens_pk', ['organization_id', 'token'])
    .execute();
  await db.schema
    .createTable('bayes_totals')
    .addColumn('organization_id', 'integer', (c) => c.primaryKey().references('organizations.id').onDelete('cascade'))
    .addColumn('spam_messages', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('ham_messages', 'integer', (c) => c.notNull().defaultTo(0))
    .execute();
}

export const migration0005BayesTokens: Migration = { up };
