/**
 * Login sessions of the admin UI (issue 7). A row is keyed by the SHA-256
 * (hex) of the cookie value; the value itself exists only in the browser,
 * so reading the database opens no session. The CSRF token is per session.
 * Sessions go with their user (cascade), and `deleteForUser` ends them all
 * at once (password change, user disabled).
 */
import type { Kysely } from 'kysely';
import { MoatError } from '../core/index.js';
import type { Database } from './database.js';
import { boundOptional } from './limits.js';

/** An IPv6 address with a zone id is under 64 characters. */
const MAX_IP_CHARS = 64;
/** User-Agent is client-chosen; 512 characters identify any real browser, the rest is padding or an attack. */
export const MAX_USER_AGENT_CHARS = 512;
/** A SHA-256 in hex is 64 characters; a CSRF token is a few dozen. Longer values are refused, not cut. */
const MAX_KEY_CHARS = 256;

export interface Session {
  /** SHA-256 (hex) of the cookie value. */
  readonly idHash: string;
  readonly userId: number;
  readonly csrfToken: string;
  readonly createdAt: string;
  readonly lastSeenAt: string;
  readonly expiresAt: string;
  readonly ip?: string;
  readonly userAgent?: string;
}

export interface SessionCreate {
  readonly idHash: string;
  readonly userId: number;
  readonly csrfToken: string;
  readonly at: Date;
  readonly expiresAt: Date;
  readonly ip?: string;
  readonly userAgent?: string;
}

export interface SessionsStore {
  /** Stores a new session. */
  create(session: SessionCreate): Promise<Session>;
  /**
   * The session with this hash. With `at`, a session that has expired by then reads as undefined;
   * without it, expired sessions are returned until `purgeExpired` removes them.
   */
  get(idHash: string, at?: Date): Promise<Session | undefined>;
  /** Records activity and, with `expiresAt`, slides the expiry. False when the session is gone. */
  touch(idHash: string, at: Date, expiresAt?: Date): Promise<boolean>;
  /** Ends one session (logout). False when it did not exist. */
  delete(idHash: string): Promise<boolean>;
  /** Ends every session of a user; returns how many. */
  deleteForUser(userId: number): Promise<number>;
  /** Removes sessions whose expiry is at or before `at`; returns how many. */
  purgeExpired(at: Date): Promise<number>;
}

type SessionRow = {
  id_hash: string;
  user_id: number;
  csrf_token: string;
  created_at: string;
  last_seen_at: string;
  expires_at: string;
  ip: string | null;
  user_agent: string | null;
};

function toSession(r: SessionRow): Session {
  return {
    idHash: r.id_hash,
    userId: r.user_id,
    csrfToken: r.csrf_token,
    createdAt: r.created_at,
    lastSeenAt: r.last_seen_at,
    expiresAt: r.expires_at,
    ...(r.ip !== null && { ip: r.ip }),
    ...(r.user_agent !== null && { userAgent: r.user_agent }),
  };
}

function toIso(name: string, value: Date): string {
  if (Number.isNaN(value.getTime())) throw new MoatError('STORAGE_INVALID_QUERY', `session ${name} is not a valid date`);
  return value.toISOString();
}

function checkKey(name: string, value: string): string {
  if (value.length === 0 || value.length > MAX_KEY_CHARS) throw new MoatError('STORAGE_INVALID_QUERY', `session ${name} must be 1 to ${String(MAX_KEY_CHARS)} characters`);
  return value;
}

/** Creates the sessions store over a migrated database. */
export function createSessionsStore(db: Kysely<Database>): SessionsStore {
  return {
    async create(session) {
      const at = toIso('at', session.at);
      const row = {
        id_hash: checkKey('id hash', session.idHash),
        user_id: session.userId,
        csrf_token: checkKey('CSRF token', session.csrfToken),
        created_at: at,
        last_seen_at: at,
        expires_at: toIso('expiresAt', session.expiresAt),
        ip: boundOptional(session.ip, MAX_IP_CHARS),
        user_agent: boundOptional(session.userAgent, MAX_USER_AGENT_CHARS),
      };
      await db.insertInto('sessions').values(row).execute();
      return toSession(row);
    },

    async get(idHash, at) {
      if (idHash.length === 0 || idHash.length > MAX_KEY_CHARS) return undefined;
      let query = db.selectFrom('sessions').selectAll().where('id_hash', '=', idHash);
      if (at !== undefined) query = query.where('expires_at', '>', toIso('at', at));
      const row = await query.executeTakeFirst();
      return row === undefined ? undefined : toSession(row);
    },

    async touch(idHash, at, expiresAt) {
      const result = await db
        .updateTable('sessions')
        .set({ last_seen_at: toIso('at', at), ...(expiresAt !== undefined && { expires_at: toIso('expiresAt', expiresAt) }) })
        .where('id_hash', '=', idHash)
        .executeTakeFirst();
      return result.numUpdatedRows > 0n;
    },

    async delete(idHash) {
      const result = await db.deleteFrom('sessions').where('id_hash', '=', idHash).executeTakeFirst();
      return result.numDeletedRows > 0n;
    },

    async deleteForUser(userId) {
      const result = await db.deleteFrom('sessions').where('user_id', '=', userId).executeTakeFirst();
      return Number(result.numDeletedRows);
    },

    async purgeExpired(at) {
      const result = await db.deleteFrom('sessions').where('expires_at', '<=', toIso('at', at)).executeTakeFirst();
      return Number(result.numDeletedRows);
    },
  };
}
