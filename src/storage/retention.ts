/**
 * Retention: old message-log rows and quarantine entries go, in small
 * batches, each in its own short transaction, so that a purge of millions of
 * rows never holds a lock the SMTP path waits on. Rows of messages still open
 * (queued, deferred, quarantined and held) are kept whatever their age.
 */
import type { Kysely } from 'kysely';
import type { Database, MessageStatus } from './database.js';

/** Statuses after which a message has nothing left to do; only these are purged. */
const FINAL_STATUSES: readonly MessageStatus[] = ['delivered', 'partially-delivered', 'bounced', 'rejected', 'deferred', 'released', 'deleted'];

export interface PurgeOptions {
  readonly organizationId: number;
  /** Messages received before this go. */
  readonly before: Date;
  /** Rows per transaction. */
  readonly batchSize: number;
  /** Batches per call: a run does a bounded amount of work and the next run continues. */
  readonly maxBatches: number;
}

/** Deletes finished messages received before `before` (with their recipients, artifacts, URLs, findings, attempts, queue rows). Returns how many. */
export async function purgeMessages(db: Kysely<Database>, options: PurgeOptions): Promise<number> {
  let purged = 0;
  for (let batch = 0; batch < options.maxBatches; batch++) {
    const done = await db.transaction().execute(async (trx) => {
      const rows = await trx
        .selectFrom('messages')
        .select('queue_id')
        .where('organization_id', '=', options.organizationId)
        .where('received_at', '<', options.before.toISOString())
        .where('status', 'in', [...FINAL_STATUSES])
        // A message whose quarantine entry is still held is not finished, whatever its status says.
        .where((eb) => eb.not(eb.exists(eb.selectFrom('quarantine').select('queue_id').whereRef('quarantine.queue_id', '=', 'messages.queue_id').where('quarantine.state', '=', 'held'))))
        .orderBy('received_at')
        .limit(options.batchSize)
        .execute();
      const ids = rows.map((r) => r.queue_id);
      if (ids.length === 0) return 0;
      await trx.deleteFrom('delivery_attempts').where('queue_id', 'in', ids).execute();
      await trx.deleteFrom('queue').where('queue_id', 'in', ids).where('state', '!=', 'pending').execute();
      // Recipients, artifacts, URLs and findings go with their message (ON DELETE CASCADE).
      await trx.deleteFrom('messages').where('queue_id', 'in', ids).execute();
      return ids.length;
    });
    purged += done;
    if (done < options.batchSize) break;
  }
  return purged;
}

/** Held quarantine entries of an organization quarantined before `before`, oldest first (at most `limit`). */
export async function expiredQuarantine(db: Kysely<Database>, options: { organizationId: number; before: Date; limit: number }): Promise<string[]> {
  const rows = await db
    .selectFrom('quarantine')
    .select('queue_id')
    .where('organization_id', '=', options.organizationId)
    .where('state', '=', 'held')
    .where('quarantined_at', '<', options.before.toISOString())
    .orderBy('quarantined_at')
    .limit(options.limit)
    .execute();
  return rows.map((r) => r.queue_id);
}

/**
 * Held entries that have no message-log row and were quarantined before
 * `before`: a node stopped between holding a message and logging it, so the
 * sender never got `250` and sends it again. Nothing refers to them (oldest first, at most `limit`).
 */
export async function orphanedQuarantine(db: Kysely<Database>, options: { before: Date; limit: number }): Promise<string[]> {
  const rows = await db
    .selectFrom('quarantine')
    .select('queue_id')
    .where('state', '=', 'held')
    .where('quarantined_at', '<', options.before.toISOString())
    .where((eb) => eb.not(eb.exists(eb.selectFrom('messages').select('queue_id').whereRef('messages.queue_id', '=', 'quarantine.queue_id'))))
    .orderBy('quarantined_at')
    .limit(options.limit)
    .execute();
  return rows.map((r) => r.queue_id);
}
