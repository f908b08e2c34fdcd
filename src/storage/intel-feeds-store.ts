/**
 * The state of the configured TAXII feeds (issue 8): where each one's next
 * poll starts, its last outcome, and the lease that lets one node at a time
 * poll it. A lease is taken by one conditional UPDATE (the row is free, its
 * lease ran out, or the node already holds it), which both engines run
 * atomically: of two nodes claiming together, one updates the row and the
 * other updates nothing. Outcomes are written only by the lease holder and
 * free the lease in the same statement.
 */
import type { Kysely, Selectable } from 'kysely';
import type { Database, IntelFeedsTable } from './database.js';
import { boundText } from './limits.js';

/** Feed names are config names (63 characters); node ids are short too. */
const MAX_NAME_CHARS = 200;
/** A poll error as an operator reads it: code and message, not a dump. */
const MAX_ERROR_CHARS = 1000;
/** TAXII timestamps are about 30 characters. */
const MAX_TIMESTAMP_CHARS = 64;

export interface IntelFeedState {
  readonly name: string;
  readonly addedAfter?: string;
  readonly lastPollAt?: string;
  readonly lastSuccessAt?: string;
  readonly lastError?: string;
  readonly lastAdded: number;
  readonly lastUpdated: number;
  readonly leaseNode?: string;
  readonly leaseUntil?: string;
}

export interface IntelFeedClaim {
  /** The claiming node's time; a lease that ends at or before it is free. */
  readonly now: Date;
  /** When the lease ends unless released first. */
  readonly until: Date;
  /** Only when the feed was last polled (by any node) at or before this time: the feed is due. Absent: polled now whatever. */
  readonly dueBefore?: Date;
}

export type IntelFeedOutcome =
  | { readonly ok: true; readonly at: Date; readonly addedAfter?: string; readonly added: number; readonly updated: number }
  | { readonly ok: false; readonly at: Date; readonly error: string };

export interface IntelFeedsStore {
  /** Creates the rows of these feeds if missing (state empty, no lease). */
  ensure(names: readonly string[]): Promise<void>;
  get(name: string): Promise<IntelFeedState | undefined>;
  /** Every feed row, by name. */
  list(): Promise<IntelFeedState[]>;
  /** Takes the feed's lease for `node`; true when this node now holds it. The row must exist (`ensure`). */
  claim(name: string, node: string, claim: IntelFeedClaim): Promise<boolean>;
  /**
   * Records a poll's outcome and frees the lease, if `node` still holds it (false otherwise: the lease ran out and
   * the outcome is not recorded). A success moves added_after on when it names one; a failure keeps it.
   */
  finish(name: string, node: string, outcome: IntelFeedOutcome): Promise<boolean>;
}

function toState(r: Selectable<IntelFeedsTable>): IntelFeedState {
  return {
    name: r.name,
    ...(r.added_after !== null && { addedAfter: r.added_after }),
    ...(r.last_poll_at !== null && { lastPollAt: r.last_poll_at }),
    ...(r.last_success_at !== null && { lastSuccessAt: r.last_success_at }),
    ...(r.last_error !== null && { lastError: r.last_error }),
    lastAdded: Number(r.last_added),
    lastUpdated: Number(r.last_updated),
    ...(r.lease_node !== null && { leaseNode: r.lease_node }),
    ...(r.lease_until !== null && { leaseUntil: r.lease_until }),
  };
}

/** Creates the feed state store over a migrated database. */
export function createIntelFeedsStore(db: Kysely<Database>): IntelFeedsStore {
  return {
    async ensure(names) {
      for (const name of new Set(names)) {
        await db.insertInto('intel_feeds').values({ name: boundText(name, MAX_NAME_CHARS) }).onConflict((oc) => oc.column('name').doNothing()).execute();
      }
    },

    async get(name) {
      const row = await db.selectFrom('intel_feeds').selectAll().where('name', '=', name).executeTakeFirst();
      return row === undefined ? undefined : toState(row);
    },

    async list() {
      const rows = await db.selectFrom('intel_feeds').selectAll().orderBy('name').execute();
      return rows.map(toState);
    },

    async claim(name, node, { now, until, dueBefore }) {
      const nowIso = now.toISOString();
      let query = db
        .updateTable('intel_feeds')
        .set({ lease_node: boundText(node, MAX_NAME_CHARS), lease_until: until.toISOString() })
        .where('name', '=', name)
        .where((eb) => eb.or([eb('lease_node', 'is', null), eb('lease_until', 'is', null), eb('lease_until', '<=', nowIso), eb('lease_node', '=', node)]));
      // Due by the last success: a failing feed stays due, so a retry (sooner than the interval) may claim it.
      if (dueBefore !== undefined) query = query.where((eb) => eb.or([eb('last_success_at', 'is', null), eb('last_success_at', '<=', dueBefore.toISOString())]));
      const result = await query.executeTakeFirst();
      return result.numUpdatedRows === 1n;
    },

    async finish(name, node, outcome) {
      const at = outcome.at.toISOString();
      const set = outcome.ok
        ? {
            last_poll_at: at,
            last_success_at: at,
            last_error: null,
            last_added: outcome.added,
            last_updated: outcome.updated,
            ...(outcome.addedAfter === undefined ? {} : { added_after: boundText(outcome.addedAfter, MAX_TIMESTAMP_CHARS) }),
          }
        : { last_poll_at: at, last_error: boundText(outcome.error, MAX_ERROR_CHARS) };
      const result = await db
        .updateTable('intel_feeds')
        .set({ ...set, lease_node: null, lease_until: null })
        .where('name', '=', name)
        .where('lease_node', '=', node)
        .executeTakeFirst();
      return result.numUpdatedRows === 1n;
    },
  };
}
