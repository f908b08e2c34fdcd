/**
 * The quarantine index: which messages are held, why, and what became of
 * them. The bodies live in files named by SHA-256 (owned by `quarantine/`);
 * this index says when a file is still referenced.
 */
import type { Kysely } from 'kysely';
import { DEFAULT_ORGANIZATION_ID } from './database.js';
import type { Database, QuarantineState } from './database.js';
import { MAX_DETAIL_CHARS, MAX_HEADER_CHARS, boundText, clampLimit } from './limits.js';

export interface QuarantineEntry {
  readonly queueId: string;
  readonly organizationId: number;
  readonly sha256: string;
  readonly size: number;
  readonly quarantinedAt: string;
  readonly reason: string;
  readonly state: QuarantineState;
  readonly releasedAt?: string;
  readonly releasedBy?: string;
  readonly deletedAt?: string;
}

export interface QuarantineAdd {
  readonly queueId: string;
  readonly sha256: string;
  readonly size: number;
  readonly reason: string;
  readonly at: Date;
  readonly organizationId?: number;
}

export interface QuarantineListOptions {
  readonly state?: QuarantineState;
  readonly organizationId?: number;
  /** Default 50, at most 1000. */
  readonly limit?: number;
}

export interface QuarantineIndex {
  /** Holds a message. Idempotent by queue id: a replay keeps the first entry. */
  add(entry: QuarantineAdd): Promise<void>;
  /** Entries newest first. */
  list(options?: QuarantineListOptions): Promise<QuarantineEntry[]>;
  get(queueId: string): Promise<QuarantineEntry | undefined>;
  /** `held` → `released`. False when the entry is missing or not held (someone else acted first). */
  markReleased(queueId: string, by: string, at: Date): Promise<boolean>;
  /** `held` or `released` → `deleted`. False when the entry is missing or already deleted. */
  markDeleted(queueId: string, at: Date): Promise<boolean>;
  /** Entries not deleted that reference this body hash; the file may be removed at 0. */
  countBySha256(sha256: string): Promise<number>;
}

type QuarantineRow = {
  queue_id: string;
  organization_id: number;
  sha256: string;
  size: number;
  quarantined_at: string;
  reason: string;
  state: QuarantineState;
  released_at: string | null;
  released_by: string | null;
  deleted_at: string | null;
};

function toEntry(r: QuarantineRow): QuarantineEntry {
  return {
    queueId: r.queue_id,
    organizationId: r.organization_id,
    sha256: r.sha256,
    size: r.size,
    quarantinedAt: r.quarantined_at,
    reason: r.reason,
    state: r.state,
    ...(r.released_at !== null && { releasedAt: r.released_at }),
    ...(r.released_by !== null && { releasedBy: r.released_by }),
    ...(r.deleted_at !== null && { deletedAt: r.deleted_at }),
  };
}

/** Creates the quarantine index over a migrated database. */
export function createQuarantineIndex(db: Kysely<Database>): QuarantineIndex {
  return {
    async add(entry) {
      await db
        .insertInto('quarantine')
        .values({
          queue_id: entry.queueId,
          organization_id: entry.organizationId ?? DEFAULT_ORGANIZATION_ID,
          sha256: entry.sha256.toLowerCase(),
          size: entry.size,
          quarantined_at: entry.at.toISOString(),
          reason: boundText(entry.reason, MAX_DETAIL_CHARS),
          state: 'held',
        })
        .onConflict((oc) => oc.column('queue_id').doNothing())
        .execute();
    },

    async list(opts = {}) {
      let query = db.selectFrom('quarantine').selectAll();
      if (opts.state !== undefined) query = query.where('state', '=', opts.state);
      if (opts.organizationId !== undefined) query = query.where('organization_id', '=', opts.organizationId);
      const rows = await query.orderBy('quarantined_at', 'desc').orderBy('queue_id', 'desc').limit(clampLimit(opts.limit)).execute();
      return rows.map(toEntry);
    },

    async get(queueId) {
      const row = await db.selectFrom('quarantine').selectAll().where('queue_id', '=', queueId).executeTakeFirst();
      return row === undefined ? undefined : toEntry(row);
    },

    async markReleased(queueId, by, at) {
      const result = await db
        .updateTable('quarantine')
        .set({ state: 'released', released_at: at.toISOString(), released_by: boundText(by, MAX_HEADER_CHARS) })
        .where('queue_id', '=', queueId)
        .where('state', '=', 'held')
        .executeTakeFirst();
      return result.numUpdatedRows > 0n;
    },

    async markDeleted(queueId, at) {
      const result = await db
        .updateTable('quarantine')
        .set({ state: 'deleted', deleted_at: at.toISOString() })
        .where('queue_id', '=', queueId)
        .where('state', '<>', 'deleted')
        .executeTakeFirst();
      return result.numUpdatedRows > 0n;
    },

    async countBySha256(sha256) {
      const row = await db
        .selectFrom('quarantine')
        .select((eb) => eb.fn.countAll<number | string>().as('n'))
        .where('sha256', '=', sha256.toLowerCase())
        .where('state', '<>', 'deleted')
        .executeTakeFirstOrThrow();
      return Number(row.n);
    },
  };
}
