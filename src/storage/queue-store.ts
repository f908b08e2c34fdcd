/**
 * The delivery queue: one row per recipient of a spooled message, each with
 * its own state, attempts, next attempt and last reply. A node delivers only
 * its own rows (its spool holds the bodies); admin actions reach every node's.
 */
import type { Kysely, Transaction } from 'kysely';
import type { QueueItem, QueueStore } from '../delivery/ports.js';
import { DEFAULT_ORGANIZATION_ID } from './database.js';
import type { Database, QueueState } from './database.js';
import { MAX_HEADER_CHARS, MAX_REPLY_CHARS, boundText, chunk, clampLimit } from './limits.js';
import { domainOf } from './text-match.js';

/** A queue row as the operator sees it. */
export interface QueueRow extends QueueItem {
  readonly organizationId: number;
  readonly nodeId: string;
  readonly state: QueueState;
  readonly lastReply?: string;
  readonly updatedAt: string;
}

export interface QueueListOptions {
  readonly state?: QueueState;
  /** Only this node's rows; all nodes when absent. */
  readonly nodeId?: string;
  /** Default 50, at most 1000. */
  readonly limit?: number;
}

export interface SqlQueueStore extends QueueStore {
  /**
   * Adds one pending row per recipient, due at `now`. Idempotent: a queue id
   * and recipient already queued (in any state) are left as they are, so
   * startup can re-enqueue every spool entry safely.
   */
  enqueue(queueId: string, recipients: readonly string[], now: Date, organizationId?: number): Promise<void>;
  /** Rows oldest first. */
  list(options?: QueueListOptions): Promise<QueueRow[]>;
  /** Makes this message's pending rows due now; returns how many. */
  retryNow(queueId: string): Promise<number>;
  /** Removes this message's pending rows; returns how many. */
  deleteMessage(queueId: string): Promise<number>;
  /** Pending rows of this node. */
  depth(): Promise<number>;
  /** Queue ids with at least one pending row on this node, for spool reconciliation. */
  pendingQueueIds(): Promise<string[]>;
}

export interface QueueStoreOptions {
  /** Clock for `retryNow`; injected by tests. */
  readonly clock?: () => Date;
}

/** The due-scan never hands back more than this many rows, whatever the caller asks. */
const MAX_DUE_BATCH = 10_000;
/**
 * Excluded ids bound into one due-scan. SQLite allows 32766 bind parameters and PostgreSQL 65535;
 * the runner's in-flight rows (concurrency × at most 100 recipients) stay far below this.
 */
const MAX_EXCLUDED_IDS_IN_SQL = 5_000;

/** Creates the SQL-backed queue store for `nodeId`. */
export function createQueueStore(db: Kysely<Database>, nodeId: string, options: QueueStoreOptions = {}): SqlQueueStore {
  const clock = options.clock ?? ((): Date => new Date());

  async function finish(ids: readonly number[], state: QueueState, reply: string, now: Date, nextAttemptAt?: Date): Promise<void> {
    if (ids.length === 0) return;
    const at = now.toISOString();
    const update = (executor: Kysely<Database>, slice: readonly number[]): Promise<unknown> =>
      executor
        .updateTable('queue')
        .set((eb) => ({
          state,
          attempts: eb('attempts', '+', 1),
          last_reply: boundText(reply, MAX_REPLY_CHARS),
          updated_at: at,
          ...(nextAttemptAt !== undefined && { next_attempt_at: nextAttemptAt.toISOString() }),
        }))
        .where('id', 'in', slice)
        // Only pending rows move: a repeated call cannot count an attempt twice or revive a final row.
        .where('state', '=', 'pending')
        .execute();
    const slices = chunk(ids);
    const [only] = slices;
    // One statement is atomic on its own; BEGIN/COMMIT around it is main-thread time for nothing (one per delivery).
    if (slices.length === 1 && only !== undefined) {
      await update(db, only);
      return;
    }
    await db.transaction().execute(async (trx) => {
      for (const slice of slices) await update(trx, slice);
    });
  }

  return {
    async enqueue(queueId, recipients, now, organizationId = DEFAULT_ORGANIZATION_ID) {
      await db.transaction().execute((trx) => insertQueueRows(trx, { nodeId, queueId, recipients, now, organizationId }));
    },

    async due(now, limit, filter = {}) {
      const wanted = clampLimit(limit, 1, MAX_DUE_BATCH);
      if (filter.onlyDomains !== undefined && filter.onlyDomains.length === 0) return [];
      // In-flight rows are skipped in SQL so they are never read; past the bind budget
      // (far beyond any sane delivery.concurrency) the rest are read and dropped here.
      const excluded = filter.excludeIds ?? [];
      const dropHere = new Set(excluded.slice(MAX_EXCLUDED_IDS_IN_SQL));
      let query = db
        .selectFrom('queue')
        .select(['id', 'queue_id', 'recipient', 'domain', 'attempts', 'created_at', 'next_attempt_at'])
        .where('node_id', '=', nodeId)
        .where('state', '=', 'pending')
        .where('next_attempt_at', '<=', now.toISOString());
      for (const slice of chunk(excluded.slice(0, MAX_EXCLUDED_IDS_IN_SQL))) query = query.where('id', 'not in', slice);
      for (const slice of chunk(filter.excludeDomains ?? [])) query = query.where('domain', 'not in', slice);
      if (filter.onlyDomains !== undefined) {
        const slices = chunk(filter.onlyDomains);
        query = query.where((eb) => eb.or(slices.map((slice) => eb('domain', 'in', slice))));
      }
      const rows = await query
        .orderBy('next_attempt_at')
        .orderBy('id')
        .limit(wanted + dropHere.size)
        .execute();
      const out: QueueItem[] = [];
      for (const r of rows) {
        if (dropHere.has(r.id)) continue;
        out.push({
          id: r.id,
          queueId: r.queue_id,
          recipient: r.recipient,
          domain: r.domain,
          attempts: r.attempts,
          createdAt: r.created_at,
          nextAttemptAt: r.next_attempt_at,
        });
        if (out.length === wanted) break;
      }
      return out;
    },

    markDelivered: (ids, reply, now) => finish(ids, 'delivered', reply, now),
    markDeferred: (ids, reply, nextAttemptAt, now) => finish(ids, 'pending', reply, now, nextAttemptAt),
    markFailed: (ids, reply, now) => finish(ids, 'failed', reply, now),

    async remaining(queueId) {
      const row = await db
        .selectFrom('queue')
        .select((eb) => eb.fn.countAll<number | string>().as('n'))
        .where('queue_id', '=', queueId)
        .where('state', '=', 'pending')
        .executeTakeFirstOrThrow();
      return Number(row.n);
    },

    async list(opts = {}) {
      let query = db.selectFrom('queue').selectAll();
      if (opts.state !== undefined) query = query.where('state', '=', opts.state);
      if (opts.nodeId !== undefined) query = query.where('node_id', '=', opts.nodeId);
      const rows = await query.orderBy('created_at').orderBy('id').limit(clampLimit(opts.limit)).execute();
      return rows.map((r) => ({
        id: r.id,
        queueId: r.queue_id,
        organizationId: r.organization_id,
        nodeId: r.node_id,
        recipient: r.recipient,
        domain: r.domain,
        state: r.state,
        attempts: r.attempts,
        createdAt: r.created_at,
        nextAttemptAt: r.next_attempt_at,
        ...(r.last_reply !== null && { lastReply: r.last_reply }),
        updatedAt: r.updated_at,
      }));
    },

    async retryNow(queueId) {
      const at = clock().toISOString();
      const result = await db
        .updateTable('queue')
        .set({ next_attempt_at: at, updated_at: at })
        .where('queue_id', '=', queueId)
        .where('state', '=', 'pending')
        .executeTakeFirst();
      return Number(result.numUpdatedRows);
    },

    async deleteMessage(queueId) {
      const result = await db.deleteFrom('queue').where('queue_id', '=', queueId).where('state', '=', 'pending').executeTakeFirst();
      return Number(result.numDeletedRows);
    },

    async depth() {
      const row = await db
        .selectFrom('queue')
        .select((eb) => eb.fn.countAll<number | string>().as('n'))
        .where('node_id', '=', nodeId)
        .where('state', '=', 'pending')
        .executeTakeFirstOrThrow();
      return Number(row.n);
    },

    async pendingQueueIds() {
      const rows = await db
        .selectFrom('queue')
        .select('queue_id')
        .distinct()
        .where('node_id', '=', nodeId)
        .where('state', '=', 'pending')
        .orderBy('queue_id')
        .execute();
      return rows.map((r) => r.queue_id);
    },
  };
}

/**
 * Inserts one pending queue row per recipient (idempotent: a row that exists
 * stays as it is). Shared by `enqueue` and by the message log, which queues
 * in the same transaction that records an accepted message.
 */
export async function insertQueueRows(
  trx: Transaction<Database>,
  rows: { nodeId: string; queueId: string; recipients: readonly string[]; now: Date; organizationId: number },
): Promise<void> {
  const at = rows.now.toISOString();
  // Bounded before de-duplication so two long addresses cut to the same text cannot collide in one insert.
  const unique = [...new Set(rows.recipients.map((r) => boundText(r, MAX_HEADER_CHARS)))];
  for (const slice of chunk(unique)) {
    await trx
      .insertInto('queue')
      .values(
        slice.map((recipient) => ({
          queue_id: rows.queueId,
          organization_id: rows.organizationId,
          node_id: rows.nodeId,
          recipient,
          domain: boundText(domainOf(recipient), MAX_HEADER_CHARS),
          state: 'pending' as const,
          attempts: 0,
          created_at: at,
          next_attempt_at: at,
          last_reply: null,
          updated_at: at,
        })),
      )
      .onConflict((oc) => oc.columns(['queue_id', 'recipient']).doNothing())
      .execute();
  }
}
