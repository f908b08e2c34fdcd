/**
 * Signing in and out, and what a signed-in user does for themself: who am I,
 * change my password, set up or remove two-factor (TOTP). Sessions live in
 * an HttpOnly, SameSite=Strict cookie (Secure over HTTPS); the database keeps
 * only the hash of its id. Failed logins lock the account for a while, and
 * each client address is limited in how often it may try.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import {
  generateCsrfToken,
  generateSessionId,
  generateTotpSecret,
  hashPassword,
  hashSessionId,
  passwordProblem,
  totpUri,
  verifyPassword,
  verifyPasswordOrDummy,
  verifyTotp,
} from '../../access/index.js';
import type { AccessPorts, UserRecord } from '../access-ports.js';
import { HttpError, type ApiRoute } from '../api-route.js';
import { SESSION_COOKIE, type SessionSettings } from '../authenticate.js';

/** `always`: behind a TLS-terminating proxy; `auto`: when the request came over HTTPS. */
export type SecureCookies = 'auto' | 'always';

export interface LoginSettings {
  /** Failed passwords in a row before the account locks. */
  readonly maxFailures: number;
  readonly lockMinutes: number;
  /** Login attempts one client address may make per minute (per node). */
  readonly perAddressPerMinute: number;
}

export interface SessionRouteOptions {
  readonly ports: AccessPorts;
  readonly sessions: SessionSettings;
  readonly login: LoginSettings;
  /** Shown in authenticator apps next to the account name. */
  readonly issuer: string;
  readonly secureCookies?: SecureCookies;
  readonly now?: () => Date;
}

/** The user as the API shows it: never a hash or a secret. */
export function publicUser(user: UserRecord): Record<string, unknown> {
  return {
    id: user.id,
    username: user.username,
    role: user.role,
    organizationId: user.organizationId,
    totpEnabled: user.totpEnabled,
    disabled: user.disabled,
    ...(user.lastLoginAt === undefined ? {} : { lastLoginAt: user.lastLoginAt }),
    createdAt: user.createdAt,
  };
}

/** A stored secret that no longer decodes fails the check rather than the request. */
function checkTotp(secret: string | null, code: string, atMs: number): { ok: true; step: number } | { ok: false } {
  if (secret === null) return { ok: false };
  try {
    return verifyTotp(secret, code, atMs);
  } catch {
    return { ok: false };
  }
}

const credentials = {
  type: 'object',
  additionalProperties: false,
  required: ['username', 'password'],
  properties: {
    username: { type: 'string', minLength: 1, maxLength: 128 },
    password: { type: 'string', minLength: 1, maxLength: 256 },
    totp: { type: 'string', pattern: '^[0-9]{6}$' },
  },
} as const;

/** Remembered client addresses at most, so a scan from many addresses cannot grow the map without bound. */
const MAX_TRACKED_ADDRESSES = 10_000;

function createAddressLimiter(perMinute: number, now: () => number): (address: string) => boolean {
  const windows = new Map<string, { start: number; count: number }>();
  return (address) => {
    const at = now();
    const current = windows.get(address);
    if (current === undefined || at - current.start >= 60_000) {
      if (windows.size >= MAX_TRACKED_ADDRESSES) {
        for (const [key, value] of windows) if (at - value.start >= 60_000) windows.delete(key);
        if (windows.size >= MAX_TRACKED_ADDRESSES) windows.delete(windows.keys().next().value as string);
      }
      windows.set(address, { start: at, count: 1 });
      return true;
    }
    current.count += 1;
    return current.count <= perMinute;
  };
}

function setSessionCookie(request: FastifyRequest, reply: FastifyReply, id: string, maxAgeSeconds: number, secure: SecureCookies): void {
  void reply.setCookie(SESSION_COOKIE, id, { httpOnly: true, sameSite: 'strict', secure: secure === 'always' || request.protocol === 'https', path: '/', maxAge: maxAgeSeconds });
}

export function sessionRoutes(options: SessionRouteOptions): ApiRoute[] {
  const { ports } = options;
  const now = options.now ?? (() => new Date());
  const allowAddress = createAddressLimiter(options.login.perAddressPerMinute, () => now().getTime());
  // The last TOTP step each user signed in with: a code seen once is not accepted again (RFC 6238 5.2).
  const lastTotpStep = new Map<number, number>();

  const currentUser = async (userId: number): Promise<UserRecord> => {
    const user = await ports.users.get(userId);
    if (user === undefined) throw new HttpError(401, 'sign in first');
    return user;
  };

  return [
    {
      method: 'POST',
      url: '/api/v1/session',
      auth: 'none',
      authReason: 'this is how a user signs in; limited per client address and locked per account after repeated failures',
      audit: 'session.login',
      summary: 'Sign in; sets the session cookie and returns the CSRF token',
      tags: ['session'],
      schema: { body: credentials },
      async handler({ request, reply, auditAs }) {
        const body = request.body as { username: string; password: string; totp?: string };
        const username = body.username.trim().toLowerCase();
        auditAs({ actor: username });
        if (!allowAddress(request.ip)) throw new HttpError(429, 'too many attempts; wait a minute');
        const user = await ports.users.getByUsername(username);
        const at = now();
        const passwordOk = await verifyPasswordOrDummy(user?.passwordHash, body.password);
        // One answer for every failure: which part was wrong is not for the caller to learn.
        const refuse = (reason: string): never => {
          auditAs({ detail: { reason } });
          throw new HttpError(401, 'wrong username, password or code, or the account is locked');
        };
        if (user === undefined) return refuse('unknown user');
        if (user.disabled) return refuse('disabled');
        if (user.lockedUntil !== undefined && Date.parse(user.lockedUntil) > at.getTime()) return refuse('locked');
        // The count and the lock are one statement in the store: parallel guesses cannot slip past the limit.
        const lockUntil = new Date(at.getTime() + options.login.lockMinutes * 60_000);
        if (!passwordOk) {
          const failures = await ports.users.recordLoginFailure(user.id, at, lockUntil, options.login.maxFailures);
          return refuse(failures >= options.login.maxFailures ? 'wrong password; account locked' : 'wrong password');
        }
        if (user.totpEnabled) {
          if (body.totp === undefined) {
            auditAs({ detail: { reason: 'code required' } });
            return reply.code(401).send({ status: 'error', statusCode: 401, message: 'two-factor code required', totpRequired: true });
          }
          const check = checkTotp(user.totpSecret, body.totp, at.getTime());
          if (!check.ok || check.step <= (lastTotpStep.get(user.id) ?? -1)) {
            await ports.users.recordLoginFailure(user.id, at, lockUntil, options.login.maxFailures);
            return refuse('wrong or reused code');
          }
          lastTotpStep.set(user.id, check.step);
        }
        await ports.users.recordLoginSuccess(user.id, at);
        const { id, hash } = generateSessionId();
        const csrfToken = generateCsrfToken();
        const expiresAt = new Date(at.getTime() + options.sessions.maxHours * 3_600_000);
        await ports.sessions.create({ idHash: hash, userId: user.id, csrfToken, at, expiresAt, ip: request.ip, userAgent: String(request.headers['user-agent'] ?? '').slice(0, 200) });
        setSessionCookie(request, reply, id, options.sessions.maxHours * 3600, options.secureCookies ?? 'auto');
        auditAs({ organizationId: user.organizationId });
        return { user: publicUser(user), csrfToken, expiresAt: expiresAt.toISOString() };
      },
    },
    {
      method: 'GET',
      url: '/api/v1/session',
      auth: 'authenticated',
      summary: 'Who is signed in, with the CSRF token for state-changing requests',
      tags: ['session'],
      async handler({ request, principal }) {
        if (principal === undefined) throw new HttpError(401, 'sign in first');
        const cookie = request.cookies[SESSION_COOKIE];
        const session = principal.kind === 'session' && cookie !== undefined ? await ports.sessions.get(hashSessionId(cookie) ?? '') : undefined;
        const user = principal.userId === 0 ? undefined : await currentUser(principal.userId);
        return {
          user: user === undefined ? { username: principal.username, role: principal.role, organizationId: null } : publicUser(user),
          permissions: [...principal.permissions].sort(),
          ...(session === undefined ? {} : { csrfToken: session.csrfToken, expiresAt: session.expiresAt }),
        };
      },
    },
    {
      method: 'DELETE',
      url: '/api/v1/session',
      auth: 'authenticated',
      audit: 'session.logout',
      summary: 'Sign out: the session ends on the server and the cookie is cleared',
      tags: ['session'],
      async handler({ request, reply }) {
        const idHash = hashSessionId(request.cookies[SESSION_COOKIE] ?? '');
        if (idHash !== undefined) await ports.sessions.delete(idHash);
        void reply.clearCookie(SESSION_COOKIE, { path: '/' });
        return { status: 'ok' };
      },
    },
    {
      method: 'POST',
      url: '/api/v1/session/password',
      auth: 'authenticated',
      audit: 'user.password.change',
      summary: 'Change my password (ends my other sessions)',
      tags: ['session'],
      schema: {
        body: {
          type: 'object',
          additionalProperties: false,
          required: ['currentPassword', 'newPassword'],
          properties: { currentPassword: { type: 'string', maxLength: 256 }, newPassword: { type: 'string', maxLength: 256 } },
        },
      },
      async handler({ request, reply, principal, auditAs }) {
        if (principal === undefined || principal.userId === 0) throw new HttpError(403, 'only a user has a password');
        const body = request.body as { currentPassword: string; newPassword: string };
        const user = await currentUser(principal.userId);
        auditAs({ target: `user:${user.id}`, organizationId: user.organizationId });
        if (!(await verifyPassword(user.passwordHash, body.currentPassword))) throw new HttpError(403, 'the current password is wrong');
        const problem = passwordProblem(body.newPassword, user.username);
        if (problem !== undefined) throw new HttpError(400, problem);
        const at = now();
        await ports.users.update(user.id, { passwordHash: await hashPassword(body.newPassword), passwordChangedAt: at });
        // Every session of the user ends, this one included: the new password starts a new one.
        await ports.sessions.deleteForUser(user.id);
        void reply.clearCookie(SESSION_COOKIE, { path: '/' });
        return { status: 'ok' };
      },
    },
    {
      method: 'POST',
      url: '/api/v1/session/totp',
      auth: 'authenticated',
      audit: 'user.totp.begin',
      summary: 'Start two-factor set-up: returns a new secret to enter in an authenticator app',
      tags: ['session'],
      async handler({ principal, auditAs }) {
        if (principal === undefined || principal.kind !== 'session') throw new HttpError(403, 'two-factor is set up from a signed-in session');
        const user = await currentUser(principal.userId);
        auditAs({ target: `user:${user.id}`, organizationId: user.organizationId });
        if (user.totpEnabled) throw new HttpError(409, 'two-factor is already on; remove it first');
        const secret = generateTotpSecret();
        await ports.users.update(user.id, { totpSecret: secret, totpEnabled: false });
        return { secret, uri: totpUri({ secret, account: user.username, issuer: options.issuer }) };
      },
    },
    {
      method: 'POST',
      url: '/api/v1/session/totp/confirm',
      auth: 'authenticated',
      audit: 'user.totp.enable',
      summary: 'Finish two-factor set-up with a code from the app',
      tags: ['session'],
      schema: { body: { type: 'object', additionalProperties: false, required: ['code'], properties: { code: { type: 'string', pattern: '^[0-9]{6}$' } } } },
      async handler({ request, principal, auditAs }) {
        if (principal === undefined || principal.kind !== 'session') throw new HttpError(403, 'two-factor is set up from a signed-in session');
        const user = await currentUser(principal.userId);
        auditAs({ target: `user:${user.id}`, organizationId: user.organizationId });
        const check = checkTotp(user.totpSecret, (request.body as { code: string }).code, now().getTime());
        if (user.totpEnabled || !check.ok) throw new HttpError(400, 'wrong code, or no set-up in progress');
        lastTotpStep.set(user.id, check.step);
        await ports.users.update(user.id, { totpEnabled: true });
        return { status: 'ok' };
      },
    },
    {
      method: 'DELETE',
      url: '/api/v1/session/totp',
      auth: 'authenticated',
      audit: 'user.totp.disable',
      summary: 'Turn two-factor off (needs the password)',
      tags: ['session'],
      schema: { body: { type: 'object', additionalProperties: false, required: ['password'], properties: { password: { type: 'string', maxLength: 256 } } } },
      async handler({ request, principal, auditAs }) {
        if (principal === undefined || principal.kind !== 'session') throw new HttpError(403, 'two-factor is changed from a signed-in session');
        const user = await currentUser(principal.userId);
        auditAs({ target: `user:${user.id}`, organizationId: user.organizationId });
        if (!(await verifyPassword(user.passwordHash, (request.body as { password: string }).password))) throw new HttpError(403, 'the password is wrong');
        await ports.users.update(user.id, { totpSecret: null, totpEnabled: false });
        return { status: 'ok' };
      },
    },
  ];
}
