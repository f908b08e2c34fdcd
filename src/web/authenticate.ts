/**
 * Who is calling: an API token (`Authorization: Bearer moat_...`), the
 * configured break-glass token (`http.adminToken`), or a login session (the
 * `moat_session` cookie, with a CSRF header on every state-changing
 * request). Secrets are compared as SHA-256 digests, in constant time; the
 * database holds only hashes of tokens and session ids.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import { createPrincipal, hashApiToken, hashSessionId, PERMISSIONS, safeEqual, type Permission, type Principal } from '../access/index.js';
import type { AccessPorts, SessionRecord } from './access-ports.js';

export const SESSION_COOKIE = 'moat_session';
export const CSRF_HEADER = 'x-csrf-token';

export interface SessionSettings {
  /** A session unused this long is over. */
  readonly idleMinutes: number;
  /** A session is over this long after login, however busy. */
  readonly maxHours: number;
}

/** Why a request has no principal, for the reply and the log (never more detail to the client). */
export type AuthFailure = 'missing' | 'invalid' | 'expired' | 'csrf';

export type Authentication = { readonly ok: true; readonly principal: Principal; readonly session?: SessionRecord } | { readonly ok: false; readonly failure: AuthFailure };

/** Methods that change state: a session needs the CSRF header for them (SameSite=Strict is the first line). */
const UNSAFE_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);
/** Last-used stamps are written at most this often per session or token: one write per request would be most of the API's database load. */
const TOUCH_INTERVAL_MS = 60_000;

const digest = (text: string): Buffer => createHash('sha256').update(text, 'utf8').digest();

export interface Authenticator {
  authenticate(request: FastifyRequest): Promise<Authentication>;
}

/** `ports` absent: no users exist here, and only the configured admin token signs in. */
export function createAuthenticator(options: { ports?: AccessPorts; sessions: SessionSettings; adminToken?: string; now?: () => Date }): Authenticator {
  const { ports } = options;
  const now = options.now ?? (() => new Date());
  const adminDigest = options.adminToken === undefined ? undefined : digest(options.adminToken);

  // The configured token is an installation administrator without a user row: for automation and break-glass.
  const adminTokenPrincipal = createPrincipal({ kind: 'token', userId: 0, username: 'config:http.adminToken', role: 'admin', organizationId: null });

  async function fromBearer(presented: string): Promise<Authentication> {
    if (adminDigest !== undefined && timingSafeEqual(digest(presented), adminDigest)) return { ok: true, principal: adminTokenPrincipal };
    const hash = hashApiToken(presented);
    if (hash === undefined || ports === undefined) return { ok: false, failure: 'invalid' };
    const token = await ports.tokens.getByHash(hash);
    if (token === undefined || (token.revokedAt ?? null) !== null) return { ok: false, failure: 'invalid' };
    const at = now();
    if (token.expiresAt != null && Date.parse(token.expiresAt) <= at.getTime()) return { ok: false, failure: 'expired' };
    const user = await ports.users.get(token.userId);
    if (user === undefined || user.disabled) return { ok: false, failure: 'invalid' };
    if (token.lastUsedAt == null || at.getTime() - Date.parse(token.lastUsedAt) > TOUCH_INTERVAL_MS) await ports.tokens.touch(token.id, at);
    // Trust boundary: scopes were checked against PERMISSIONS when the token was made; unknown ones are dropped.
    const scopes = token.scopes == null ? undefined : token.scopes.filter((s): s is Permission => (PERMISSIONS as readonly string[]).includes(s));
    return {
      ok: true,
      principal: createPrincipal({ kind: 'token', userId: user.id, username: user.username, role: user.role, organizationId: user.organizationId, ...(scopes === undefined ? {} : { scopes }) }),
    };
  }

  async function fromSession(request: FastifyRequest, cookie: string): Promise<Authentication> {
    const idHash = hashSessionId(cookie);
    if (idHash === undefined || ports === undefined) return { ok: false, failure: 'invalid' };
    const session = await ports.sessions.get(idHash);
    if (session === undefined) return { ok: false, failure: 'invalid' };
    const at = now();
    const idleEnd = Date.parse(session.lastSeenAt) + options.sessions.idleMinutes * 60_000;
    if (Date.parse(session.expiresAt) <= at.getTime() || idleEnd <= at.getTime()) {
      await ports.sessions.delete(idHash);
      return { ok: false, failure: 'expired' };
    }
    const user = await ports.users.get(session.userId);
    if (user === undefined || user.disabled) return { ok: false, failure: 'invalid' };
    if (UNSAFE_METHODS.has(request.method)) {
      const header = request.headers[CSRF_HEADER];
      if (typeof header !== 'string' || !safeEqual(header, session.csrfToken)) return { ok: false, failure: 'csrf' };
    }
    if (at.getTime() - Date.parse(session.lastSeenAt) > TOUCH_INTERVAL_MS) await ports.sessions.touch(idHash, at);
    return { ok: true, session, principal: createPrincipal({ kind: 'session', userId: user.id, username: user.username, role: user.role, organizationId: user.organizationId }) };
  }

  return {
    async authenticate(request) {
      const header = request.headers.authorization;
      if (header !== undefined) {
        const match = /^Bearer ([\x21-\x7e]{1,512})$/.exec(header);
        return match?.[1] === undefined ? { ok: false, failure: 'invalid' } : fromBearer(match[1]);
      }
      const cookie = request.cookies[SESSION_COOKIE];
      if (cookie === undefined || cookie === '') return { ok: false, failure: 'missing' };
      return fromSession(request, cookie);
    },
  };
}
