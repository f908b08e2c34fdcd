/**
 * 0018: campaigns (issue 8). Messages that belong together (one actor's lure
 * sent to several organizations) are grouped by `campaigns/` and kept here,
 * so that an analyst's names, attributions, merges and splits survive the
 * next reclustering.
 *
 * - `messages.lure_simhash`: the message's lure fingerprint (16 hex digits,
 *   `core/simhash.ts`), written by the message log; null when the message had
 *   too little text, and for messages logged before this release.
 * - `organizations.sector`: the config's `organizations[].sector`, for reports.
 * - `campaigns`: one row per campaign; `cluster_key` is the clustering's stable
 *   key (the smallest queue id of its suspicious members). Unique among active
 *   campaigns only: a merged campaign keeps its key for the history while the
 *   campaign it went into may carry the same one. Both engines support a
 *   partial unique index.
 * - `campaign_members`: a message is in at most one campaign (unique queue_id);
 *   it goes with its message (ON DELETE CASCADE, so retention purges it too).
 *   `evidence` is the JSON list of MembershipEvidence; `pinned` marks a member
 *   an analyst put there (merge, split): reclustering never moves it.
 * - `campaign_events`: the history of a campaign (created, renamed, attributed,
 *   merged, split, reclustered), newest last.
 *
 * `lure_simhash` is indexed (partial: only rows that have one) because the
 * clustering input adds the unsuspicious messages that share an exact
 * fingerprint with a suspicious one, looked up per fingerprint as the other
 * keys (artifact hash, URL host, client IP) are; without the index each lookup
 * would scan the window. Near fingerprints (a Hamming distance) cannot use any
 * B-tree: those are compared in memory over the messages already read.
 */
import { sql } from 'kysely';
import type { Kysely, Migration } from 'kysely';
import { addIdColumn } from './id-column.js';

async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('messages').addColumn('lure_simhash', 'text').execute();
  await db.schema
    .createIndex('messages_lure_simhash_received')
    .on('messages')
    .columns(['lure_simhash', 'received_at', 'queue_id'])
    .where(sql.ref('lure_simhash'), 'is not', null)
    .execute();
  await db.schema.alterTable('organizations').addColumn('sector', 'text').execute();

  await addIdColumn(db, db.schema.createTable('campaigns'))
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('actor', 'text')
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('merged_into', 'integer', (c) => c.references('campaigns.id'))
    .addColumn('cluster_key', 'text', (c) => c.notNull())
    .addColumn('pinned_name', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .addColumn('first_seen', 'text', (c) => c.notNull())
    .addColumn('last_seen', 'text', (c) => c.notNull())
    .addColumn('messages', 'integer', (c) => c.notNull())
    .addColumn('organizations', 'integer', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('campaigns_cluster_key_active').on('campaigns').column('cluster_key').unique().where(sql.ref('status'), '=', 'active').execute();
  // The list: newest activity first, keyset-paged by id.
  await db.schema.createIndex('campaigns_last_seen').on('campaigns').columns(['last_seen', 'id']).execute();

  await db.schema
    .createTable('campaign_members')
    .addColumn('campaign_id', 'integer', (c) => c.notNull().references('campaigns.id').onDelete('cascade'))
    .addColumn('queue_id', 'text', (c) => c.notNull().unique().references('messages.queue_id').onDelete('cascade'))
    .addColumn('organization_id', 'integer', (c) => c.notNull())
    .addColumn('received_at', 'text', (c) => c.notNull())
    .addColumn('evidence', 'text', (c) => c.notNull())
    .addColumn('pinned', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('added_at', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('campaign_members_pk', ['campaign_id', 'queue_id'])
    .execute();

  await addIdColumn(db, db.schema.createTable('campaign_events'))
    .addColumn('campaign_id', 'integer', (c) => c.notNull().references('campaigns.id').onDelete('cascade'))
    .addColumn('at', 'text', (c) => c.notNull())
    .addColumn('by', 'text', (c) => c.notNull())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('detail', 'text')
    .execute();
  await db.schema.createIndex('campaign_events_campaign').on('campaign_events').columns(['campaign_id', 'id']).execute();
}

export const migration0018Campaigns: Migration = { up };
