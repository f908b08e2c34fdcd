/**
 * The admin API's access control over a real database (SQLite) through
 * Fastify's inject: every route refuses an anonymous caller, a caller whose
 * role lacks the route's permission, and (for organization data) an
 * organization administrator of another organization; sign-in sets a
 * hardened cookie, state changes need the CSRF token, failed passwords lock
 * the account, two-factor codes work once, API tokens carry at most their
 * scopes and stop at revocation, and every state change is in the audit log.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { hashPassword, PERMISSIONS, permissionsOf, ROLES, totpCode, type Permission, type Role } from '../../src/access/index.js';
import { createLogger, createMetrics } from '../../src/observability/index.js';
import { createApiTokensStore, createAuditLog, createMessageLog, createQuarantineIndex, createQueueStore, createSessionsStore, createUsersStore, openSqliteStorage, syncOrganizations, type Storage } from '../../src/storage/index.js';
import { createFileContentStore, createQuarantine } from '../../src/quarantine/index.js';
import { Spool } from '../../src/spool/index.js';
import { quarantineDownload } from '../../src/app/quarantine.js';
import { apiRoutes, createHttpServer, type AccessOptions, type HttpServerOptions } from '../../src/web/index.js';

const PASSWORD = 'correct horse battery staple';

interface Caller {
  readonly cookie: string;
  readonly csrf: string;
}

describe('admin API access control', () => {
  let dir: string;
  let storage: Storage;
  let app: FastifyInstance;
  let options: HttpServerOptions;
  let acme: number;
  let globex: number;
  const users = new Map<string, number>();
  let clock = Date.parse('2026-11-26T10:00:00Z');

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'moat-web-access-'));
    storage = await openSqliteStorage({ path: join(dir, 'moat.db') });
    const organizations = await syncOrganizations(storage.db, ['acme', 'globex']);
    acme = organizations.get('acme') as number;
    globex = organizations.get('globex') as number;
    const ports = { users: createUsersStore(storage.db), sessions: createSessionsStore(storage.db), tokens: createApiTokensStore(storage.db), audit: createAuditLog(storage.db) };
    const hash = await hashPassword(PASSWORD);
    const people: Array<[string, Role, number | null]> = [
      ['root', 'admin', null],
      ['ana', 'analyst', null],
      ['aud', 'auditor', null],
      ['acme-boss', 'org-admin', acme],
      ['globex-boss', 'org-admin', globex],
      ['locky', 'analyst', null],
      ['twofa', 'analyst', null],
    ];
    for (const [username, role, organizationId] of people) {
      users.set(username, (await ports.users.create({ username, passwordHash: hash, role, organizationId, at: new Date(clock) })).id);
    }
    const access: AccessOptions = { ports, sessions: { idleMinutes: 30, maxHours: 12 }, login: { maxFailures: 3, lockMinutes: 15, perAddressPerMinute: 1000 }, issuer: 'Moat test' };
    // The real message log and quarantine over the same database, so the trace and quarantine routes are in the table.
    const messageLog = createMessageLog(storage.db, 'n1');
    const queue = createQueueStore(storage.db, 'n1');
    const index = createQuarantineIndex(storage.db);
    const quarantine = await createQuarantine({
      content: await createFileContentStore({ dir: join(dir, 'quarantine'), countReferences: (sha256) => index.countBySha256(sha256) }),
      index,
      spool: await Spool.open(join(dir, 'spool')),
      enqueue: (queueId, recipients, at) => queue.enqueue(queueId, recipients, at),
      setStatus: (queueId, status) => messageLog.setStatus(queueId, status),
    });
    // The walk below only sends callers that must be refused: a policy route that ran would be a failure.
    const notForRefusedCallers = (): never => {
      throw new Error('a policy handler ran for a caller that should have been refused');
    };
    options = {
      preview: { owner: notForRefusedCallers, preview: notForRefusedCallers },
      dashboard: { figures: notForRefusedCallers, health: notForRefusedCallers, engines: notForRefusedCallers },
      policy: { organizations: notForRefusedCallers, readOnlyReason: () => undefined, current: notForRefusedCallers, history: notForRefusedCallers, replace: notForRefusedCallers },
      intel: { list: notForRefusedCallers, add: notForRefusedCallers, importFeed: notForRefusedCallers, expire: notForRefusedCallers },
      hunts: { list: notForRefusedCallers, get: notForRefusedCallers, run: notForRefusedCallers },
      campaigns: { list: notForRefusedCallers, detail: notForRefusedCallers, exportCsv: notForRefusedCallers, exportStix: notForRefusedCallers, update: notForRefusedCallers, merge: notForRefusedCallers, split: notForRefusedCallers, recluster: notForRefusedCallers },
      feeds: { list: notForRefusedCallers, poll: notForRefusedCallers },
      mail: {
        messages: messageLog,
        quarantine: { list: (o) => quarantine.list(o), show: (id) => quarantine.show(id), release: (id, by, r) => quarantine.release(id, by, r), delete: (id) => quarantine.delete(id), confirm: (id) => quarantine.delete(id), download: (id, format) => quarantineDownload(quarantine, id, format) },
      },
      logger: createLogger({ level: 'silent' }),
      metrics: createMetrics(),
      health: async () => ({ checks: {} }),
      reload: async () => ({ ok: true, parts: {} }),
      access,
      now: () => new Date(clock),
    };
    app = createHttpServer(options);
    await app.ready();
  });

  after(async () => {
    await app?.close();
    await storage?.close();
    await rm(dir, { recursive: true, force: true });
  });

  async function signIn(username: string, extra: Record<string, string> = {}): Promise<Caller> {
    const res = await app.inject({ method: 'POST', url: '/api/v1/session', payload: { username, password: PASSWORD, ...extra } });
    assert.equal(res.statusCode, 200, `${username} signs in: ${res.body}`);
    const cookie = res.cookies.find((c) => c.name === 'moat_session');
    assert.ok(cookie);
    return { cookie: `moat_session=${cookie.value}`, csrf: (res.json() as { csrfToken: string }).csrfToken };
  }

  const as = (caller: Caller | undefined, method: string, url: string, payload?: unknown): Promise<LightMyRequestResponse> =>
    app.inject({
      method: method as 'GET',
      url,
      headers: caller === undefined ? {} : { cookie: caller.cookie, 'x-csrf-token': caller.csrf },
      ...(payload === undefined ? {} : { payload: payload as Record<string, unknown> }),
    });

  /** A request that passes validation for each route, so only access control can refuse it. */
  function sample(url: string): { url: string; payload?: Record<string, unknown> } {
    const concrete = url.replace(':id', String(users.get('ana'))).replace(':queueId', '01M8C0S8ZJ7DVH7ZK249');
    if (url === '/api/v1/policy') return { url: concrete, payload: { baseRevision: 0, document: {} } };
    if (url === '/api/v1/organizations/:id/policy') return { url: concrete, payload: { baseRevision: 0, policy: {} } };
    if (url === '/api/v1/quarantine/bulk') return { url: concrete, payload: { action: 'delete', queueIds: ['01M8C0S8ZJ7DVH7ZK249'] } };
    if (url.startsWith('/api/v1/quarantine/:queueId/')) return { url: concrete, payload: {} };
    if (url === '/api/v1/users' ) return { url: concrete, payload: { username: 'newbie', role: 'analyst' } };
    if (url === '/api/v1/users/:id') return { url: concrete, payload: { disabled: false } };
    if (url === '/api/v1/tokens') return { url: concrete, payload: { name: 't' } };
    if (url === '/api/v1/session/password') return { url: concrete, payload: { currentPassword: 'x', newPassword: 'y' } };
    if (url === '/api/v1/session/totp/confirm') return { url: concrete, payload: { code: '123456' } };
    if (url === '/api/v1/session/totp') return { url: concrete, payload: { password: 'x' } };
    return { url: concrete };
  }

  it('walks the whole route table: anonymous callers get 401, callers without the permission 403', async () => {
    const routes = apiRoutes(app, options);
    assert.ok(routes.length >= 41, 'the table holds the system, session, user, token, audit, message, quarantine, policy, dashboard, preview and indicator routes');
    const callers = new Map<Role, Caller>();
    for (const [role, name] of [['admin', 'root'], ['analyst', 'ana'], ['auditor', 'aud'], ['org-admin', 'acme-boss']] as const) callers.set(role, await signIn(name));
    for (const route of routes) {
      if (route.auth === 'none') continue;
      const { url, payload } = sample(route.url);
      const anonymous = await app.inject({ method: route.method, url, ...(payload === undefined ? {} : { payload }) });
      assert.equal(anonymous.statusCode, 401, `${route.method} ${route.url} anonymous`);
      const garbage = await app.inject({ method: route.method, url, headers: { authorization: 'Bearer moat_not-a-real-token' } });
      assert.equal(garbage.statusCode, 401, `${route.method} ${route.url} with a made-up token`);
      if (route.auth === 'authenticated') continue;
      const permission: Permission = route.auth;
      for (const role of ROLES) {
        if (permissionsOf(role).has(permission)) continue;
        const res = await as(callers.get(role), route.method, url, payload);
        assert.equal(res.statusCode, 403, `${route.method} ${route.url} as ${role} (lacks ${permission})`);
      }
    }
  });

  it('keeps an organization administrator inside their organization', async () => {
    const boss = await signIn('acme-boss');
    const listed = (await as(boss, 'GET', '/api/v1/users')).json() as { users: Array<{ username: string; organizationId: number | null }> };
    assert.deepEqual(listed.users.map((u) => u.username), ['acme-boss'], 'sees the users of acme only');
    assert.equal((await as(boss, 'GET', `/api/v1/users?organizationId=${globex}`)).statusCode, 404);
    assert.equal((await as(boss, 'PATCH', `/api/v1/users/${users.get('globex-boss')}`, { disabled: true })).statusCode, 404, 'another organization’s user does not exist');
    assert.equal((await as(boss, 'PATCH', `/api/v1/users/${users.get('ana')}`, { disabled: true })).statusCode, 404, 'nor an installation-wide one');
    assert.equal((await as(boss, 'POST', '/api/v1/users', { username: 'sneaky', role: 'analyst' })).statusCode, 403, 'cannot create an installation-wide role');
    assert.equal((await as(boss, 'POST', '/api/v1/users', { username: 'sneaky', role: 'org-admin', organizationId: globex })).statusCode, 403, 'nor anyone in another organization');
    const created = await as(boss, 'POST', '/api/v1/users', { username: 'acme-deputy', role: 'org-admin', organizationId: acme });
    assert.equal(created.statusCode, 201);
    assert.match((created.json() as { password: string }).password, /^.{20,}$/);
    assert.equal((await as(boss, 'GET', `/api/v1/audit?organizationId=${globex}`)).statusCode, 404);
    const audit = (await as(boss, 'GET', '/api/v1/audit')).json() as { entries: Array<{ organizationId: number | null }> };
    assert.ok(audit.entries.length > 0 && audit.entries.every((e) => e.organizationId === acme), 'sees its own organization’s audit entries only');
  });

  it('signs in with a hardened cookie, needs the CSRF token to change state, and signs out', async () => {
    const res = await app.inject({ method: 'POST', url: '/api/v1/session', payload: { username: 'ANA', password: PASSWORD } });
    assert.equal(res.statusCode, 200);
    const setCookie = String(res.headers['set-cookie']);
    assert.match(setCookie, /HttpOnly/i);
    assert.match(setCookie, /SameSite=Strict/i);
    assert.doesNotMatch(setCookie, /Secure/i, 'plain HTTP: not Secure (it would never be sent back)');
    const caller: Caller = { cookie: `moat_session=${res.cookies[0]?.value}`, csrf: (res.json() as { csrfToken: string }).csrfToken };
    const me = (await as(caller, 'GET', '/api/v1/session')).json() as { user: { username: string }; csrfToken: string; permissions: string[] };
    assert.equal(me.user.username, 'ana');
    assert.equal(me.csrfToken, caller.csrf);
    assert.ok(me.permissions.includes('quarantine:act'));
    const noCsrf = await app.inject({ method: 'POST', url: '/api/v1/tokens', headers: { cookie: caller.cookie }, payload: { name: 'x' } });
    assert.equal(noCsrf.statusCode, 403);
    const wrongCsrf = await app.inject({ method: 'POST', url: '/api/v1/tokens', headers: { cookie: caller.cookie, 'x-csrf-token': 'nope' }, payload: { name: 'x' } });
    assert.equal(wrongCsrf.statusCode, 403);
    assert.equal((await as(caller, 'DELETE', '/api/v1/session')).statusCode, 200);
    assert.equal((await as(caller, 'GET', '/api/v1/session')).statusCode, 401, 'the session is over on the server');
  });

  it('marks the cookie Secure behind a TLS-terminating proxy when told to (http.secureCookies: always)', async () => {
    const access = options.access;
    assert.ok(access);
    const behindProxy = createHttpServer({ ...options, access: { ...access, secureCookies: 'always' } });
    try {
      const res = await behindProxy.inject({ method: 'POST', url: '/api/v1/session', payload: { username: 'ana', password: PASSWORD } });
      assert.equal(res.statusCode, 200);
      assert.match(String(res.headers['set-cookie']), /; Secure/i);
    } finally {
      await behindProxy.close();
    }
  });

  it('ends an idle session', async () => {
    const caller = await signIn('aud');
    clock += 31 * 60_000;
    assert.equal((await as(caller, 'GET', '/api/v1/session')).statusCode, 401);
  });

  it('locks an account after repeated wrong passwords, with one answer for every failure', async () => {
    const wrong = () => app.inject({ method: 'POST', url: '/api/v1/session', payload: { username: 'locky', password: 'wrong password!' } });
    const unknown = await app.inject({ method: 'POST', url: '/api/v1/session', payload: { username: 'nobody', password: 'wrong password!' } });
    assert.equal(unknown.statusCode, 401);
    for (let n = 0; n < 3; n++) {
      const res = await wrong();
      assert.equal(res.statusCode, 401);
      assert.equal(res.body, unknown.body, 'a wrong password reads like an unknown user');
    }
    const locked = await app.inject({ method: 'POST', url: '/api/v1/session', payload: { username: 'locky', password: PASSWORD } });
    assert.equal(locked.statusCode, 401, 'locked: even the right password is refused');
    clock += 16 * 60_000;
    await signIn('locky');
  });

  it('sets up two-factor and accepts each code once', async () => {
    const caller = await signIn('twofa');
    const begun = (await as(caller, 'POST', '/api/v1/session/totp')).json() as { secret: string; uri: string };
    assert.match(begun.uri, /^otpauth:\/\/totp\/Moat%20test:twofa\?secret=/);
    assert.equal((await as(caller, 'POST', '/api/v1/session/totp/confirm', { code: '000000' })).statusCode, 400);
    assert.equal((await as(caller, 'POST', '/api/v1/session/totp/confirm', { code: totpCode(begun.secret, clock) })).statusCode, 200);
    clock += 60_000;
    const withoutCode = await app.inject({ method: 'POST', url: '/api/v1/session', payload: { username: 'twofa', password: PASSWORD } });
    assert.equal(withoutCode.statusCode, 401);
    assert.equal((withoutCode.json() as { totpRequired?: boolean }).totpRequired, true);
    const code = totpCode(begun.secret, clock);
    await signIn('twofa', { totp: code });
    const replay = await app.inject({ method: 'POST', url: '/api/v1/session', payload: { username: 'twofa', password: PASSWORD, totp: code } });
    assert.equal(replay.statusCode, 401, 'the same code does not sign in twice');
  });

  it('gives API tokens at most their scopes, once, until revoked', async () => {
    const root = await signIn('root');
    const full = await as(root, 'POST', '/api/v1/tokens', { name: 'automation' });
    assert.equal(full.statusCode, 201);
    const { secret, token } = full.json() as { secret: string; token: { id: number } };
    assert.match(secret, /^moat_/);
    const bearer = (value: string, url: string) => app.inject({ method: 'GET', url, headers: { authorization: `Bearer ${value}` } });
    assert.equal((await bearer(secret, '/api/v1/users')).statusCode, 200);
    const listed = (await as(root, 'GET', '/api/v1/tokens')).json() as { tokens: Array<Record<string, unknown>> };
    assert.ok(listed.tokens.every((t) => !('tokenHash' in t) && !JSON.stringify(t).includes(secret)), 'the list never shows the secret or its hash');

    const scoped = (await as(root, 'POST', '/api/v1/tokens', { name: 'auditor-bot', scopes: ['audit:read'] })).json() as { secret: string };
    assert.equal((await bearer(scoped.secret, '/api/v1/audit')).statusCode, 200);
    assert.equal((await bearer(scoped.secret, '/api/v1/users')).statusCode, 403, 'outside its scopes');
    const ana = await signIn('ana');
    assert.equal((await as(ana, 'POST', '/api/v1/tokens', { name: 'too much', scopes: ['system:write'] })).statusCode, 403, 'no scope beyond the role');

    assert.equal((await as(root, 'DELETE', `/api/v1/tokens/${token.id}`)).statusCode, 200);
    assert.equal((await bearer(secret, '/api/v1/users')).statusCode, 401, 'revoked');
  });

  it('records state changes in the audit log, readable and exportable by an auditor', async () => {
    const auditor = await signIn('aud');
    const entries = ((await as(auditor, 'GET', '/api/v1/audit?limit=1000')).json() as { entries: Array<{ action: string; actor: string; outcome: string; ip: string }> }).entries;
    const seen = new Set(entries.map((e) => `${e.action}/${e.outcome}`));
    for (const expected of ['session.login/ok', 'session.login/denied', 'session.logout/ok', 'user.create/ok', 'user.create/denied', 'user.update/denied', 'token.create/ok', 'token.revoke/ok', 'user.totp.enable/ok']) {
      assert.ok(seen.has(expected), `audit has ${expected}`);
    }
    assert.ok(entries.every((e) => e.ip === '127.0.0.1'), 'from where');
    const csv = await as(auditor, 'GET', '/api/v1/audit.csv');
    assert.equal(csv.statusCode, 200);
    assert.match(String(csv.headers['content-type']), /^text\/csv/);
    assert.match(csv.body, /^id,at,actor,actor_kind,action,target,organization_id,ip,outcome,detail\r\n/);
    assert.ok(!PERMISSIONS.some((p) => csv.body.includes(`=${p}`)));
    assert.equal((await as(auditor, 'POST', '/api/v1/users', { username: 'x1', role: 'analyst' })).statusCode, 403, 'read-only');
  });
});
