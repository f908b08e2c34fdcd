/**
 * 0019: leases of periodic jobs that one node of a cluster runs for all
 * (first: campaign reclustering), with when each last ran, so that nodes
 * whose timers fire at different moments do not each repeat the work.
 */
import type { Kysely, Migration } from 'kysely';

async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('job_leases')
    .addColumn('name', 'text', (c) => c.primaryKey())
    .addColumn('lease_node', 'text')
    .addColumn('lease_until', 'text')
    .addColumn('last_run_at', 'text')
    .execute();
}

export const migration0019JobLeases: Migration = { up };
