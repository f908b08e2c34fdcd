/**
 * 0001: organizations, message log (messages, recipients, artifacts,
 * findings), delivery queue and attempts, quarantine index.
 *
 * Written with Kysely's schema builder only, so the same migration runs on
 * SQLite and PostgreSQL. The one dialect difference, how an integer key is
 * generated, lives in `addIdColumn` (id-column.ts).
 */
import { sql } from 'kysely';
import type { Kysely, Migration } from 'kysely';
import { addIdColumn, isPostgres } from './id-column.js';

async function up(db: Kysely<unknown>): Promise<void> {
  await addIdColumn(db, db.schema.createTable('organizations'))
    .addColumn('name', 'text', (c) => c.notNull().unique())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .execute();
  await sql`insert into organizations (id, name, created_at) values (1, 'default', ${new Date().toISOString()})`.execute(db);
  if (isPostgres(db)) {
    // An explicit id does not advance an identity sequence; the next organization would collide with 1.
    await sql`select setval(pg_get_serial_sequence('organizations', 'id'), 1)`.execute(db);
  }

  await db.schema
    .createTable('messages')
    .addColumn('queue_id', 'text', (c) => c.primaryKey())
    .addColumn('organization_id', 'integer', (c) => c.notNull().references('organizations.id'))
    .addColumn('node_id', 'text', (c) => c.notNull())
    .addColumn('session_id', 'text', (c) => c.notNull())
    .addColumn('received_at', 'text', (c) => c.notNull())
    .addColumn('mail_from', 'text', (c) => c.notNull())
    .addColumn('sender_domain', 'text', (c) => c.notNull())
    .addColumn('helo', 'text', (c) => c.notNull())
    .addColumn('client_ip', 'text', (c) => c.notNull())
    .addColumn('client_port', 'integer', (c) => c.notNull())
    .addColumn('client_rdns', 'text')
    .addColumn('tls_protocol', 'text')
    .addColumn('tls_cipher', 'text')
    .addColumn('size', 'integer', (c) => c.notNull())
    .addColumn('sha256', 'text', (c) => c.notNull())
    .addColumn('message_id', 'text')
    .addColumn('subject', 'text')
    .addColumn('header_from', 'text')
    .addColumn('action', 'text', (c) => c.notNull())
    .addColumn('score', 'double precision', (c) => c.notNull())
    .addColumn('reasons', 'text', (c) => c.notNull())
    .addColumn('policy_version', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('elapsed_ms', 'integer', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();
  // Newest-first listing and time-bounded searches walk this index and stop at the limit.
  await db.schema.createIndex('messages_received_at').on('messages').columns(['received_at']).execute();
  await db.schema.createIndex('messages_org_received_at').on('messages').columns(['organization_id', 'received_at']).execute();
  // Address searches compare lower(x) = lower(?) so that both dialects fold case the same way.
  await db.schema.createIndex('messages_mail_from_lower').on('messages').expression(sql`lower(mail_from)`).execute();
  await db.schema.createIndex('messages_sender_domain').on('messages').columns(['sender_domain']).execute();
  await db.schema.createIndex('messages_message_id').on('messages').columns(['message_id']).execute();
  await db.schema.createIndex('messages_sha256').on('messages').columns(['sha256']).execute();
  await db.schema.createIndex('messages_client_ip').on('messages').columns(['client_ip']).execute();
  // No subject index: a substring search (LIKE '%x%') cannot use a B-tree on either dialect.

  await db.schema
    .createTable('message_recipients')
    .addColumn('queue_id', 'text', (c) => c.notNull().references('messages.queue_id').onDelete('cascade'))
    .addColumn('organization_id', 'integer', (c) => c.notNull().references('organizations.id'))
    .addColumn('recipient', 'text', (c) => c.notNull())
    .addColumn('domain', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('message_recipients_pk', ['queue_id', 'recipient'])
    .execute();
  await db.schema.createIndex('message_recipients_recipient_lower').on('message_recipients').expression(sql`lower(recipient)`).execute();
  await db.schema.createIndex('message_recipients_domain').on('message_recipients').columns(['domain']).execute();

  await addIdColumn(db, db.schema.createTable('artifacts'))
    .addColumn('queue_id', 'text', (c) => c.notNull().references('messages.queue_id').onDelete('cascade'))
    .addColumn('organization_id', 'integer', (c) => c.notNull().references('organizations.id'))
    .addColumn('path', 'text', (c) => c.notNull())
    .addColumn('declared_name', 'text')
    .addColumn('declared_type', 'text', (c) => c.notNull())
    .addColumn('detected_type', 'text')
    .addColumn('detected_extension', 'text')
    .addColumn('disposition', 'text')
    .addColumn('size', 'integer', (c) => c.notNull())
    .addColumn('sha256', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('artifacts_queue_id').on('artifacts').columns(['queue_id']).execute();
  // Retro-hunt: "which messages carried this file?"
  await db.schema.createIndex('artifacts_sha256').on('artifacts').columns(['sha256']).execute();

  await addIdColumn(db, db.schema.createTable('findings'))
    .addColumn('queue_id', 'text', (c) => c.notNull().references('messages.queue_id').onDelete('cascade'))
    .addColumn('organization_id', 'integer', (c) => c.notNull().references('organizations.id'))
    .addColumn('engine', 'text', (c) => c.notNull())
    .addColumn('symbol', 'text', (c) => c.notNull())
    .addColumn('score', 'double precision', (c) => c.notNull())
    .addColumn('severity', 'text', (c) => c.notNull())
    .addColumn('detail', 'text', (c) => c.notNull())
    .addColumn('artifact_path', 'text')
    .execute();
  await db.schema.createIndex('findings_queue_id').on('findings').columns(['queue_id']).execute();
  await db.schema.createIndex('findings_symbol').on('findings').columns(['symbol']).execute();

  // No foreign key to messages: locally generated DSNs are queued without a message-log row.
  await addIdColumn(db, db.schema.createTable('queue'))
    .addColumn('queue_id', 'text', (c) => c.notNull())
    .addColumn('organization_id', 'integer', (c) => c.notNull().references('organizations.id'))
    .addColumn('node_id', 'text', (c) => c.notNull())
    .addColumn('recipient', 'text', (c) => c.notNull())
    .addColumn('domain', 'text', (c) => c.notNull())
    .addColumn('state', 'text', (c) => c.notNull())
    .addColumn('attempts', 'integer', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('next_attempt_at', 'text', (c) => c.notNull())
    .addColumn('last_reply', 'text')
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .addUniqueConstraint('queue_queue_id_recipient', ['queue_id', 'recipient'])
    .execute();
  // The delivery runner's due-scan: this node's pending rows by next attempt.
  await db.schema.createIndex('queue_due').on('queue').columns(['node_id', 'state', 'next_attempt_at']).execute();

  await addIdColumn(db, db.schema.createTable('delivery_attempts'))
    .addColumn('queue_id', 'text', (c) => c.notNull())
    .addColumn('organization_id', 'integer', (c) => c.notNull().references('organizations.id'))
    .addColumn('recipient', 'text', (c) => c.notNull())
    .addColumn('target', 'text', (c) => c.notNull())
    .addColumn('outcome', 'text', (c) => c.notNull())
    .addColumn('reply', 'text', (c) => c.notNull())
    .addColumn('at', 'text', (c) => c.notNull())
    .addColumn('duration_ms', 'integer', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('delivery_attempts_queue_id').on('delivery_attempts').columns(['queue_id']).execute();

  await db.schema
    .createTable('quarantine')
    .addColumn('queue_id', 'text', (c) => c.primaryKey())
    .addColumn('organization_id', 'integer', (c) => c.notNull().references('organizations.id'))
    .addColumn('sha256', 'text', (c) => c.notNull())
    .addColumn('size', 'integer', (c) => c.notNull())
    .addColumn('quarantined_at', 'text', (c) => c.notNull())
    .addColumn('reason', 'text', (c) => c.notNull())
    .addColumn('state', 'text', (c) => c.notNull())
    .addColumn('released_at', 'text')
    .addColumn('released_by', 'text')
    .addColumn('deleted_at', 'text')
    .execute();
  await db.schema.createIndex('quarantine_state_at').on('quarantine').columns(['state', 'quarantined_at']).execute();
  await db.schema.createIndex('quarantine_org_at').on('quarantine').columns(['organization_id', 'quarantined_at']).execute();
  await db.schema.createIndex('quarantine_sha256').on('quarantine').columns(['sha256']).execute();
}

/** The initial schema. No `down`: rolling back would drop the mail history. */
export const migration0001Initial: Migration = { up };
