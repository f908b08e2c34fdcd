/**
 * 0016: the state of each configured TAXII feed (issue 8): where its next
 * poll starts (`added_after`, the X-TAXII-Date-Added-Last of the last page
 * whose indicators were stored), the last outcome, and a lease so that in a
 * cluster one node polls a feed at a time (`lease_node` until `lease_until`,
 * taken by a conditional update). Rows are keyed by the feed's configured name.
 */
import type { Kysely, Migration } from 'kysely';

async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('intel_feeds')
    .addColumn('name', 'text', (c) => c.primaryKey())
    .addColumn('added_after', 'text')
    .addColumn('last_poll_at', 'text')
    .addColumn('last_success_at', 'text')
    .addColumn('last_error', 'text')
    .addColumn('last_added', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('last_updated', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('lease_node', 'text')
    .addColumn('lease_until', 'text')
    .execute();
}

export const migration0016IntelFeeds: Migration = { up };
