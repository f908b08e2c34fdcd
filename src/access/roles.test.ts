import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MoatError } from '../core/index.js';
import type { Permission, Principal, Role } from './roles.js';
import {
  assertAllowed,
  createPrincipal,
  hasPermission,
  isAllowed,
  isPermission,
  isRole,
  mayAssignRole,
  PERMISSIONS,
  permissionsOf,
  ROLES,
  visibleOrganizations,
} from './roles.js';

const OWN = 7;
const OTHER = 8;

// The role table of issue 7, written out in full (not derived from the code under test):
// Y = allowed; for org-admin only on its own organization.
const TABLE: Readonly<Record<Permission, Readonly<Record<Role, boolean>>>> = {
  'dashboard:read': { admin: true, analyst: true, 'org-admin': true, auditor: true },
  'messages:read': { admin: true, analyst: true, 'org-admin': true, auditor: true },
  'quarantine:read': { admin: true, analyst: true, 'org-admin': true, auditor: true },
  'quarantine:act': { admin: true, analyst: true, 'org-admin': true, auditor: false },
  'policy:read': { admin: true, analyst: true, 'org-admin': true, auditor: true },
  'policy:write': { admin: true, analyst: false, 'org-admin': true, auditor: false },
  'users:read': { admin: true, analyst: false, 'org-admin': true, auditor: true },
  'users:write': { admin: true, analyst: false, 'org-admin': true, auditor: false },
  'organizations:read': { admin: true, analyst: true, 'org-admin': true, auditor: true },
  'organizations:write': { admin: true, analyst: false, 'org-admin': false, auditor: false },
  'intel:read': { admin: true, analyst: true, 'org-admin': false, auditor: true },
  'intel:write': { admin: true, analyst: true, 'org-admin': false, auditor: false },
  'audit:read': { admin: true, analyst: false, 'org-admin': true, auditor: true },
  'system:write': { admin: true, analyst: false, 'org-admin': false, auditor: false },
};

function principalOf(role: Role, scopes?: readonly Permission[]): Principal {
  return createPrincipal({
    kind: scopes === undefined ? 'session' : 'token',
    userId: 1,
    username: `${role}-user`,
    role,
    organizationId: role === 'org-admin' ? OWN : null,
    ...(scopes === undefined ? {} : { scopes }),
  });
}

type Target = { readonly name: string; readonly organizationId: number | undefined };
const TARGETS: readonly Target[] = [
  { name: 'own organization', organizationId: OWN },
  { name: 'another organization', organizationId: OTHER },
  { name: 'installation-wide data', organizationId: undefined },
];

function expected(role: Role, permission: Permission, target: Target): boolean {
  if (!TABLE[permission][role]) return false;
  // An org-admin sees its own organization and nothing else, not even installation-wide totals.
  if (role === 'org-admin') return target.organizationId === OWN;
  return true;
}

describe('role table', () => {
  it('covers every permission', () => {
    assert.deepEqual(Object.keys(TABLE).sort(), [...PERMISSIONS].sort());
  });

  for (const role of ROLES) {
    for (const permission of PERMISSIONS) {
      for (const target of TARGETS) {
        const want = expected(role, permission, target);
        it(`${role} ${want ? 'may' : 'may not'} ${permission} on ${target.name}`, () => {
          const principal = principalOf(role);
          assert.equal(isAllowed(principal, permission, target.organizationId), want);
          if (want) assertAllowed(principal, permission, target.organizationId);
          else assert.throws(() => assertAllowed(principal, permission, target.organizationId), { code: 'ACCESS_DENIED' });
        });
      }
    }
  }

  it('permissionsOf lists exactly the table', () => {
    for (const role of ROLES) {
      const want = PERMISSIONS.filter((permission) => TABLE[permission][role]);
      assert.deepEqual([...permissionsOf(role)].sort(), [...want].sort(), role);
      assert.deepEqual([...principalOf(role).permissions].sort(), [...want].sort(), role);
    }
  });

  it('never gives an org-admin or auditor an installation-wide write', () => {
    for (const permission of ['system:write', 'organizations:write', 'intel:write'] as const) {
      for (const role of ['org-admin', 'auditor'] as const) {
        assert.equal(hasPermission(principalOf(role), permission), false, `${role} ${permission}`);
      }
    }
    for (const permission of PERMISSIONS) {
      if (!permission.endsWith(':read')) assert.equal(hasPermission(principalOf('auditor'), permission), false, permission);
    }
  });
});

describe('visible organizations', () => {
  it('is all for installation-wide roles, exactly its own for an org-admin', () => {
    assert.equal(visibleOrganizations(principalOf('admin')), 'all');
    assert.equal(visibleOrganizations(principalOf('analyst')), 'all');
    assert.equal(visibleOrganizations(principalOf('auditor')), 'all');
    assert.deepEqual(visibleOrganizations(principalOf('org-admin')), [OWN]);
  });
});

describe('token scopes', () => {
  it('narrow the role: only the scoped permissions remain', () => {
    const token = principalOf('admin', ['messages:read', 'quarantine:read']);
    assert.deepEqual([...token.permissions].sort(), ['messages:read', 'quarantine:read']);
    assert.equal(isAllowed(token, 'messages:read', OTHER), true);
    assert.equal(isAllowed(token, 'quarantine:act', OTHER), false);
    assert.equal(isAllowed(token, 'system:write'), false);
  });

  it('never widen it: a scope the role lacks is dropped', () => {
    const token = principalOf('auditor', ['system:write', 'audit:read']);
    assert.deepEqual([...token.permissions], ['audit:read']);
    assert.equal(isAllowed(token, 'system:write'), false);
    const orgToken = principalOf('org-admin', ['intel:write', 'policy:write']);
    assert.deepEqual([...orgToken.permissions], ['policy:write']);
    assert.equal(isAllowed(orgToken, 'policy:write', OWN), true);
    assert.equal(isAllowed(orgToken, 'policy:write', OTHER), false);
  });

  it('an empty scope list grants nothing', () => {
    const token = principalOf('admin', []);
    for (const permission of PERMISSIONS) assert.equal(isAllowed(token, permission), false, permission);
  });

  it('refuses an unknown scope', () => {
    assert.throws(
      () => principalOf('admin', ['messages:read', 'everything' as Permission]),
      (error: unknown) => error instanceof MoatError && error.code === 'ACCESS_INVALID_PRINCIPAL',
    );
  });
});

describe('createPrincipal', () => {
  const base = { kind: 'session', userId: 3, username: 'someone' } as const;

  it('refuses an org-admin without an organization', () => {
    assert.throws(() => createPrincipal({ ...base, role: 'org-admin', organizationId: null }), { code: 'ACCESS_INVALID_PRINCIPAL' });
    assert.throws(() => createPrincipal({ ...base, role: 'org-admin', organizationId: 0 }), { code: 'ACCESS_INVALID_PRINCIPAL' });
    assert.throws(() => createPrincipal({ ...base, role: 'org-admin', organizationId: 1.5 }), { code: 'ACCESS_INVALID_PRINCIPAL' });
  });

  it('refuses an installation-wide role with an organization', () => {
    for (const role of ['admin', 'analyst', 'auditor'] as const) {
      assert.throws(() => createPrincipal({ ...base, role, organizationId: OWN }), { code: 'ACCESS_INVALID_PRINCIPAL' }, role);
    }
  });

  it('refuses an unknown role, kind, username or id (damaged rows)', () => {
    assert.throws(() => createPrincipal({ ...base, role: 'root' as Role, organizationId: null }), { code: 'ACCESS_INVALID_PRINCIPAL' });
    assert.throws(() => createPrincipal({ ...base, kind: 'cookie' as 'session', role: 'admin', organizationId: null }), { code: 'ACCESS_INVALID_PRINCIPAL' });
    assert.throws(() => createPrincipal({ ...base, username: '', role: 'admin', organizationId: null }), { code: 'ACCESS_INVALID_PRINCIPAL' });
    assert.throws(() => createPrincipal({ ...base, userId: -1, role: 'admin', organizationId: null }), { code: 'ACCESS_INVALID_PRINCIPAL' });
    assert.throws(() => createPrincipal({ ...base, userId: Number.NaN, role: 'admin', organizationId: null }), { code: 'ACCESS_INVALID_PRINCIPAL' });
  });

  it('accepts user id 0 for a principal without a users row (the config admin token)', () => {
    const principal = createPrincipal({ kind: 'token', userId: 0, username: 'config:http.adminToken', role: 'admin', organizationId: null });
    assert.equal(isAllowed(principal, 'system:write'), true);
  });

  it('returns a frozen principal whose permissions do not alias the role table', () => {
    const principal = principalOf('analyst');
    assert.ok(Object.isFrozen(principal));
    // A caller casting the set and adding to it must not raise every analyst.
    (principal.permissions as Set<Permission>).add('system:write');
    assert.equal(permissionsOf('analyst').has('system:write'), false);
    assert.equal(principalOf('analyst').permissions.has('system:write'), false);
    assert.equal(isRole('analyst'), true);
    assert.equal(isRole('Admin'), false);
    assert.equal(isPermission('audit:read'), true);
    assert.equal(isPermission('audit:write'), false);
  });
});

describe('mayAssignRole', () => {
  it('lets an admin assign any role with the right organization binding', () => {
    const admin = principalOf('admin');
    assert.equal(mayAssignRole(admin, 'admin', null), true);
    assert.equal(mayAssignRole(admin, 'auditor', null), true);
    assert.equal(mayAssignRole(admin, 'org-admin', OTHER), true);
    assert.equal(mayAssignRole(admin, 'org-admin', null), false);
    assert.equal(mayAssignRole(admin, 'analyst', OWN), false);
  });

  it('lets an org-admin assign only org-admin in its own organization', () => {
    const orgAdmin = principalOf('org-admin');
    assert.equal(mayAssignRole(orgAdmin, 'org-admin', OWN), true);
    assert.equal(mayAssignRole(orgAdmin, 'org-admin', OTHER), false);
    for (const role of ['admin', 'analyst', 'auditor'] as const) {
      assert.equal(mayAssignRole(orgAdmin, role, null), false, role);
      assert.equal(mayAssignRole(orgAdmin, role, OWN), false, role);
    }
  });

  it('lets nobody else assign roles, nor a token without users:write', () => {
    for (const role of ROLES) {
      assert.equal(mayAssignRole(principalOf('analyst'), role, null), false);
      assert.equal(mayAssignRole(principalOf('auditor'), role, null), false);
      assert.equal(mayAssignRole(principalOf('admin', ['users:read']), role, null), false);
    }
  });
});
