/**
 * Leases of periodic jobs that one node of a cluster runs for all (table
 * `job_leases`, migration 0019). A node claims a job when it is due (not run
 * by any node since `dueBefore`) and no other node holds a live lease; one
 * conditional UPDATE decides, so of several nodes claiming at once exactly
 * one wins, on SQLite and PostgreSQL alike. `finish` records the run and
 * frees the lease; a node that dies holding it loses it at `until`.
 */
import type { Kysely } from 'kysely';
import type { Database } from './database.js';

export interface JobLeases {
  /** True when this node may run the job now (and holds its lease until `until`). */
  claim(name: string, node: string, options: { readonly now: Date; readonly until: Date; readonly dueBefore?: Date }): Promise<boolean>;
  /** Records that the job ran (at `at`) and frees the lease, if this node still holds it. */
  finish(name: string, node: string, at: Date): Promise<void>;
}

export function createJobLeases(db: Kysely<Database>): JobLeases {
  return {
    async claim(name, node, { now, until, dueBefore }) {
      await db.insertInto('job_leases').values({ name, lease_node: null, lease_until: null, last_run_at: null }).onConflict((oc) => oc.column('name').doNothing()).execute();
      const nowIso = now.toISOString();
      let query = db
        .updateTable('job_leases')
        .set({ lease_node: node, lease_until: until.toISOString() })
        .where('name', '=', name)
        .where((eb) => eb.or([eb('lease_node', 'is', null), eb('lease_until', 'is', null), eb('lease_until', '<=', nowIso), eb('lease_node', '=', node)]));
      if (dueBefore !== undefined) query = query.where((eb) => eb.or([eb('last_run_at', 'is', null), eb('last_run_at', '<=', dueBefore.toISOString())]));
      const result = await query.executeTakeFirst();
      return result.numUpdatedRows === 1n;
    },
    async finish(name, node, at) {
      await db.updateTable('job_leases').set({ last_run_at: at.toISOString(), lease_node: null, lease_until: null }).where('name', '=', name).where('lease_node', '=', node).execute();
    },
  };
}
