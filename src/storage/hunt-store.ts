/**
 * Retro-hunt runs and the matches they recorded (0017). A match is recorded
 * once, by the first run that found it (unique key, `ON CONFLICT DO NOTHING`):
 * a re-hunt adds only what is new, and tells which those are. A run's own
 * summary (every message it found, new or not) is its `detail` JSON.
 */
import type { Kysely, Selectable } from 'kysely';
import type { Database, HuntMatchesTable, HuntRunsTable, HuntTrigger } from './database.js';
import { boundText, chunk, clampLimit, MAX_DETAIL_CHARS, MAX_HEADER_CHARS } from './limits.js';
import { huntValueKey, type HuntField, type HuntMatch } from './retro-hunt.js';

/** A run's summary is bigger than a finding detail: queue ids of many organizations. 1 MB is about 40,000 of them. */
const MAX_RUN_DETAIL_CHARS = 1024 * 1024;
/** Rows per INSERT: 14 columns each stays far below either dialect's bind-parameter cap. */
const ROWS_PER_BATCH = 200;

export interface HuntRun {
  readonly id: number;
  readonly startedAt: string;
  readonly finishedAt?: string;
  readonly trigger: HuntTrigger;
  readonly requestedBy: string;
  readonly indicators: number;
  readonly matches: number;
  readonly messages: number;
  readonly elapsedMs?: number;
  /** The run's summary as the app wrote it (JSON parsed); absent while running. */
  readonly detail?: unknown;
  readonly error?: string;
}

export interface RecordedHuntMatch {
  readonly id: number;
  readonly runId: number;
  readonly queueId: string;
  readonly organizationId: number;
  readonly receivedAt: string;
  readonly indicatorId?: number;
  readonly indicatorType: string;
  readonly indicatorValue: string;
  readonly matchedField: HuntField;
  readonly matchedValue: string;
  readonly action: HuntMatch['action'];
  readonly status: HuntMatch['status'];
  readonly foundAt: string;
}

export interface HuntStore {
  start(run: { trigger: HuntTrigger; requestedBy: string; indicators: number; at: Date }): Promise<number>;
  /** Records the matches not recorded before; returns those (the new ones). */
  addMatches(runId: number, matches: readonly HuntMatch[], at: Date): Promise<HuntMatch[]>;
  finish(runId: number, result: { at: Date; matches: number; messages: number; elapsedMs: number; detail?: unknown; error?: string }): Promise<void>;
  /** Newest first. */
  list(options?: { limit?: number; beforeId?: number }): Promise<HuntRun[]>;
  get(id: number): Promise<HuntRun | undefined>;
  /** The matches a run recorded (first found by it), oldest message first; optionally one organization's. */
  matchesOfRun(runId: number, options?: { organizationId?: number; limit?: number }): Promise<RecordedHuntMatch[]>;
  /** Every recorded match of one message. */
  matchesOfMessage(queueId: string): Promise<RecordedHuntMatch[]>;
}

function toRun(r: Selectable<HuntRunsTable>): HuntRun {
  let detail: unknown;
  if (r.detail !== null) {
    try {
      detail = JSON.parse(r.detail);
    } catch {
      // Written by finish() as JSON; a row edited by hand shows its text.
      detail = { unparsable: r.detail.slice(0, 200) };
    }
  }
  return {
    id: r.id,
    startedAt: r.started_at,
    ...(r.finished_at === null ? {} : { finishedAt: r.finished_at }),
    trigger: r.trigger,
    requestedBy: r.requested_by,
    indicators: r.indicators,
    matches: r.matches,
    messages: r.messages,
    ...(r.elapsed_ms === null ? {} : { elapsedMs: r.elapsed_ms }),
    ...(detail === undefined ? {} : { detail }),
    ...(r.error === null ? {} : { error: r.error }),
  };
}

function toMatch(r: Selectable<HuntMatchesTable>): RecordedHuntMatch {
  return {
    id: r.id,
    runId: r.run_id,
    queueId: r.queue_id,
    organizationId: r.organization_id,
    receivedAt: r.received_at,
    ...(r.indicator_id === null ? {} : { indicatorId: r.indicator_id }),
    indicatorType: r.indicator_type,
    indicatorValue: r.indicator_value,
    // Written from HuntField values only.
    matchedField: r.matched_field as HuntField,
    matchedValue: r.matched_value,
    action: r.action,
    status: r.status,
    foundAt: r.found_at,
  };
}

/** Creates the retro-hunt run store over a migrated database. */
export function createHuntStore(db: Kysely<Database>): HuntStore {
  return {
    async start({ trigger, requestedBy, indicators, at }) {
      const row = await db
        .insertInto('hunt_runs')
        .values({ started_at: at.toISOString(), finished_at: null, trigger, requested_by: boundText(requestedBy, 200), indicators, matches: 0, messages: 0, elapsed_ms: null, detail: null, error: null })
        .returning('id')
        .executeTakeFirstOrThrow();
      return Number(row.id);
    },

    async addMatches(runId, matches, at) {
      const foundAt = at.toISOString();
      const added: HuntMatch[] = [];
      const byKey = new Map(matches.map((m) => [`${m.queueId}\u0000${m.indicatorType}\u0000${huntValueKey(m.indicatorValue)}\u0000${m.matchedField}`, m]));
      for (const batch of chunk([...byKey.values()], ROWS_PER_BATCH)) {
        const inserted = await db
          .insertInto('hunt_matches')
          .values(
            batch.map((m) => ({
              run_id: runId,
              queue_id: m.queueId,
              organization_id: m.organizationId,
              received_at: m.receivedAt,
              indicator_id: m.indicatorId ?? null,
              indicator_type: m.indicatorType,
              indicator_value: m.indicatorValue,
              indicator_sha256: huntValueKey(m.indicatorValue),
              matched_field: m.matchedField,
              matched_value: boundText(m.matchedValue, MAX_HEADER_CHARS),
              action: m.action,
              status: m.status,
              found_at: foundAt,
            })),
          )
          // A message this indicator already found (an earlier run) is not recorded again. (A message deleted by retention
          // since the hunt read it fails the batch on its foreign key: the run records the error; the next hunt is clean.)
          .onConflict((oc) => oc.columns(['queue_id', 'indicator_type', 'indicator_sha256', 'matched_field']).doNothing())
          .returning(['queue_id', 'indicator_type', 'indicator_sha256', 'matched_field'])
          .execute();
        for (const r of inserted) {
          const match = byKey.get(`${r.queue_id}\u0000${r.indicator_type}\u0000${r.indicator_sha256}\u0000${r.matched_field}`);
          if (match !== undefined) added.push(match);
        }
      }
      return added;
    },

    async finish(runId, result) {
      let detail: string | null = null;
      if (result.detail !== undefined) {
        const json = JSON.stringify(result.detail);
        detail = json.length <= MAX_RUN_DETAIL_CHARS ? json : JSON.stringify({ truncated: true, bytes: json.length });
      }
      await db
        .updateTable('hunt_runs')
        .set({
          finished_at: result.at.toISOString(),
          matches: result.matches,
          messages: result.messages,
          elapsed_ms: Math.round(result.elapsedMs),
          detail,
          error: result.error === undefined ? null : boundText(result.error, MAX_DETAIL_CHARS),
        })
        .where('id', '=', runId)
        .execute();
    },

    async list(options = {}) {
      let query = db.selectFrom('hunt_runs').selectAll();
      if (options.beforeId !== undefined) query = query.where('id', '<', options.beforeId);
      const rows = await query.orderBy('id', 'desc').limit(clampLimit(options.limit)).execute();
      return rows.map(toRun);
    },

    async get(id) {
      const row = await db.selectFrom('hunt_runs').selectAll().where('id', '=', id).executeTakeFirst();
      return row === undefined ? undefined : toRun(row);
    },

    async matchesOfRun(runId, options = {}) {
      let query = db.selectFrom('hunt_matches').selectAll().where('run_id', '=', runId);
      if (options.organizationId !== undefined) query = query.where('organization_id', '=', options.organizationId);
      const rows = await query.orderBy('id').limit(clampLimit(options.limit, 1000, 10_000)).execute();
      return rows.map(toMatch);
    },

    async matchesOfMessage(queueId) {
      const rows = await db.selectFrom('hunt_matches').selectAll().where('queue_id', '=', queueId).orderBy('id').limit(1000).execute();
      return rows.map(toMatch);
    },
  };
}
