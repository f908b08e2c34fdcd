/**
 * 0015: attachment names searchable like hashes. An artifact's declared name
 * (an attachment's file name, or a member's name inside an archive at any
 * depth) is matched whole, ignoring case, newest first: the same
 * `(criterion, received_at, queue_id)` shape 0012 gave the other child-table
 * searches, on the expression the search uses (`lower(declared_name)`), so
 * both dialects walk it. A retro-hunt for `install_helo.tar` reads the
 * matches, not the log.
 */
import { sql, type Kysely, type Migration } from 'kysely';

async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.createIndex('artifacts_declared_name_lower_received').on('artifacts').expression(sql`lower(declared_name), received_at, queue_id`).execute();
}

export const migration0015AttachmentNames: Migration = { up };
