/**
 * Database indicators (issue 7, and issue 8's feeds on top): installation-wide
 * rows keyed by (type, value, source), written by the API and the CLI and read
 * by every node, which hands the active ones to its engines. Values arrive
 * already normalised by `intel/` (storage does not know the types' rules).
 * Every change bumps one generation counter in the same transaction, so a node
 * notices a change on any node with one cheap read.
 */
import { createHash } from 'node:crypto';
import { sql, type Kysely, type Selectable, type Transaction } from 'kysely';
import { MoatError, SEVERITIES, type Severity } from '../core/index.js';
import type { Database, IndicatorsTable } from './database.js';
import { boundOptional, boundText, chunk, clampLimit, MAX_SEARCH_TERM_CHARS } from './limits.js';
import { containsPattern } from './text-match.js';

/** The normaliser caps values at 2,048 characters; anything longer did not come through it. */
const MAX_VALUE_CHARS = 2048;
const MAX_SOURCE_CHARS = 200;
const MAX_TYPE_CHARS = 20;
const MAX_DESCRIPTION_CHARS = 1000;
/** Actor, campaign and writer names (STIX names are short). */
const MAX_NAME_CHARS = 200;
/** Rows per INSERT: 15 columns each stays far below either dialect's bind-parameter cap. */
const ROWS_PER_BATCH = 500;
/** One upsert call; a bigger import is split by the caller (the API caps the body first). */
export const MAX_UPSERT_ROWS = 100_000;

/** An indicator to store; `value` already normalised for its `type`. Times are epoch ms. */
export interface IndicatorInput {
  readonly type: string;
  readonly value: string;
  readonly source: string;
  readonly confidence: number;
  readonly severity: Severity;
  readonly description?: string;
  readonly actor?: string;
  readonly campaign?: string;
  readonly firstSeen?: number;
  readonly lastSeen?: number;
  readonly expiresAt?: number;
}

/** A stored indicator. Times are ISO-8601 UTC text, as every table keeps them. */
export interface IndicatorRecord {
  readonly id: number;
  readonly type: string;
  readonly value: string;
  readonly source: string;
  readonly confidence: number;
  readonly severity: Severity;
  readonly description?: string;
  readonly actor?: string;
  readonly campaign?: string;
  readonly firstSeen: string;
  readonly lastSeen: string;
  readonly expiresAt?: string;
  readonly createdAt: string;
  readonly createdBy: string;
  readonly updatedAt: string;
}

export interface IndicatorListOptions {
  readonly type?: string;
  readonly source?: string;
  /** Substring of the value or the description. */
  readonly search?: string;
  /** true: not expired at `at`; false: expired by then; absent: both. */
  readonly active?: boolean;
  /** The time `active` is judged at; default now. */
  readonly at?: Date;
  /** Default 50, at most 1000. */
  readonly limit?: number;
  /** Paging: rows with a smaller id (the list is newest first). */
  readonly beforeId?: number;
}

export interface IndicatorUpsertResult {
  readonly added: number;
  readonly updated: number;
  readonly generation: number;
}

export interface IndicatorsStore {
  /**
   * Inserts new (type, value, source) rows and updates existing ones (last seen, severity, confidence,
   * expiry, and description/actor/campaign when given; first seen and creation are kept), all in one
   * transaction: either every row is stored or none. Duplicates within `rows`: the last one wins.
   */
  upsert(rows: readonly IndicatorInput[], options: { by: string; at: Date }): Promise<IndicatorUpsertResult>;
  /** Newest first. */
  list(options?: IndicatorListOptions): Promise<IndicatorRecord[]>;
  get(id: number): Promise<IndicatorRecord | undefined>;
  /** Retires an indicator: expires_at = `at` (rows stay for the history). False when there is no such row. */
  expire(id: number, at: Date): Promise<boolean>;
  /** Every indicator not expired at `at`, for the engines (oldest first, so the order is stable). */
  active(at: Date): Promise<IndicatorRecord[]>;
  count(): Promise<number>;
  /** Changes whenever any indicator row changes (a counter bumped in the same transaction). */
  generation(): Promise<number>;
}

type Row = Selectable<IndicatorsTable>;

function toRecord(r: Omit<Row, 'value_sha256'>): IndicatorRecord {
  return {
    id: r.id,
    type: r.type,
    value: r.value,
    source: r.source,
    confidence: r.confidence,
    severity: r.severity,
    ...(r.description !== null && { description: r.description }),
    ...(r.actor !== null && { actor: r.actor }),
    ...(r.campaign !== null && { campaign: r.campaign }),
    firstSeen: r.first_seen,
    lastSeen: r.last_seen,
    ...(r.expires_at !== null && { expiresAt: r.expires_at }),
    createdAt: r.created_at,
    createdBy: r.created_by,
    updatedAt: r.updated_at,
  };
}

function toIso(name: string, ms: number): string {
  const date = new Date(ms);
  if (Number.isNaN(date.getTime())) throw new MoatError('INDICATOR_INVALID', `indicator ${name} is not a valid time`);
  return date.toISOString();
}

/** Refuses what did not come through the normalisers: storage never cuts a value (a cut value matches something else). */
function checkInput(row: IndicatorInput): void {
  if (row.type === '' || row.type.length > MAX_TYPE_CHARS) throw new MoatError('INDICATOR_INVALID', 'indicator type is empty or too long');
  if (row.value === '' || row.value.length > MAX_VALUE_CHARS) throw new MoatError('INDICATOR_INVALID', `indicator value must be 1 to ${String(MAX_VALUE_CHARS)} characters`);
  if (row.source === '' || row.source.length > MAX_SOURCE_CHARS) throw new MoatError('INDICATOR_INVALID', `indicator source must be 1 to ${String(MAX_SOURCE_CHARS)} characters`);
  if (!Number.isInteger(row.confidence) || row.confidence < 0 || row.confidence > 100) throw new MoatError('INDICATOR_INVALID', 'indicator confidence must be an integer 0-100');
  // Trust boundary: typed as a Severity, but it may come from a parsed body.
  if (!(SEVERITIES as readonly string[]).includes(row.severity)) throw new MoatError('INDICATOR_INVALID', 'indicator severity is not a known severity');
}

const sha256 = (text: string): string => createHash('sha256').update(text).digest('hex');
const keyOf = (row: IndicatorInput): string => `${row.type}\u0000${row.source}\u0000${row.value}`;

async function bump(trx: Transaction<Database>): Promise<number> {
  // An upsert, not an update: a missing row (emptied by hand) starts the count again instead of failing every write.
  const row = await trx
    .insertInto('indicator_generation')
    .values({ id: 1, generation: 1 })
    .onConflict((oc) => oc.column('id').doUpdateSet({ generation: sql<number>`indicator_generation.generation + 1` }))
    .returning('generation')
    .executeTakeFirstOrThrow();
  return Number(row.generation);
}

/** Creates the indicator store over a migrated database. */
export function createIndicatorsStore(db: Kysely<Database>): IndicatorsStore {
  const columns = ['id', 'type', 'value', 'source', 'confidence', 'severity', 'description', 'actor', 'campaign', 'first_seen', 'last_seen', 'expires_at', 'created_at', 'created_by', 'updated_at'] as const;
  return {
    async upsert(rows, { by, at }) {
      if (rows.length > MAX_UPSERT_ROWS) throw new MoatError('INDICATOR_INVALID', `at most ${String(MAX_UPSERT_ROWS)} indicators per call`);
      rows.forEach(checkInput);
      const now = toIso('time', at.getTime());
      const createdBy = boundText(by, MAX_NAME_CHARS);
      // One statement must not touch a key twice (PostgreSQL refuses ON CONFLICT on a row it already wrote).
      const unique = [...new Map(rows.map((r) => [keyOf(r), r])).values()];
      return db.transaction().execute(async (trx) => {
        let updated = 0;
        for (const batch of chunk(unique, ROWS_PER_BATCH)) {
          const values = batch.map((r) => ({
            type: r.type,
            value: r.value,
            value_sha256: sha256(r.value),
            source: r.source,
            confidence: r.confidence,
            severity: r.severity,
            description: boundOptional(r.description, MAX_DESCRIPTION_CHARS),
            actor: boundOptional(r.actor, MAX_NAME_CHARS),
            campaign: boundOptional(r.campaign, MAX_NAME_CHARS),
            first_seen: r.firstSeen === undefined ? now : toIso('firstSeen', r.firstSeen),
            last_seen: r.lastSeen === undefined ? now : toIso('lastSeen', r.lastSeen),
            expires_at: r.expiresAt === undefined ? null : toIso('expiresAt', r.expiresAt),
            created_at: now,
            created_by: createdBy,
            updated_at: now,
          }));
          // Counted before writing so that the answer can say added vs updated (inside the transaction).
          const existing = await trx
            .selectFrom('indicators')
            .select((eb) => eb.fn.countAll<string | number>().as('n'))
            .where((eb) => eb.or(values.map((v) => eb.and([eb('type', '=', v.type), eb('value_sha256', '=', v.value_sha256), eb('source', '=', v.source)]))))
            .executeTakeFirstOrThrow();
          updated += Number(existing.n);
          await trx
            .insertInto('indicators')
            .values(values)
            .onConflict((oc) =>
              oc.columns(['type', 'value_sha256', 'source']).doUpdateSet((eb) => ({
                confidence: eb.ref('excluded.confidence'),
                severity: eb.ref('excluded.severity'),
                last_seen: eb.ref('excluded.last_seen'),
                // Re-adding a retired indicator revives it unless the new one expires too.
                expires_at: eb.ref('excluded.expires_at'),
                description: sql<string | null>`coalesce(excluded.description, indicators.description)`,
                actor: sql<string | null>`coalesce(excluded.actor, indicators.actor)`,
                campaign: sql<string | null>`coalesce(excluded.campaign, indicators.campaign)`,
                updated_at: eb.ref('excluded.updated_at'),
              })),
            )
            .execute();
        }
        const generation = unique.length === 0 ? await readGeneration(trx) : await bump(trx);
        return { added: unique.length - updated, updated, generation };
      });
    },

    async list(options = {}) {
      let query = db.selectFrom('indicators').select(columns);
      if (options.type !== undefined) query = query.where('type', '=', options.type);
      if (options.source !== undefined) query = query.where('source', '=', options.source);
      if (options.search !== undefined && options.search !== '') {
        const pattern = containsPattern(boundText(options.search, MAX_SEARCH_TERM_CHARS).toLowerCase());
        query = query.where((eb) => eb.or([eb(sql`lower(value)`, 'like', sql`${pattern} escape '\\'`), eb(sql`lower(description)`, 'like', sql`${pattern} escape '\\'`)]));
      }
      if (options.active !== undefined) {
        const now = (options.at ?? new Date()).toISOString();
        query = options.active
          ? query.where((eb) => eb.or([eb('expires_at', 'is', null), eb('expires_at', '>', now)]))
          : query.where('expires_at', '<=', now);
      }
      if (options.beforeId !== undefined) query = query.where('id', '<', options.beforeId);
      const rows = await query.orderBy('id', 'desc').limit(clampLimit(options.limit)).execute();
      return rows.map(toRecord);
    },

    async get(id) {
      const row = await db.selectFrom('indicators').select(columns).where('id', '=', id).executeTakeFirst();
      return row === undefined ? undefined : toRecord(row);
    },

    async expire(id, at) {
      const when = toIso('time', at.getTime());
      return db.transaction().execute(async (trx) => {
        // An indicator already expired keeps its earlier expiry: the history says when it stopped matching.
        const result = await trx
          .updateTable('indicators')
          .set({ expires_at: when, updated_at: when })
          .where('id', '=', id)
          .where((eb) => eb.or([eb('expires_at', 'is', null), eb('expires_at', '>', when)]))
          .executeTakeFirst();
        if (result.numUpdatedRows === 0n) return (await trx.selectFrom('indicators').select('id').where('id', '=', id).executeTakeFirst()) !== undefined;
        await bump(trx);
        return true;
      });
    },

    async active(at) {
      const now = toIso('time', at.getTime());
      const rows = await db
        .selectFrom('indicators')
        .select(columns)
        .where((eb) => eb.or([eb('expires_at', 'is', null), eb('expires_at', '>', now)]))
        .orderBy('id', 'asc')
        .execute();
      return rows.map(toRecord);
    },

    async count() {
      const row = await db.selectFrom('indicators').select((eb) => eb.fn.countAll<string | number>().as('n')).executeTakeFirstOrThrow();
      return Number(row.n);
    },

    generation: () => readGeneration(db),
  };
}

async function readGeneration(db: Kysely<Database>): Promise<number> {
  const row = await db.selectFrom('indicator_generation').select('generation').where('id', '=', 1).executeTakeFirst();
  return Number(row?.generation ?? 0);
}
