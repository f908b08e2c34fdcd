/**
 * Policy revisions: every import of a policy document is kept, numbered, so
 * that a verdict's `r<revision>` can always be looked up. On PostgreSQL a
 * new revision also notifies every node through the change feed (topic
 * `policy`, payload the revision) at commit; nodes still poll
 * `latestRevision()` (one indexed read) as the safety net.
 */
import { createHash } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { ChangeFeed } from './change-feed.js';
import type { Database } from './database.js';
import { MAX_DETAIL_CHARS, boundText, clampLimit } from './limits.js';

export interface PolicyRevision {
  readonly revision: number;
  /** The document as stored (JSON text, parsed); the caller validates it. */
  readonly document: unknown;
  readonly sha256: string;
  readonly source: string;
  readonly comment?: string;
  readonly createdAt: string;
}

export interface PolicyStore {
  /** Highest revision number, 0 when none was imported. */
  latestRevision(): Promise<number>;
  latest(): Promise<PolicyRevision | undefined>;
  get(revision: number): Promise<PolicyRevision | undefined>;
  /** Newest first. */
  list(limit?: number): Promise<PolicyRevision[]>;
  /**
   * Stores a validated document as a new revision, unless it equals the one
   * in force; returns the revision in force afterwards and whether it is new.
   */
  add(entry: { document: unknown; source: string; comment?: string; at: Date }): Promise<{ revision: number; created: boolean }>;
}

function toRevision(row: { id: number; document: string; sha256: string; source: string; comment: string | null; created_at: string }): PolicyRevision {
  return {
    revision: row.id,
    // Trust boundary: written by `add` from a validated document; the caller validates again.
    document: JSON.parse(row.document) as unknown,
    sha256: row.sha256,
    source: row.source,
    ...(row.comment === null ? {} : { comment: row.comment }),
    createdAt: row.created_at,
  };
}

/** The revision store over `db`; with `changes`, each new revision is announced to every node when it commits. */
export function createPolicyStore(db: Kysely<Database>, changes?: ChangeFeed): PolicyStore {
  const latest = async (): Promise<PolicyRevision | undefined> => {
    const row = await db.selectFrom('policy_revisions').selectAll().orderBy('id', 'desc').limit(1).executeTakeFirst();
    return row === undefined ? undefined : toRevision(row);
  };
  return {
    async latestRevision() {
      const row = await db.selectFrom('policy_revisions').select((eb) => eb.fn.max('id').as('id')).executeTakeFirst();
      return Number(row?.id ?? 0);
    },
    latest,
    async get(revision) {
      const row = await db.selectFrom('policy_revisions').selectAll().where('id', '=', revision).executeTakeFirst();
      return row === undefined ? undefined : toRevision(row);
    },
    async list(limit) {
      const rows = await db.selectFrom('policy_revisions').selectAll().orderBy('id', 'desc').limit(clampLimit(limit)).execute();
      return rows.map(toRevision);
    },
    async add(entry) {
      const text = JSON.stringify(entry.document);
      const sha256 = createHash('sha256').update(text).digest('hex');
      return db.transaction().execute(async (trx) => {
        const current = await trx.selectFrom('policy_revisions').select(['id', 'sha256']).orderBy('id', 'desc').limit(1).executeTakeFirst();
        if (current !== undefined && current.sha256 === sha256) return { revision: current.id, created: false };
        const inserted = await trx
          .insertInto('policy_revisions')
          .values({
            document: text,
            sha256,
            source: boundText(entry.source, 500),
            comment: entry.comment === undefined ? null : boundText(entry.comment, MAX_DETAIL_CHARS),
            created_at: entry.at.toISOString(),
          })
          .returning('id')
          .executeTakeFirstOrThrow();
        // In the same transaction: delivered at commit, so no node re-reads before the row is visible, and
        // a rolled-back import announces nothing. The CLI writes through here too.
        await changes?.notify(trx, 'policy', String(inserted.id));
        return { revision: inserted.id, created: true };
      });
    },
  };
}
