/**
 * 0017: retro-hunts (issue 8). When indicators arrive, the recorded history is
 * searched for them; a run is a `hunt_runs` row and every message it found a
 * `hunt_matches` row.
 *
 * A match is unique by (queue_id, indicator_type, indicator_sha256,
 * matched_field): hunting the same indicator again finds the same message and
 * adds nothing. The key holds the SHA-256 of the indicator's value, not the
 * value: a normalised subject or URL may be 2,048 characters, more than a
 * PostgreSQL B-tree entry can hold (0014 keys indicators the same way).
 * Matches go with their message (foreign key, on delete cascade), so retention
 * removes them with the rest of the message's rows; a run's matches go with
 * the run.
 *
 * The subject hunt needs an index the trace never did (it searches substrings):
 * `substr(lower(subject), 1, 200)` with `received_at`. A prefix, not the whole
 * subject: a subject is bounded to 2,048 characters, up to 8 KB of UTF-8,
 * past PostgreSQL's ~2.7 KB B-tree entry limit, and an index entry that does
 * not fit would fail the INSERT of the message. The hunt looks the prefix up
 * and compares the whole subject in JS. Cost on a 5 M-message log: see
 * docs/PERFORMANCE.md ("Retro-hunt"); it is one index build over `messages`
 * (PostgreSQL: CREATE INDEX holds a lock that blocks writes to messages for the
 * build; plan it with the upgrade).
 */
import { sql, type Kysely, type Migration } from 'kysely';
import { addIdColumn } from './id-column.js';

async function up(db: Kysely<unknown>): Promise<void> {
  await addIdColumn(db, db.schema.createTable('hunt_runs'))
    .addColumn('started_at', 'text', (c) => c.notNull())
    .addColumn('finished_at', 'text')
    .addColumn('trigger', 'text', (c) => c.notNull())
    .addColumn('requested_by', 'text', (c) => c.notNull())
    .addColumn('indicators', 'integer', (c) => c.notNull())
    .addColumn('matches', 'integer', (c) => c.notNull())
    .addColumn('messages', 'integer', (c) => c.notNull())
    .addColumn('elapsed_ms', 'integer')
    /** JSON: the run's summary (not huntable types, truncated indicators); bounded by the writer. */
    .addColumn('detail', 'text')
    .addColumn('error', 'text')
    .execute();

  await addIdColumn(db, db.schema.createTable('hunt_matches'))
    .addColumn('run_id', 'integer', (c) => c.notNull().references('hunt_runs.id').onDelete('cascade'))
    .addColumn('queue_id', 'text', (c) => c.notNull().references('messages.queue_id').onDelete('cascade'))
    .addColumn('organization_id', 'integer', (c) => c.notNull())
    .addColumn('received_at', 'text', (c) => c.notNull())
    // No foreign key: a file indicator has no row, and indicator rows are never deleted anyway.
    .addColumn('indicator_id', 'integer')
    .addColumn('indicator_type', 'text', (c) => c.notNull())
    .addColumn('indicator_value', 'text', (c) => c.notNull())
    .addColumn('indicator_sha256', 'text', (c) => c.notNull())
    .addColumn('matched_field', 'text', (c) => c.notNull())
    .addColumn('matched_value', 'text', (c) => c.notNull())
    .addColumn('action', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('found_at', 'text', (c) => c.notNull())
    .addUniqueConstraint('hunt_matches_unique', ['queue_id', 'indicator_type', 'indicator_sha256', 'matched_field'])
    .execute();
  // The unique key starts with queue_id: it serves "matches of this message" (message detail, hunted=true).
  await db.schema.createIndex('hunt_matches_org_found').on('hunt_matches').columns(['organization_id', 'found_at']).execute();
  await db.schema.createIndex('hunt_matches_run').on('hunt_matches').columns(['run_id', 'id']).execute();
  // The trace's `hunted=true`: messages with a match, newest first (the 0012 shape on the match's copy of received_at).
  await db.schema.createIndex('hunt_matches_received').on('hunt_matches').columns(['received_at', 'queue_id']).execute();
  await db.schema.createIndex('hunt_runs_started').on('hunt_runs').columns(['started_at']).execute();

  await db.schema.createIndex('messages_subject_prefix_received').on('messages').expression(sql`substr(lower(subject), 1, 200), received_at, queue_id`).execute();
}

export const migration0017RetroHunt: Migration = { up };
