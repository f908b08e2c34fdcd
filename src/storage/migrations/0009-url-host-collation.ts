/**
 * 0009 (PostgreSQL only): byte order for `message_urls.host_reversed`. The URL
 * domain search is a range (`com.example.` up to `com.example/`), which only
 * holds in byte order; glibc collations such as en_US.UTF-8 ignore punctuation
 * and would miss subdomains. SQLite compares text bytewise already.
 */
import { sql } from 'kysely';
import type { Kysely, Migration } from 'kysely';
import { isPostgres } from './id-column.js';

async function up(db: Kysely<unknown>): Promise<void> {
  if (isPostgres(db)) await sql`alter table message_urls alter column host_reversed type text collate "C"`.execute(db);
}

export const migration0009UrlHostCollation: Migration = { up };
