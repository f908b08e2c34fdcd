/**
 * 0004: sender authentication results on each message (SPF, DKIM, DMARC and
 * ARC result words, e.g. `pass`, `fail`, `temperror`), and the domains this
 * installation has seen, with when it first saw each (newly seen domains are
 * a phishing signal).
 */
import type { Kysely, Migration } from 'kysely';

async function up(db: Kysely<unknown>): Promise<void> {
  for (const column of ['auth_spf', 'auth_dkim', 'auth_dmarc', 'auth_arc']) {
    await db.schema.alterTable('messages').addColumn(column, 'text').execute();
  }
  await db.schema
    .createTable('seen_domains')
    .addColumn('domain', 'text', (c) => c.primaryKey())
    .addColumn('first_seen', 'text', (c) => c.notNull())
    .addColumn('last_seen', 'text', (c) => c.notNull())
    .addColumn('messages', 'integer', (c) => c.notNull())
    .execute();
}

export const migration0004SenderAuth: Migration = { up };
