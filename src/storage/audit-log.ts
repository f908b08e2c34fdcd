/**
 * The audit log (issue 7): who did what, when, from where, and how it ended,
 * for every state-changing action in the admin UI, the API and the CLI.
 * Append-only: this module inserts and reads, and offers no way to change an
 * entry. `purgeBefore` exists for retention only (which entries age out is a
 * later, operator-configured decision, not a per-entry edit).
 */
import type { Kysely } from 'kysely';
import { MoatError } from '../core/index.js';
import type { AuditActorKind, AuditOutcome, Database } from './database.js';
import { MAX_DETAIL_CHARS, MAX_HEADER_CHARS, boundOptional, boundText, clampLimit } from './limits.js';

/** A username, `cli` or `system`. */
const MAX_ACTOR_CHARS = 256;
/** `<resource>.<verb>`: short by construction. */
const MAX_ACTION_CHARS = 100;
/** An IPv6 address with a zone id is under 64 characters. */
const MAX_IP_CHARS = 64;

export interface AuditEntry {
  readonly id: number;
  readonly at: string;
  readonly actor: string;
  readonly actorKind: AuditActorKind;
  readonly action: string;
  readonly target?: string;
  readonly organizationId?: number;
  readonly ip?: string;
  readonly outcome: AuditOutcome;
  /** As appended (parsed JSON); `{ truncated: true, json }` when it was too long to keep whole. */
  readonly detail?: unknown;
}

export interface AuditAppend {
  readonly at: Date;
  readonly actor: string;
  readonly actorKind: AuditActorKind;
  readonly action: string;
  readonly target?: string;
  readonly organizationId?: number | null;
  readonly ip?: string;
  readonly outcome: AuditOutcome;
  /** Any JSON-serialisable value; never secrets (passwords, tokens, cookies). */
  readonly detail?: unknown;
}

export interface AuditListOptions {
  /** Entries at or after this time. */
  readonly from?: Date;
  /** Entries before this time. */
  readonly to?: Date;
  /** Exact actor. */
  readonly actor?: string;
  /** Exact action. */
  readonly action?: string;
  readonly organizationId?: number;
  /** Default 50, at most 1000. */
  readonly limit?: number;
  /** Keyset pagination: entries with a smaller id than this (the last id of the previous page). */
  readonly beforeId?: number;
}

export interface AuditLog {
  /** Appends one entry and returns its id. Text is bounded; a detail too long to keep whole is kept cut, as valid JSON. */
  append(entry: AuditAppend): Promise<number>;
  /** Newest first (by id). Throws `STORAGE_INVALID_QUERY` for an invalid date. */
  list(options?: AuditListOptions): Promise<AuditEntry[]>;
  /** Retention: removes entries older than `at`; returns how many. */
  purgeBefore(at: Date): Promise<number>;
}

type AuditRow = {
  id: number;
  at: string;
  actor: string;
  actor_kind: AuditActorKind;
  action: string;
  target: string | null;
  organization_id: number | null;
  ip: string | null;
  outcome: AuditOutcome;
  detail: string | null;
};

function toEntry(r: AuditRow): AuditEntry {
  return {
    id: r.id,
    at: r.at,
    actor: r.actor,
    actorKind: r.actor_kind,
    action: r.action,
    ...(r.target !== null && { target: r.target }),
    ...(r.organization_id !== null && { organizationId: r.organization_id }),
    ...(r.ip !== null && { ip: r.ip }),
    outcome: r.outcome,
    // Trust boundary: written by `append` as JSON.stringify output (or its cut wrapper).
    ...(r.detail !== null && { detail: JSON.parse(r.detail) as unknown }),
  };
}

/** The detail as bounded JSON text: an oversized one is kept as a cut string inside a marker object, still valid JSON. */
function encodeDetail(detail: unknown): string | null {
  if (detail === undefined) return null;
  let text: string | undefined;
  try {
    text = JSON.stringify(detail);
  } catch (error) {
    // A cyclic object or a BigInt must not cost the entry itself: the action still gets recorded.
    text = JSON.stringify({ unserialisable: error instanceof Error ? error.message : String(error) });
  }
  // JSON.stringify returns undefined for a function or a symbol.
  if (text === undefined) return null;
  if (text.length <= MAX_DETAIL_CHARS) return text;
  return JSON.stringify({ truncated: true, json: boundText(text, MAX_DETAIL_CHARS - 64) });
}

function toIso(name: string, value: Date): string {
  if (Number.isNaN(value.getTime())) throw new MoatError('STORAGE_INVALID_QUERY', `audit ${name} is not a valid date`);
  return value.toISOString();
}

/** Creates the audit log over a migrated database. */
export function createAuditLog(db: Kysely<Database>): AuditLog {
  return {
    async append(entry) {
      const row = await db
        .insertInto('audit_log')
        .values({
          at: toIso('at', entry.at),
          actor: boundText(entry.actor, MAX_ACTOR_CHARS),
          actor_kind: entry.actorKind,
          action: boundText(entry.action, MAX_ACTION_CHARS),
          target: boundOptional(entry.target, MAX_HEADER_CHARS),
          organization_id: entry.organizationId ?? null,
          ip: boundOptional(entry.ip, MAX_IP_CHARS),
          outcome: entry.outcome,
          detail: encodeDetail(entry.detail),
        })
        .returning('id')
        .executeTakeFirstOrThrow();
      return row.id;
    },

    async list(opts = {}) {
      let query = db.selectFrom('audit_log').selectAll();
      if (opts.from !== undefined) query = query.where('at', '>=', toIso('from', opts.from));
      if (opts.to !== undefined) query = query.where('at', '<', toIso('to', opts.to));
      if (opts.actor !== undefined) query = query.where('actor', '=', opts.actor);
      if (opts.action !== undefined) query = query.where('action', '=', opts.action);
      if (opts.organizationId !== undefined) query = query.where('organization_id', '=', opts.organizationId);
      if (opts.beforeId !== undefined) query = query.where('id', '<', opts.beforeId);
      const rows = await query.orderBy('id', 'desc').limit(clampLimit(opts.limit)).execute();
      return rows.map(toEntry);
    },

    async purgeBefore(at) {
      const result = await db.deleteFrom('audit_log').where('at', '<', toIso('at', at)).executeTakeFirst();
      return Number(result.numDeletedRows);
    },
  };
}
