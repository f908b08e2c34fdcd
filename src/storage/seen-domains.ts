/**
 * Domains this installation has seen in mail (link hosts, sender domains),
 * with when each was first seen: a domain registered yesterday and seen for
 * the first time today is a phishing signal. Lookups happen before the
 * verdict; the sightings are written in the message's own transaction.
 */
import type { Kysely, Transaction } from 'kysely';
import type { Database } from './database.js';
import { MAX_HEADER_CHARS, boundText, chunk } from './limits.js';

// One message names at most this many distinct domains here; more would be an attack on the table.
export const MAX_DOMAINS_PER_MESSAGE = 100;

export interface SeenDomains {
  /** First-seen time (ISO) of each domain already known; unknown domains are absent. */
  firstSeen(domains: readonly string[]): Promise<Map<string, string>>;
  /** ISO time of the oldest sighting: how long this installation has been watching (undefined: never). */
  watchingSince(): Promise<string | undefined>;
}

function normalise(domains: readonly string[]): string[] {
  return [...new Set(domains.map((d) => boundText(d.toLowerCase().replace(/\.$/, ''), MAX_HEADER_CHARS)))].filter((d) => d !== '').slice(0, MAX_DOMAINS_PER_MESSAGE);
}

export function createSeenDomains(db: Kysely<Database>): SeenDomains {
  return {
    async firstSeen(domains) {
      const found = new Map<string, string>();
      for (const names of chunk(normalise(domains))) {
        const rows = await db.selectFrom('seen_domains').select(['domain', 'first_seen']).where('domain', 'in', names).execute();
        for (const row of rows) found.set(row.domain, row.first_seen);
      }
      return found;
    },
    async watchingSince() {
      const row = await db.selectFrom('seen_domains').select((eb) => eb.fn.min('first_seen').as('since')).executeTakeFirst();
      return row?.since ?? undefined;
    },
  };
}

/** Records sightings inside the caller's transaction (first sighting inserts, later ones count). */
export async function recordSightings(trx: Transaction<Database>, domains: readonly string[], at: string): Promise<void> {
  for (const domain of normalise(domains)) {
    await trx
      .insertInto('seen_domains')
      .values({ domain, first_seen: at, last_seen: at, messages: 1 })
      .onConflict((oc) => oc.column('domain').doUpdateSet((eb) => ({ last_seen: at, messages: eb('seen_domains.messages', '+', 1) })))
      .execute();
  }
}
