/**
 * 0008: an organization's country (ISO 3166-1 alpha-2), for reports by
 * country and region; null when the operator has not said.
 */
import type { Kysely, Migration } from 'kysely';

async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('organizations').addColumn('country', 'text').execute();
}

export const migration0008OrganizationCountry: Migration = { up };
