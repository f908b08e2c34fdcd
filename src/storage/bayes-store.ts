/**
 * Per-organization Bayes training in the database (tables of migration
 * 0005). Implements src/spam's BayesStore contract structurally (storage
 * does not import spam): token counts are upserted in one transaction per
 * trained message, and a lookup reads the message's tokens in chunks.
 * Statements are parameterised; the deadline is the connection's
 * (SQLite busy_timeout, PostgreSQL statement_timeout).
 */
import type { Kysely } from 'kysely';
import type { Database } from './database.js';

/** Rows of migration 0005 (kept here: the tables belong to this store alone). */
export type BayesTokensTable = {
  organization_id: number;
  token: string;
  spam: number;
  ham: number;
};

export type BayesTotalsTable = {
  organization_id: number;
  spam_messages: number;
  ham_messages: number;
};

// A type alias, not an interface: Kysely's withTables wants an index-signature-compatible record.
export type BayesTables = {
  bayes_tokens: BayesTokensTable;
  bayes_totals: BayesTotalsTable;
};

/** The same shape as src/spam's BayesStore. */
export interface SqlBayesStore {
  totals(organizationId: number): Promise<{ spamMessages: number; hamMessages: number }>;
  counts(organizationId: number, tokens: readonly string[]): Promise<ReadonlyMap<string, { spam: number; ham: number }>>;
  learn(organizationId: number, tokens: readonly string[], label: 'spam' | 'ham'): Promise<void>;
}

// Bound parameters per statement stay far under SQLite's 32,766 and PostgreSQL's 65,535.
const LOOKUP_CHUNK = 500;
const UPSERT_CHUNK = 200;
// A trained message brings at most this many tokens (the worker emits at most 2,000).
const MAX_LEARN_TOKENS = 2000;

/** A Bayes store over the gateway's database (run migration 0005 first). */
export function createSqlBayesStore(database: Kysely<Database>): SqlBayesStore {
  const db = database.withTables<BayesTables>();
  return {
    async totals(organizationId) {
      const row = await db.selectFrom('bayes_totals').select(['spam_messages', 'ham_messages']).where('organization_id', '=', organizationId).executeTakeFirst();
      return { spamMessages: Number(row?.spam_messages ?? 0), hamMessages: Number(row?.ham_messages ?? 0) };
    },
    async counts(organizationId, tokens) {
      const found = new Map<string, { spam: number; ham: number }>();
      const distinct = [...new Set(tokens)];
      for (let i = 0; i < distinct.length; i += LOOKUP_CHUNK) {
        const rows = await db
          .selectFrom('bayes_tokens')
          .select(['token', 'spam', 'ham'])
          .where('organization_id', '=', organizationId)
          .where('token', 'in', distinct.slice(i, i + LOOKUP_CHUNK))
          .execute();
        for (const row of rows) found.set(row.token, { spam: Number(row.spam), ham: Number(row.ham) });
      }
      return found;
    },
    async learn(organizationId, tokens, label) {
      const distinct = [...new Set(tokens)].slice(0, MAX_LEARN_TOKENS);
      const spam = label === 'spam' ? 1 : 0;
      const ham = label === 'ham' ? 1 : 0;
      await db.transaction().execute(async (trx) => {
        await trx
          .insertInto('bayes_totals')
          .values({ organization_id: organizationId, spam_messages: spam, ham_messages: ham })
          .onConflict((oc) =>
            oc.column('organization_id').doUpdateSet((eb) => ({
              spam_messages: eb('bayes_totals.spam_messages', '+', spam),
              ham_messages: eb('bayes_totals.ham_messages', '+', ham),
            })),
          )
          .execute();
        for (let i = 0; i < distinct.length; i += UPSERT_CHUNK) {
          const values = distinct.slice(i, i + UPSERT_CHUNK).map((token) => ({ organization_id: organizationId, token, spam, ham }));
          await trx
            .insertInto('bayes_tokens')
            .values(values)
            .onConflict((oc) =>
              oc.columns(['organization_id', 'token']).doUpdateSet((eb) => ({
                spam: eb('bayes_tokens.spam', '+', spam),
                ham: eb('bayes_tokens.ham', '+', ham),
              })),
            )
            .execute();
        }
      });
    },
  };
}
