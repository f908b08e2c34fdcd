/**
 * 0010: indexes for message-log searches at millions of rows (measured with
 * bench/scale-search.ts at 5 million messages; figures in docs/PERFORMANCE.md).
 *
 * 1. Sender address, sender domain and client IP searches list the newest
 *    matches first. With an index on the column alone, a busy value (a big
 *    provider's domain or outbound IP: several percent of all mail) means
 *    reading every match and sorting it; SQLite does exactly that. An index
 *    on (column, received_at, queue_id) hands the rows over already in
 *    `ORDER BY received_at DESC, queue_id DESC` order, so the search reads
 *    `limit` entries. Each replaces the single-column index of 0001, which
 *    is its prefix and so serves nothing the new one does not.
 * 2. PostgreSQL only: a trigram GIN index on lower(subject), so the Subject
 *    substring search (`lower(subject) LIKE lower('%term%')`) reads matching
 *    rows instead of every row; no B-tree serves a leading `%`. pg_trgm ships
 *    with PostgreSQL (contrib) and is a trusted extension since PostgreSQL 13:
 *    a database owner may create it without superuser. Terms shorter than
 *    three characters have no trigram and still scan. SQLite has no trigram
 *    index outside FTS5 (a separate table every writer would have to keep in
 *    step); it keeps scanning for subjects.
 * 3. PostgreSQL only: a finer histogram for message_urls.host_reversed. URL
 *    hosts are long-tailed (a few very common, most rare); with the default
 *    statistics target (100) the planner guessed ~40,000 rows for any rare
 *    host and chose to walk all messages newest-first probing each one's URLs
 *    (18 s at 5 M messages) instead of the index (0.3 ms). 1000 fixes the
 *    estimate; the ANALYZE applies it now rather than at the next autovacuum.
 */
import { sql } from 'kysely';
import type { Kysely, Migration } from 'kysely';
import { isPostgres } from './id-column.js';

async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.createIndex('messages_sender_domain_received').on('messages').columns(['sender_domain', 'received_at', 'queue_id']).execute();
  await db.schema.dropIndex('messages_sender_domain').execute();
  await db.schema.createIndex('messages_client_ip_received').on('messages').columns(['client_ip', 'received_at', 'queue_id']).execute();
  await db.schema.dropIndex('messages_client_ip').execute();
  // Same expression as the search's `lower(mail_from) = lower(?)`, so both dialects match it to the index.
  await db.schema.createIndex('messages_mail_from_lower_received').on('messages').expression(sql`lower(mail_from), received_at, queue_id`).execute();
  await db.schema.dropIndex('messages_mail_from_lower').execute();
  if (isPostgres(db)) {
    // In `public`, not whichever schema leads the search_path: an installation (or a test) with
    // Moat in its own schema must not own the extension, and every schema must find its operators.
    await sql`create extension if not exists pg_trgm with schema public`.execute(db);
    const found = await sql<{ schema: string }>`select n.nspname as schema from pg_extension e join pg_namespace n on n.oid = e.extnamespace where e.extname = 'pg_trgm'`.execute(db);
    const schema = found.rows[0]?.schema ?? 'public';
    await sql`create index messages_subject_trgm on messages using gin (lower(subject) ${sql.id(schema, 'gin_trgm_ops')})`.execute(db);
    await sql`alter table message_urls alter column host_reversed set statistics 1000`.execute(db);
    await sql`analyze message_urls`.execute(db);
  }
}

export const migration0010SearchIndexes: Migration = { up };
