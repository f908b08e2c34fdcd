import { afterEach, beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createApiTokensStore, createAuditLog, createSessionsStore, createUsersStore } from '../../src/storage/index.js';
import { STORAGE_ENGINES } from '../support/storage-engines.js';
import type { ApiTokensStore, AuditLog, SessionsStore, Storage, User, UsersStore } from '../../src/storage/index.js';

const T0 = Date.parse('2025-03-01T10:00:00.000Z');
const at = (seconds: number): Date => new Date(T0 + seconds * 1000);
const HASH_A = 'a'.repeat(64);
const HASH_B = 'b'.repeat(64);

for (const engine of STORAGE_ENGINES) {
  describe(`access storage (${engine.name})`, { skip: engine.skip ?? false }, () => {
    let storage: Storage;
    let users: UsersStore;
    let sessions: SessionsStore;
    let tokens: ApiTokensStore;
    let audit: AuditLog;

    beforeEach(async () => {
      storage = await engine.open('access');
      users = createUsersStore(storage.db);
      sessions = createSessionsStore(storage.db);
      tokens = createApiTokensStore(storage.db);
      audit = createAuditLog(storage.db);
    });
    afterEach(async () => {
      await storage.close();
    });

    const addOrganization = async (name: string): Promise<number> =>
      (await storage.db.insertInto('organizations').values({ name, created_at: at(0).toISOString(), country: null }).returning('id').executeTakeFirstOrThrow()).id;

    const addUser = (username: string, overrides: Partial<{ role: User['role']; organizationId: number | null }> = {}): Promise<User> =>
      users.create({ username, passwordHash: `$argon2id$${username}`, role: overrides.role ?? 'admin', organizationId: overrides.organizationId ?? null, at: at(0) });

    describe('users', () => {
      it('creates a user, reads it back by id and by name in any case, and refuses a duplicate name in any case', async () => {
        const user = await addUser('Alice@Corp.Example');
        assert.deepEqual(user, {
          id: user.id,
          username: 'alice@corp.example',
          passwordHash: '$argon2id$Alice@Corp.Example',
          role: 'admin',
          organizationId: null,
          totpSecret: null,
          totpEnabled: false,
          disabled: false,
          failedLogins: 0,
          passwordChangedAt: at(0).toISOString(),
          createdAt: at(0).toISOString(),
        });
        assert.deepEqual(await users.get(user.id), user);
        assert.deepEqual(await users.getByUsername('ALICE@corp.example'), user);
        assert.equal(await users.getByUsername('bob'), undefined);
        assert.equal(await users.get(user.id + 100), undefined);
        await assert.rejects(addUser('alice@CORP.example'), { name: 'MoatError', code: 'USER_EXISTS' });
        assert.equal(await users.count(), 1);
      });

      it('refuses an empty or overlong username and an unknown role, and finds no overlong name', async () => {
        await assert.rejects(addUser(''), { code: 'USER_INVALID' });
        await assert.rejects(addUser('x'.repeat(255)), { code: 'USER_INVALID' });
        // Trust boundary test: request data typed as a role by mistake.
        await assert.rejects(addUser('eve', { role: 'root' as User['role'] }), { code: 'USER_INVALID' });
        await addUser('x'.repeat(254));
        assert.equal(await users.getByUsername(`${'x'.repeat(254)}y`), undefined);
        assert.equal(await users.count(), 1);
      });

      it('updates role, organization, password, flags and TOTP, and leaves the rest alone', async () => {
        const org = await addOrganization('acme');
        const user = await addUser('carol', { role: 'analyst' });
        const updated = await users.update(user.id, {
          role: 'org-admin',
          organizationId: org,
          passwordHash: '$argon2id$new',
          passwordChangedAt: at(60),
          disabled: true,
          totpSecret: 'JBSWY3DPEHPK3PXP',
          totpEnabled: true,
        });
        assert.deepEqual(updated, {
          ...user,
          role: 'org-admin',
          organizationId: org,
          passwordHash: '$argon2id$new',
          passwordChangedAt: at(60).toISOString(),
          disabled: true,
          totpSecret: 'JBSWY3DPEHPK3PXP',
          totpEnabled: true,
        });
        assert.deepEqual(await users.get(user.id), updated);
        const cleared = await users.update(user.id, { totpSecret: null, totpEnabled: false, disabled: false, organizationId: null });
        assert.equal(cleared?.totpSecret, null);
        assert.equal(cleared.totpEnabled, false);
        assert.equal(cleared.disabled, false);
        assert.equal(cleared.organizationId, null);
        assert.equal(cleared.role, 'org-admin');
        assert.deepEqual(await users.update(user.id, {}), cleared);
        assert.equal(await users.update(user.id + 100, { disabled: true }), undefined);
      });

      it('lists by username, by organization, and counts by role and enabled state', async () => {
        const org = await addOrganization('acme');
        await addUser('dave', { role: 'admin' });
        await addUser('bob', { role: 'org-admin', organizationId: org });
        const erin = await addUser('erin', { role: 'admin' });
        await addUser('carl', { role: 'auditor' });
        await users.update(erin.id, { disabled: true });
        assert.deepEqual(
          (await users.list()).map((u) => u.username),
          ['bob', 'carl', 'dave', 'erin'],
        );
        assert.deepEqual(
          (await users.list({ organizationId: org })).map((u) => u.username),
          ['bob'],
        );
        assert.deepEqual(
          (await users.list({ organizationId: null })).map((u) => u.username),
          ['carl', 'dave', 'erin'],
        );
        assert.deepEqual(
          (await users.list({ limit: 2 })).map((u) => u.username),
          ['bob', 'carl'],
        );
        assert.equal(await users.count(), 4);
        assert.equal(await users.count({ role: 'admin' }), 2);
        assert.equal(await users.count({ role: 'admin', enabledOnly: true }), 1);
      });

      it('counts concurrent login failures, locks after the limit, restarts after the lock runs out, and resets on success', async () => {
        const user = await addUser('frank');
        const counts = await Promise.all([users.recordLoginFailure(user.id, at(1), undefined), users.recordLoginFailure(user.id, at(1), undefined)]);
        // Both failures count, whatever order they ran in.
        assert.deepEqual(
          counts.sort((a, b) => a - b),
          [1, 2],
        );
        assert.equal((await users.get(user.id))?.failedLogins, 2);

        // lockAfter: the lock is set only by the failure that reaches the limit, decided in the same statement.
        assert.equal(await users.recordLoginFailure(user.id, at(2), at(600), 4), 3);
        assert.equal((await users.get(user.id))?.lockedUntil, undefined);
        assert.equal(await users.recordLoginFailure(user.id, at(3), at(603), 4), 4);
        assert.equal((await users.get(user.id))?.lockedUntil, at(603).toISOString());
        // While locked, failures count on and the lock stays.
        assert.equal(await users.recordLoginFailure(user.id, at(4), undefined), 5);
        assert.equal((await users.get(user.id))?.lockedUntil, at(603).toISOString());
        // After the lock has run out the count restarts, and the old lock is gone.
        assert.equal(await users.recordLoginFailure(user.id, at(700), at(1300), 4), 1);
        const restarted = await users.get(user.id);
        assert.equal(restarted?.failedLogins, 1);
        assert.equal(restarted.lockedUntil, undefined);
        // Without lockAfter, lockUntil locks at once.
        await users.recordLoginFailure(user.id, at(701), at(1301));
        assert.equal((await users.get(user.id))?.lockedUntil, at(1301).toISOString());

        await users.recordLoginSuccess(user.id, at(800));
        const after = await users.get(user.id);
        assert.equal(after?.failedLogins, 0);
        assert.equal(after.lockedUntil, undefined);
        assert.equal(after.lastLoginAt, at(800).toISOString());
        assert.equal(await users.recordLoginFailure(user.id + 100, at(801), undefined), 0);
      });

      it('counts many concurrent failures exactly', async () => {
        const user = await addUser('gina');
        const counts = await Promise.all(Array.from({ length: 10 }, () => users.recordLoginFailure(user.id, at(1), at(900), 5)));
        assert.deepEqual(
          counts.sort((a, b) => a - b),
          [1, 2, 3, 4, 5, 6, 7, 8, 9, 10],
        );
        const after = await users.get(user.id);
        assert.equal(after?.failedLogins, 10);
        assert.equal(after.lockedUntil, at(900).toISOString());
      });
    });

    describe('sessions', () => {
      it('creates, reads, touches and deletes a session, bounding the user agent', async () => {
        const user = await addUser('henry');
        const created = await sessions.create({ idHash: HASH_A, userId: user.id, csrfToken: 'csrf-1', at: at(0), expiresAt: at(3600), ip: '2001:db8::1', userAgent: 'U'.repeat(5000) });
        assert.equal(created.userAgent?.length, 512);
        assert.deepEqual(await sessions.get(HASH_A), created);
        assert.equal(created.lastSeenAt, at(0).toISOString());
        assert.equal(created.ip, '2001:db8::1');
        assert.equal(await sessions.get(HASH_B), undefined);

        assert.equal(await sessions.touch(HASH_A, at(60), at(3660)), true);
        const touched = await sessions.get(HASH_A);
        assert.equal(touched?.lastSeenAt, at(60).toISOString());
        assert.equal(touched.expiresAt, at(3660).toISOString());
        assert.equal(touched.createdAt, at(0).toISOString());
        assert.equal(await sessions.touch(HASH_A, at(61)), true);
        assert.equal((await sessions.get(HASH_A))?.expiresAt, at(3660).toISOString());
        assert.equal(await sessions.touch(HASH_B, at(61)), false);

        // With a time, an expired session reads as absent.
        assert.notEqual(await sessions.get(HASH_A, at(3659)), undefined);
        assert.equal(await sessions.get(HASH_A, at(3660)), undefined);

        assert.equal(await sessions.delete(HASH_A), true);
        assert.equal(await sessions.delete(HASH_A), false);
        assert.equal(await sessions.get(HASH_A), undefined);
      });

      it('purges expired sessions, ends all of a user, and goes with a deleted user', async () => {
        const ida = await addUser('ida');
        const jon = await addUser('jon');
        await sessions.create({ idHash: 'h1', userId: ida.id, csrfToken: 'c', at: at(0), expiresAt: at(100) });
        await sessions.create({ idHash: 'h2', userId: ida.id, csrfToken: 'c', at: at(0), expiresAt: at(200) });
        await sessions.create({ idHash: 'h3', userId: jon.id, csrfToken: 'c', at: at(0), expiresAt: at(300) });
        await sessions.create({ idHash: 'h4', userId: jon.id, csrfToken: 'c', at: at(0), expiresAt: at(400) });
        assert.equal(await sessions.purgeExpired(at(100)), 1);
        assert.equal(await sessions.get('h1'), undefined);
        assert.notEqual(await sessions.get('h2'), undefined);

        assert.equal(await sessions.deleteForUser(ida.id), 1);
        assert.equal(await sessions.get('h2'), undefined);
        assert.notEqual(await sessions.get('h3'), undefined);

        await tokens.create({ userId: jon.id, name: 'ci', tokenHash: HASH_A, prefix: 'moat_aaaa', at: at(0) });
        assert.equal(await users.delete(jon.id), true);
        assert.equal(await users.delete(jon.id), false);
        assert.equal(await sessions.get('h3'), undefined);
        assert.equal(await sessions.get('h4'), undefined);
        assert.equal(await tokens.getByHash(HASH_A), undefined);
      });

      it('refuses a session for a user that does not exist', async () => {
        await assert.rejects(sessions.create({ idHash: HASH_A, userId: 999, csrfToken: 'c', at: at(0), expiresAt: at(1) }));
      });
    });

    describe('API tokens', () => {
      it('creates a token, finds it by hash, lists it without the hash, and revokes it once', async () => {
        const user = await addUser('kim');
        const created = await tokens.create({ userId: user.id, name: 'ci deploy', tokenHash: HASH_A, prefix: 'moat_aaaa', scopes: ['quarantine:read', 'quarantine:read', 'trace:read'], at: at(0), expiresAt: at(86_400) });
        assert.deepEqual(created, {
          id: created.id,
          userId: user.id,
          name: 'ci deploy',
          prefix: 'moat_aaaa',
          scopes: ['quarantine:read', 'trace:read'],
          createdAt: at(0).toISOString(),
          expiresAt: at(86_400).toISOString(),
          tokenHash: HASH_A,
        });
        assert.deepEqual(await tokens.getByHash(HASH_A), created);
        assert.equal(await tokens.getByHash(HASH_B), undefined);
        const plain = await tokens.create({ userId: user.id, name: 'role scoped', tokenHash: HASH_B, prefix: 'moat_bbbb', at: at(1) });
        assert.equal(plain.scopes, undefined);
        assert.equal(plain.expiresAt, undefined);

        const listed = await tokens.list({ userId: user.id });
        assert.deepEqual(
          listed.map((t) => t.id),
          [plain.id, created.id],
        );
        for (const summary of listed) assert.equal('tokenHash' in summary, false);
        for (const summary of await tokens.list()) assert.equal('tokenHash' in summary, false);
        const { tokenHash: _hash, ...summary } = created;
        assert.deepEqual(await tokens.get(created.id), summary);

        await tokens.touch(created.id, at(10));
        assert.equal((await tokens.getByHash(HASH_A))?.lastUsedAt, at(10).toISOString());

        // With a time: usable until expiry, never after revocation.
        assert.notEqual(await tokens.getByHash(HASH_A, at(86_399)), undefined);
        assert.equal(await tokens.getByHash(HASH_A, at(86_400)), undefined);
        assert.notEqual(await tokens.getByHash(HASH_B, at(1_000_000)), undefined);
        assert.equal(await tokens.revoke(created.id, at(20)), true);
        assert.equal(await tokens.revoke(created.id, at(30)), false);
        assert.equal((await tokens.getByHash(HASH_A))?.revokedAt, at(20).toISOString());
        assert.equal(await tokens.getByHash(HASH_A, at(21)), undefined);
        assert.equal(await tokens.revoke(created.id + 100, at(30)), false);
      });

      it('lists by user, revokes all of a user, and refuses oversized scopes and a duplicate hash', async () => {
        const lee = await addUser('lee');
        const max = await addUser('max');
        await tokens.create({ userId: lee.id, name: 'a', tokenHash: 'h1', prefix: 'p1', at: at(0) });
        await tokens.create({ userId: lee.id, name: 'b', tokenHash: 'h2', prefix: 'p2', at: at(0) });
        await tokens.create({ userId: max.id, name: 'c', tokenHash: 'h3', prefix: 'p3', at: at(0) });
        assert.deepEqual(
          (await tokens.list({ userId: max.id })).map((t) => t.name),
          ['c'],
        );
        assert.equal(await tokens.revokeForUser(lee.id, at(5)), 2);
        assert.equal(await tokens.revokeForUser(lee.id, at(6)), 0);
        assert.equal((await tokens.getByHash('h3'))?.revokedAt, undefined);

        await assert.rejects(tokens.create({ userId: lee.id, name: 'x', tokenHash: 'h9', prefix: 'p', scopes: Array.from({ length: 65 }, (_, i) => `s${String(i)}`), at: at(0) }), { code: 'API_TOKEN_INVALID' });
        await assert.rejects(tokens.create({ userId: lee.id, name: 'x', tokenHash: 'h9', prefix: 'p', scopes: ['s'.repeat(101)], at: at(0) }), { code: 'API_TOKEN_INVALID' });
        await assert.rejects(tokens.create({ userId: lee.id, name: 'x', tokenHash: 'h'.repeat(257), prefix: 'p', at: at(0) }), { code: 'API_TOKEN_INVALID' });
        await assert.rejects(tokens.create({ userId: max.id, name: 'dup', tokenHash: 'h1', prefix: 'p', at: at(0) }));
      });
    });

    describe('audit log', () => {
      it('appends entries and reads them back newest first, with bounded text and detail', async () => {
        const first = await audit.append({ at: at(0), actor: 'alice', actorKind: 'session', action: 'quarantine.release', target: 'Q1', organizationId: 1, ip: '192.0.2.1', outcome: 'ok', detail: { recipients: ['a@b.example'] } });
        const second = await audit.append({ at: at(1), actor: 'cli', actorKind: 'cli', action: 'user.create', outcome: 'ok' });
        const third = await audit.append({ at: at(2), actor: 'x'.repeat(1000), actorKind: 'token', action: 'policy.import', outcome: 'denied', detail: { blob: 'y'.repeat(10_000) } });
        assert.ok(first < second && second < third);
        const entries = await audit.list();
        assert.deepEqual(
          entries.map((e) => e.id),
          [third, second, first],
        );
        assert.deepEqual(entries[2], {
          id: first,
          at: at(0).toISOString(),
          actor: 'alice',
          actorKind: 'session',
          action: 'quarantine.release',
          target: 'Q1',
          organizationId: 1,
          ip: '192.0.2.1',
          outcome: 'ok',
          detail: { recipients: ['a@b.example'] },
        });
        assert.deepEqual(entries[1], { id: second, at: at(1).toISOString(), actor: 'cli', actorKind: 'cli', action: 'user.create', outcome: 'ok' });
        const cut = entries[0];
        assert.equal(cut?.actor.length, 256);
        assert.equal(cut.outcome, 'denied');
        // Still valid JSON, marked as cut, and within the bound.
        const detail = cut.detail as { truncated: boolean; json: string };
        assert.equal(detail.truncated, true);
        assert.ok(detail.json.startsWith('{"blob":"yyy'));
        const stored = await storage.db.selectFrom('audit_log').select('detail').where('id', '=', third).executeTakeFirstOrThrow();
        assert.ok((stored.detail ?? '').length <= 4096);

        // A detail that cannot be serialised still records the action.
        const cyclic: { self?: unknown } = {};
        cyclic.self = cyclic;
        const fourth = await audit.append({ at: at(3), actor: 'system', actorKind: 'system', action: 'retention.run', outcome: 'failed', detail: cyclic });
        const [last] = await audit.list({ limit: 1 });
        assert.equal(last?.id, fourth);
        assert.equal(typeof (last.detail as { unserialisable: unknown }).unserialisable, 'string');
      });

      it('filters by time, actor, action and organization, and pages by id', async () => {
        const org = await addOrganization('acme');
        const ids: number[] = [];
        for (let i = 0; i < 10; i++) {
          ids.push(
            await audit.append({
              at: at(i),
              actor: i % 2 === 0 ? 'alice' : 'bob',
              actorKind: 'session',
              action: i % 3 === 0 ? 'quarantine.release' : 'quarantine.delete',
              organizationId: i < 5 ? org : i === 9 ? null : 1,
              outcome: 'ok',
            }),
          );
        }
        const idsOf = async (opts: Parameters<AuditLog['list']>[0]): Promise<number[]> => (await audit.list(opts)).map((e) => e.id);
        const newestFirst = (indexes: number[]): number[] => indexes.map((i) => ids[i] ?? -1).reverse();

        assert.deepEqual(await idsOf({ from: at(3), to: at(6) }), newestFirst([3, 4, 5]));
        assert.deepEqual(await idsOf({ actor: 'bob' }), newestFirst([1, 3, 5, 7, 9]));
        assert.deepEqual(await idsOf({ action: 'quarantine.release' }), newestFirst([0, 3, 6, 9]));
        // An organization sees only its own rows: never another organization's, nor global ones.
        assert.deepEqual(await idsOf({ organizationId: org }), newestFirst([0, 1, 2, 3, 4]));
        assert.deepEqual(await idsOf({ organizationId: 1 }), newestFirst([5, 6, 7, 8]));
        assert.deepEqual(await idsOf({ organizationId: org, actor: 'alice', action: 'quarantine.delete' }), newestFirst([2, 4]));

        // Keyset pagination walks every entry once, newest first.
        const seen: number[] = [];
        let beforeId: number | undefined;
        for (;;) {
          const page = await audit.list({ limit: 3, ...(beforeId !== undefined && { beforeId }) });
          if (page.length === 0) break;
          seen.push(...page.map((e) => e.id));
          beforeId = page[page.length - 1]?.id;
        }
        assert.deepEqual(seen, newestFirst([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]));
        assert.deepEqual(await idsOf({ organizationId: org, limit: 2, beforeId: ids[3] ?? 0 }), newestFirst([1, 2]));

        await assert.rejects(audit.list({ from: new Date(Number.NaN) }), { code: 'STORAGE_INVALID_QUERY' });
        assert.equal(await audit.purgeBefore(at(5)), 5);
        assert.deepEqual(await idsOf({}), newestFirst([5, 6, 7, 8, 9]));
      });
    });
  });
}
