/**
 * 0003: the URLs each message carried (from its text, HTML and HTML
 * attachments), so that a newly listed URL or domain can be hunted back
 * through history. `host_reversed` (`com.example.mail`) turns "this domain
 * and its subdomains" into a B-tree range scan on both dialects.
 */
import type { Kysely, Migration } from 'kysely';
import { addIdColumn } from './id-column.js';

async function up(db: Kysely<unknown>): Promise<void> {
  await addIdColumn(db, db.schema.createTable('message_urls'))
    .addColumn('queue_id', 'text', (c) => c.notNull().references('messages.queue_id').onDelete('cascade'))
    .addColumn('organization_id', 'integer', (c) => c.notNull().references('organizations.id'))
    .addColumn('url', 'text', (c) => c.notNull())
    .addColumn('host_reversed', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('message_urls_queue_id').on('message_urls').columns(['queue_id']).execute();
  await db.schema.createIndex('message_urls_host_reversed').on('message_urls').columns(['host_reversed']).execute();
}

export const migration0003MessageUrls: Migration = { up };
