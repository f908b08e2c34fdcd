/**
 * 0012: `received_at` copied into the message log's child tables
 * (message_recipients, artifacts, message_urls), with indexes that list
 * "matches of X, newest first" straight from the child table.
 *
 * Why: a search by recipient, recipient domain, URL domain or artifact hash
 * wants the newest `limit` messages whose child row matches. With the
 * criterion in a child table that has no `received_at`, the database either
 * walks messages newest-first probing each one's children (cost grows with
 * 1/frequency of the value) or collects every match and sorts it (cost grows
 * with the log): 0.2–3.4 s at 5 million messages for a busy value
 * (docs/PERFORMANCE.md). An index on (criterion, received_at, queue_id) hands
 * the matches over in `ORDER BY received_at DESC, queue_id DESC` order, so the
 * search reads about `limit` entries. The index expressions are exactly the
 * search's (`lower(recipient)`, `domain`, `host_reversed`, `sha256`), so both
 * dialects match them, as 0010 did for `lower(mail_from)`. The same index on
 * messages.sha256 serves the message's own hash (one campaign sent as identical
 * copies shares it). Each replaces the single-column index that is its prefix.
 *
 * Cost on a big log: the backfill rewrites every child row once (one UPDATE
 * per table joined to messages by primary key). At 5 M messages (~18 M child
 * rows) it took 596 s on PostgreSQL and 92 s on SQLite (docs/PERFORMANCE.md).
 * On PostgreSQL the migration runs in one transaction, holds an exclusive
 * lock on the three tables all along (recording new mail waits: plan a
 * maintenance window for a big log) and leaves the old row versions as dead
 * tuples (12 → 19 GB at 5 M until a VACUUM, 42 s there, makes the space
 * reusable; autovacuum gets to it eventually). Old indexes are dropped before
 * the UPDATE and the new ones built after it, which is much cheaper than
 * maintaining them row by row.
 *
 * NOT NULL: set on PostgreSQL after the backfill. SQLite cannot add NOT NULL
 * to an existing column (only by rebuilding the table), so there the column
 * stays nullable; the writer always fills it and every child row has a
 * message (foreign key), so the backfill leaves no NULL behind.
 */
import { sql } from 'kysely';
import type { Kysely, Migration } from 'kysely';
import { isPostgres } from './id-column.js';

const CHILD_TABLES = ['message_recipients', 'artifacts', 'message_urls'] as const;

async function up(db: Kysely<unknown>): Promise<void> {
  const postgres = isPostgres(db);
  for (const table of CHILD_TABLES) await db.schema.alterTable(table).addColumn('received_at', 'text').execute();

  await db.schema.dropIndex('message_recipients_recipient_lower').execute();
  await db.schema.dropIndex('message_recipients_domain').execute();
  await db.schema.dropIndex('artifacts_sha256').execute();
  await db.schema.dropIndex('message_urls_host_reversed').execute();

  for (const table of CHILD_TABLES) {
    // PostgreSQL joins once (hash or merge join); a correlated subquery would probe messages per row.
    // SQLite has UPDATE ... FROM only since 3.33 and plans the subquery as a primary-key lookup anyway.
    if (postgres) {
      await sql`update ${sql.table(table)} as c set received_at = m.received_at from messages as m where m.queue_id = c.queue_id`.execute(db);
      await sql`alter table ${sql.table(table)} alter column received_at set not null`.execute(db);
    } else {
      await sql`update ${sql.table(table)} set received_at = (select m.received_at from messages as m where m.queue_id = ${sql.ref(`${table}.queue_id`)})`.execute(db);
    }
  }

  await db.schema.createIndex('message_recipients_recipient_lower_received').on('message_recipients').expression(sql`lower(recipient), received_at, queue_id`).execute();
  await db.schema.createIndex('message_recipients_domain_received').on('message_recipients').columns(['domain', 'received_at', 'queue_id']).execute();
  await db.schema.createIndex('artifacts_sha256_received').on('artifacts').columns(['sha256', 'received_at', 'queue_id']).execute();
  await db.schema.createIndex('message_urls_host_reversed_received').on('message_urls').columns(['host_reversed', 'received_at', 'queue_id']).execute();
  await db.schema.createIndex('messages_sha256_received').on('messages').columns(['sha256', 'received_at', 'queue_id']).execute();
  await db.schema.dropIndex('messages_sha256').execute();

  // Fresh statistics for the new columns now rather than at the next autovacuum (the planner
  // costs the newest-first index walk from them). SQLite keeps no statistics unless asked.
  if (postgres) for (const table of CHILD_TABLES) await sql`analyze ${sql.table(table)}`.execute(db);
}

export const migration0012ChildReceivedAt: Migration = { up };
