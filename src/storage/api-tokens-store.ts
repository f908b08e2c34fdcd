/**
 * API tokens for automation (issue 7). Only the token's hash is stored, with
 * a short prefix so that an operator can tell tokens apart in a list; the
 * token itself is shown once, when `access/` makes it. Scopes narrow what a
 * token may do below its user's role. Tokens go with their user (cascade);
 * a revoked token stays listed, with the time it was revoked.
 */
import type { Kysely } from 'kysely';
import { MoatError } from '../core/index.js';
import type { Database } from './database.js';
import { boundText, clampLimit } from './limits.js';

/** A token's label, chosen by its owner. */
const MAX_NAME_CHARS = 200;
/** Enough for any displayed prefix (`moat_ab12cd`). */
const MAX_PREFIX_CHARS = 32;
/** A hash in hex or base64 is well under this; longer values are refused, not cut (a cut hash never matches). */
const MAX_HASH_CHARS = 256;
/** Permission strings are short (`quarantine:release`), and there are a few dozen of them. */
const MAX_SCOPES = 64;
const MAX_SCOPE_CHARS = 100;

/** A token as listed: everything but its hash. */
export interface ApiTokenSummary {
  readonly id: number;
  readonly userId: number;
  readonly name: string;
  readonly prefix: string;
  /** Permission strings; absent: the user's role. */
  readonly scopes?: readonly string[];
  readonly createdAt: string;
  readonly expiresAt?: string;
  readonly revokedAt?: string;
  readonly lastUsedAt?: string;
}

/** A token with its hash: for authentication, never for a response. */
export interface ApiToken extends ApiTokenSummary {
  readonly tokenHash: string;
}

export interface ApiTokenCreate {
  readonly userId: number;
  readonly name: string;
  readonly tokenHash: string;
  readonly prefix: string;
  readonly scopes?: readonly string[];
  readonly at: Date;
  readonly expiresAt?: Date;
}

export interface ApiTokenListOptions {
  readonly userId?: number;
  /** Default 50, at most 1000. */
  readonly limit?: number;
}

export interface ApiTokensStore {
  /** Stores a new token. Throws `API_TOKEN_INVALID` for too many or too long scopes or an oversized hash. */
  create(token: ApiTokenCreate): Promise<ApiToken>;
  /**
   * The token with this hash. With `at`, a token revoked or expired by then reads as undefined;
   * without it, the caller checks `revokedAt` and `expiresAt`.
   */
  getByHash(tokenHash: string, at?: Date): Promise<ApiToken | undefined>;
  get(id: number): Promise<ApiTokenSummary | undefined>;
  /** Newest first, revoked ones included, without hashes. */
  list(options?: ApiTokenListOptions): Promise<ApiTokenSummary[]>;
  /** False when the token is missing or already revoked (the first revocation time is kept). */
  revoke(id: number, at: Date): Promise<boolean>;
  /** Revokes every live token of a user (user disabled or deleted); returns how many. */
  revokeForUser(userId: number, at: Date): Promise<number>;
  /** Records use. */
  touch(id: number, at: Date): Promise<void>;
}

type ApiTokenRow = {
  id: number;
  user_id: number;
  name: string;
  token_hash: string;
  prefix: string;
  scopes: string | null;
  created_at: string;
  expires_at: string | null;
  revoked_at: string | null;
  last_used_at: string | null;
};

function parseScopes(text: string): string[] {
  // Trust boundary: written by `create` from checked strings; anything else reads as no permission at all.
  const parsed: unknown = JSON.parse(text);
  return Array.isArray(parsed) ? parsed.filter((s): s is string => typeof s === 'string') : [];
}

function toSummary(r: Omit<ApiTokenRow, 'token_hash'>): ApiTokenSummary {
  return {
    id: r.id,
    userId: r.user_id,
    name: r.name,
    prefix: r.prefix,
    ...(r.scopes !== null && { scopes: parseScopes(r.scopes) }),
    createdAt: r.created_at,
    ...(r.expires_at !== null && { expiresAt: r.expires_at }),
    ...(r.revoked_at !== null && { revokedAt: r.revoked_at }),
    ...(r.last_used_at !== null && { lastUsedAt: r.last_used_at }),
  };
}

function toToken(r: ApiTokenRow): ApiToken {
  return { ...toSummary(r), tokenHash: r.token_hash };
}

function toIso(name: string, value: Date): string {
  if (Number.isNaN(value.getTime())) throw new MoatError('API_TOKEN_INVALID', `token ${name} is not a valid date`);
  return value.toISOString();
}

function encodeScopes(scopes: readonly string[] | undefined): string | null {
  if (scopes === undefined) return null;
  // Refused rather than cut: a scope list cut short would silently grant less, or a cut name match another.
  if (scopes.length > MAX_SCOPES) throw new MoatError('API_TOKEN_INVALID', `a token has at most ${String(MAX_SCOPES)} scopes`);
  for (const scope of scopes) {
    if (scope.length === 0 || scope.length > MAX_SCOPE_CHARS) throw new MoatError('API_TOKEN_INVALID', `a scope must be 1 to ${String(MAX_SCOPE_CHARS)} characters`);
  }
  return JSON.stringify([...new Set(scopes)]);
}

/** Creates the API token store over a migrated database. */
export function createApiTokensStore(db: Kysely<Database>): ApiTokensStore {
  const summaryColumns = ['id', 'user_id', 'name', 'prefix', 'scopes', 'created_at', 'expires_at', 'revoked_at', 'last_used_at'] as const;
  return {
    async create(token) {
      if (token.tokenHash.length === 0 || token.tokenHash.length > MAX_HASH_CHARS) throw new MoatError('API_TOKEN_INVALID', `token hash must be 1 to ${String(MAX_HASH_CHARS)} characters`);
      const row = await db
        .insertInto('api_tokens')
        .values({
          user_id: token.userId,
          name: boundText(token.name, MAX_NAME_CHARS),
          token_hash: token.tokenHash,
          prefix: boundText(token.prefix, MAX_PREFIX_CHARS),
          scopes: encodeScopes(token.scopes),
          created_at: toIso('at', token.at),
          expires_at: token.expiresAt === undefined ? null : toIso('expiresAt', token.expiresAt),
          revoked_at: null,
          last_used_at: null,
        })
        .returningAll()
        .executeTakeFirstOrThrow();
      return toToken(row);
    },

    async getByHash(tokenHash, at) {
      if (tokenHash.length === 0 || tokenHash.length > MAX_HASH_CHARS) return undefined;
      let query = db.selectFrom('api_tokens').selectAll().where('token_hash', '=', tokenHash);
      if (at !== undefined) {
        const now = toIso('at', at);
        query = query.where('revoked_at', 'is', null).where((eb) => eb.or([eb('expires_at', 'is', null), eb('expires_at', '>', now)]));
      }
      const row = await query.executeTakeFirst();
      return row === undefined ? undefined : toToken(row);
    },

    async get(id) {
      const row = await db.selectFrom('api_tokens').select(summaryColumns).where('id', '=', id).executeTakeFirst();
      return row === undefined ? undefined : toSummary(row);
    },

    async list(opts = {}) {
      let query = db.selectFrom('api_tokens').select(summaryColumns);
      if (opts.userId !== undefined) query = query.where('user_id', '=', opts.userId);
      const rows = await query.orderBy('id', 'desc').limit(clampLimit(opts.limit)).execute();
      return rows.map(toSummary);
    },

    async revoke(id, at) {
      const result = await db.updateTable('api_tokens').set({ revoked_at: toIso('at', at) }).where('id', '=', id).where('revoked_at', 'is', null).executeTakeFirst();
      return result.numUpdatedRows > 0n;
    },

    async revokeForUser(userId, at) {
      const result = await db.updateTable('api_tokens').set({ revoked_at: toIso('at', at) }).where('user_id', '=', userId).where('revoked_at', 'is', null).executeTakeFirst();
      return Number(result.numUpdatedRows);
    },

    async touch(id, at) {
      await db.updateTable('api_tokens').set({ last_used_at: toIso('at', at) }).where('id', '=', id).execute();
    },
  };
}
