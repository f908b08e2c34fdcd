/**
 * Users of the admin UI and API (issue 7): credentials, role, organization,
 * second factor and lock-out state. Password hashing, TOTP and the lock-out
 * policy belong to `access/`; this store keeps their results, and makes the
 * failure counter atomic so that concurrent guesses are all counted.
 */
import { sql, type Kysely } from 'kysely';
import { MoatError } from '../core/index.js';
import { USER_ROLES } from './database.js';
import type { Database, UserRole } from './database.js';
import { clampLimit } from './limits.js';

/** Longest username: an e-mail address (RFC 5321 path limit). Longer names are refused, never cut, so two cannot collide. */
export const MAX_USERNAME_CHARS = 254;
/** A PHC string (`$argon2id$v=19$m=...$salt$hash`) is about 100 characters; anything near this is not a hash. */
const MAX_PASSWORD_HASH_CHARS = 1024;
/** A base32 TOTP secret is 32 characters for 160 bits; room for longer keys or an encrypted form. */
const MAX_TOTP_SECRET_CHARS = 512;

export interface User {
  readonly id: number;
  /** Lower-cased. */
  readonly username: string;
  readonly passwordHash: string;
  readonly role: UserRole;
  /** The organization an `org-admin` is confined to; null for the roles that span organizations. */
  readonly organizationId: number | null;
  readonly totpSecret: string | null;
  readonly totpEnabled: boolean;
  readonly disabled: boolean;
  readonly failedLogins: number;
  readonly lockedUntil?: string;
  readonly lastLoginAt?: string;
  readonly passwordChangedAt: string;
  readonly createdAt: string;
}

export interface UserCreate {
  readonly username: string;
  readonly passwordHash: string;
  readonly role: UserRole;
  readonly organizationId: number | null;
  readonly at: Date;
}

export interface UserUpdate {
  readonly role?: UserRole;
  readonly organizationId?: number | null;
  readonly passwordHash?: string;
  readonly passwordChangedAt?: Date;
  readonly disabled?: boolean;
  readonly totpSecret?: string | null;
  readonly totpEnabled?: boolean;
}

export interface UserListOptions {
  /** A number: that organization's users; null: users of no organization; absent: everyone. */
  readonly organizationId?: number | null;
  /** Default 50, at most 1000. */
  readonly limit?: number;
}

export interface UserCountOptions {
  readonly role?: UserRole;
  /** Count only users that are not disabled (e.g. "is this the last admin?"). */
  readonly enabledOnly?: boolean;
}

export interface UsersStore {
  /** Adds a user. Throws `USER_EXISTS` when the username (case-insensitively) is taken, `USER_INVALID` for a bad value. */
  create(user: UserCreate): Promise<User>;
  get(id: number): Promise<User | undefined>;
  /** Case-insensitive. */
  getByUsername(username: string): Promise<User | undefined>;
  /** By username. */
  list(options?: UserListOptions): Promise<User[]>;
  count(options?: UserCountOptions): Promise<number>;
  /** Changes the given fields; undefined when the user does not exist. Throws `USER_INVALID` for a bad value. */
  update(id: number, patch: UserUpdate): Promise<User | undefined>;
  /** Removes a user with their sessions and API tokens (cascade). False when missing. */
  delete(id: number): Promise<boolean>;
  /**
   * Counts a failed login in one statement (concurrent failures all count) and returns the new count.
   * A lock that has run out by `at` is cleared and the count restarts at 1. `lockUntil` sets the lock;
   * with `lockAfter` it is set only when the new count reaches `lockAfter`, decided in the same statement.
   * 0 when the user does not exist.
   */
  recordLoginFailure(id: number, at: Date, lockUntil: Date | undefined, lockAfter?: number): Promise<number>;
  /** Resets the failure count and lock, and records the login time. */
  recordLoginSuccess(id: number, at: Date): Promise<void>;
}

type UserRow = {
  id: number;
  username: string;
  password_hash: string;
  role: UserRole;
  organization_id: number | null;
  totp_secret: string | null;
  totp_enabled: number;
  disabled: number;
  failed_logins: number;
  locked_until: string | null;
  last_login_at: string | null;
  password_changed_at: string;
  created_at: string;
};

function toUser(r: UserRow): User {
  return {
    id: r.id,
    username: r.username,
    passwordHash: r.password_hash,
    role: r.role,
    organizationId: r.organization_id,
    totpSecret: r.totp_secret,
    // Number(): PostgreSQL and SQLite both return integers here, but a flag must never read as truthy text.
    totpEnabled: Number(r.totp_enabled) === 1,
    disabled: Number(r.disabled) === 1,
    failedLogins: Number(r.failed_logins),
    ...(r.locked_until !== null && { lockedUntil: r.locked_until }),
    ...(r.last_login_at !== null && { lastLoginAt: r.last_login_at }),
    passwordChangedAt: r.password_changed_at,
    createdAt: r.created_at,
  };
}

/** The stored form of a username; `USER_INVALID` when it is empty or too long to be one. */
function normalizeUsername(username: string): string {
  if (username.length === 0 || username.length > MAX_USERNAME_CHARS) {
    throw new MoatError('USER_INVALID', `username must be 1 to ${String(MAX_USERNAME_CHARS)} characters`);
  }
  return username.toLowerCase();
}

function checkRole(role: UserRole): UserRole {
  // Callers pass request data through `access/`; a wrong role must not reach the table as free text.
  if (!USER_ROLES.includes(role)) throw new MoatError('USER_INVALID', `unknown role ${JSON.stringify(String(role).slice(0, 64))}`);
  return role;
}

function checkLength(name: string, value: string, max: number): string {
  // Refused rather than cut: a truncated hash or secret would silently never verify.
  if (value.length > max) throw new MoatError('USER_INVALID', `${name} is longer than ${String(max)} characters`);
  return value;
}

function toIso(name: string, value: Date): string {
  if (Number.isNaN(value.getTime())) throw new MoatError('USER_INVALID', `${name} is not a valid date`);
  return value.toISOString();
}

/** Creates the users store over a migrated database. */
export function createUsersStore(db: Kysely<Database>): UsersStore {
  const get = async (id: number): Promise<User | undefined> => {
    const row = await db.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirst();
    return row === undefined ? undefined : toUser(row);
  };
  return {
    async create(user) {
      const username = normalizeUsername(user.username);
      const at = toIso('at', user.at);
      // ON CONFLICT DO NOTHING: a taken name reads the same on both dialects (no row back), with no
      // dialect-specific error codes to parse.
      const row = await db
        .insertInto('users')
        .values({
          username,
          password_hash: checkLength('password hash', user.passwordHash, MAX_PASSWORD_HASH_CHARS),
          role: checkRole(user.role),
          organization_id: user.organizationId,
          totp_secret: null,
          password_changed_at: at,
          created_at: at,
        })
        .onConflict((oc) => oc.column('username').doNothing())
        .returningAll()
        .executeTakeFirst();
      if (row === undefined) throw new MoatError('USER_EXISTS', `user ${JSON.stringify(username)} exists`);
      return toUser(row);
    },

    get,

    async getByUsername(username) {
      if (username.length === 0 || username.length > MAX_USERNAME_CHARS) return undefined;
      // Stored lower-cased by the same toLowerCase(): equality uses the unique index and folds alike on both dialects.
      const row = await db.selectFrom('users').selectAll().where('username', '=', username.toLowerCase()).executeTakeFirst();
      return row === undefined ? undefined : toUser(row);
    },

    async list(opts = {}) {
      let query = db.selectFrom('users').selectAll();
      if (opts.organizationId === null) query = query.where('organization_id', 'is', null);
      else if (opts.organizationId !== undefined) query = query.where('organization_id', '=', opts.organizationId);
      const rows = await query.orderBy('username').limit(clampLimit(opts.limit)).execute();
      return rows.map(toUser);
    },

    async count(opts = {}) {
      let query = db.selectFrom('users').select((eb) => eb.fn.countAll<number | string>().as('n'));
      if (opts.role !== undefined) query = query.where('role', '=', opts.role);
      if (opts.enabledOnly === true) query = query.where('disabled', '=', 0);
      const row = await query.executeTakeFirstOrThrow();
      return Number(row.n);
    },

    async update(id, patch) {
      const set: {
        role?: UserRole;
        organization_id?: number | null;
        password_hash?: string;
        password_changed_at?: string;
        disabled?: number;
        totp_secret?: string | null;
        totp_enabled?: number;
      } = {};
      if (patch.role !== undefined) set.role = checkRole(patch.role);
      if (patch.organizationId !== undefined) set.organization_id = patch.organizationId;
      if (patch.passwordHash !== undefined) set.password_hash = checkLength('password hash', patch.passwordHash, MAX_PASSWORD_HASH_CHARS);
      if (patch.passwordChangedAt !== undefined) set.password_changed_at = toIso('passwordChangedAt', patch.passwordChangedAt);
      if (patch.disabled !== undefined) set.disabled = patch.disabled ? 1 : 0;
      if (patch.totpSecret !== undefined) set.totp_secret = patch.totpSecret === null ? null : checkLength('TOTP secret', patch.totpSecret, MAX_TOTP_SECRET_CHARS);
      if (patch.totpEnabled !== undefined) set.totp_enabled = patch.totpEnabled ? 1 : 0;
      if (Object.keys(set).length === 0) return get(id);
      const row = await db.updateTable('users').set(set).where('id', '=', id).returningAll().executeTakeFirst();
      return row === undefined ? undefined : toUser(row);
    },

    async delete(id) {
      const result = await db.deleteFrom('users').where('id', '=', id).executeTakeFirst();
      return result.numDeletedRows > 0n;
    },

    async recordLoginFailure(id, at, lockUntil, lockAfter) {
      const now = toIso('at', at);
      // SET expressions see the row as it was before the statement, on both dialects: `expired` and
      // `count` are computed once from the old values, and the row lock (PostgreSQL) or the single
      // writer (SQLite) serialises concurrent failures so that each one counts.
      const expired = sql<boolean>`(locked_until is not null and locked_until <= ${now})`;
      const count = sql<number>`(case when ${expired} then 1 else failed_logins + 1 end)`;
      const keep = sql<string | null>`(case when ${expired} then null else locked_until end)`;
      let lock = keep;
      if (lockUntil !== undefined) {
        const until = toIso('lockUntil', lockUntil);
        lock =
          lockAfter === undefined
            ? sql<string | null>`${until}`
            : sql<string | null>`(case when ${count} >= ${Math.max(1, Math.floor(lockAfter))} then ${until} else ${keep} end)`;
      }
      const row = await db
        .updateTable('users')
        .set({ failed_logins: count, locked_until: lock })
        .where('id', '=', id)
        .returning('failed_logins')
        .executeTakeFirst();
      return row === undefined ? 0 : Number(row.failed_logins);
    },

    async recordLoginSuccess(id, at) {
      await db.updateTable('users').set({ failed_logins: 0, locked_until: null, last_login_at: toIso('at', at) }).where('id', '=', id).execute();
    },
  };
}
