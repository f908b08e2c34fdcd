/**
 * Organizations (tenants) by name. The config names them (`domains[].organization`);
 * each node makes sure a row exists for every name at start, so that every
 * message, queue row and training count can carry its organization's id.
 */
import type { Kysely } from 'kysely';
import type { Database } from './database.js';

/** Ensures a row per name (idempotent, safe for two nodes at once), sets the countries and sectors given, and returns name → id. */
export async function syncOrganizations(
  db: Kysely<Database>,
  names: readonly string[],
  countries: ReadonlyMap<string, string> = new Map(),
  sectors: ReadonlyMap<string, string> = new Map(),
  now: Date = new Date(),
): Promise<Map<string, number>> {
  const wanted = [...new Set(names)];
  for (const name of wanted) {
    await db.insertInto('organizations').values({ name, created_at: now.toISOString(), country: countries.get(name) ?? null, sector: sectors.get(name) ?? null }).onConflict((oc) => oc.column('name').doNothing()).execute();
    const country = countries.get(name);
    if (country !== undefined) await db.updateTable('organizations').set({ country }).where('name', '=', name).execute();
    const sector = sectors.get(name);
    if (sector !== undefined) await db.updateTable('organizations').set({ sector }).where('name', '=', name).execute();
  }
  const rows = wanted.length === 0 ? [] : await db.selectFrom('organizations').select(['id', 'name']).where('name', 'in', wanted).execute();
  return new Map(rows.map((row) => [row.name, Number(row.id)]));
}

/** Every organization row, by name. */
export async function listOrganizations(db: Kysely<Database>): Promise<Array<{ id: number; name: string; country: string | null; createdAt: string }>> {
  const rows = await db.selectFrom('organizations').select(['id', 'name', 'country', 'created_at']).orderBy('name').execute();
  return rows.map((row) => ({ id: Number(row.id), name: row.name, country: row.country, createdAt: row.created_at }));
}
