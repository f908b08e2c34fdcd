/**
 * Roles, permissions and the one authorisation decision of the admin API
 * (issue 7): who may do what on which organization's data. Pure: the caller
 * loads the user or token and asks here.
 */
import { MoatError } from '../core/index.js';

/** The roles of issue 7. Stored as these strings in `users.role`. */
export const ROLES = ['admin', 'analyst', 'org-admin', 'auditor'] as const;
export type Role = (typeof ROLES)[number];

/** What a route may require. Stored as these strings in `api_tokens.scopes`. */
export const PERMISSIONS = [
  'dashboard:read',
  'messages:read',
  'quarantine:read',
  'quarantine:act',
  'policy:read',
  'policy:write',
  'users:read',
  'users:write',
  'organizations:read',
  'organizations:write',
  'intel:read',
  'intel:write',
  'audit:read',
  'system:write',
] as const;
export type Permission = (typeof PERMISSIONS)[number];

/** Who is calling: a logged-in user (session) or an API token. */
export interface Principal {
  readonly kind: 'session' | 'token';
  readonly userId: number;
  readonly username: string;
  readonly role: Role;
  /** The organization an org-admin belongs to; null for installation-wide roles. */
  readonly organizationId: number | null;
  /** What this caller may do: the role's permissions, narrowed by a token's scopes. */
  readonly permissions: ReadonlySet<Permission>;
}

/** Input of `createPrincipal`, as read from the users / api_tokens rows. */
export interface PrincipalInput {
  readonly kind: 'session' | 'token';
  /** The users row; 0 for a principal with no row (the config's `http.adminToken`). */
  readonly userId: number;
  readonly username: string;
  readonly role: Role;
  readonly organizationId: number | null;
  /** A token's scopes; absent for a session (the role's permissions apply whole). */
  readonly scopes?: readonly Permission[] | undefined;
}

// The role table of issue 7, as data. An org-admin's rights are further bound
// to its own organization by `isAllowed`; the other roles are installation-wide.
const ROLE_PERMISSIONS: Readonly<Record<Role, readonly Permission[]>> = {
  admin: PERMISSIONS,
  analyst: [
    'dashboard:read',
    'messages:read',
    'quarantine:read',
    'quarantine:act',
    'intel:read',
    'intel:write',
    'policy:read',
    'organizations:read',
  ],
  'org-admin': [
    'dashboard:read',
    'messages:read',
    'quarantine:read',
    'quarantine:act',
    'policy:read',
    'policy:write',
    'users:read',
    'users:write',
    'organizations:read',
    'audit:read',
  ],
  // Read-only: every `:read` permission, nothing else.
  auditor: PERMISSIONS.filter((permission) => permission.endsWith(':read')),
};

const PERMISSION_SETS: Readonly<Record<Role, ReadonlySet<Permission>>> = {
  admin: new Set(ROLE_PERMISSIONS.admin),
  analyst: new Set(ROLE_PERMISSIONS.analyst),
  'org-admin': new Set(ROLE_PERMISSIONS['org-admin']),
  auditor: new Set(ROLE_PERMISSIONS.auditor),
};

/** Roles bound to one organization (all others see every organization). */
const ORGANIZATION_ROLES: ReadonlySet<Role> = new Set<Role>(['org-admin']);

/** Is `value` one of `ROLES`? (Rows from the database are checked with this.) */
export function isRole(value: unknown): value is Role {
  return typeof value === 'string' && (ROLES as readonly string[]).includes(value);
}

/** Is `value` one of `PERMISSIONS`? */
export function isPermission(value: unknown): value is Permission {
  return typeof value === 'string' && (PERMISSIONS as readonly string[]).includes(value);
}

/** The permissions a role grants (before any organization binding or token scope). */
export function permissionsOf(role: Role): ReadonlySet<Permission> {
  const set = PERMISSION_SETS[role];
  // A role string from a damaged row must not fall through to "no checks".
  if (set === undefined) throw new MoatError('ACCESS_INVALID_PRINCIPAL', `unknown role ${JSON.stringify(role)}`);
  // A copy: ReadonlySet is only a type, and a caller's cast must not change the table.
  return new Set(set);
}

/** Does `role` bind its holder to one organization? */
export function isOrganizationRole(role: Role): boolean {
  return ORGANIZATION_ROLES.has(role);
}

function invalid(message: string): MoatError {
  return new MoatError('ACCESS_INVALID_PRINCIPAL', message);
}

/**
 * Builds a principal; `scopes` (a token's) narrows the role's permissions, never widens them.
 * Throws `ACCESS_INVALID_PRINCIPAL` for an unknown role or scope, a bad id, an org-admin
 * without an organization or another role with one.
 */
export function createPrincipal(input: PrincipalInput): Principal {
  const { kind, userId, username, role, organizationId, scopes } = input;
  if (kind !== 'session' && kind !== 'token') throw invalid(`unknown principal kind ${JSON.stringify(kind)}`);
  if (!Number.isSafeInteger(userId) || userId < 0) throw invalid(`user id ${String(userId)} is not a non-negative integer`);
  if (typeof username !== 'string' || username.length === 0) throw invalid(`user ${userId} has no username`);
  if (!isRole(role)) throw invalid(`user ${userId} has unknown role ${JSON.stringify(role)}`);
  if (isOrganizationRole(role)) {
    if (organizationId === null || !Number.isSafeInteger(organizationId) || organizationId <= 0) {
      // An org-admin without an organization would otherwise have no boundary at all.
      throw invalid(`user ${userId} has role ${role} but no valid organization`);
    }
  } else if (organizationId !== null) {
    // An installation-wide role tied to an organization is ambiguous; refuse rather than guess.
    throw invalid(`user ${userId} has role ${role}, which is installation-wide, but organization ${String(organizationId)}`);
  }
  const granted = permissionsOf(role);
  let permissions = granted;
  if (scopes !== undefined) {
    for (const scope of scopes) {
      if (!isPermission(scope)) throw invalid(`token of user ${userId} has unknown scope ${JSON.stringify(scope)}`);
    }
    // Intersection: a scope the role no longer grants (role changed after the token
    // was made) is dropped, never honoured.
    permissions = new Set(scopes.filter((scope) => granted.has(scope)));
  }
  return Object.freeze({ kind, userId, username, role, organizationId, permissions });
}

/**
 * Does the principal hold `permission` at all, on some data? For list routes that
 * then narrow what they return with `visibleOrganizations`. Never use it alone on
 * one organization's data: use `isAllowed`.
 */
export function hasPermission(principal: Principal, permission: Permission): boolean {
  return principal.permissions.has(permission);
}

/**
 * May `principal` do `permission` on data of `organizationId` (undefined: installation-wide data)?
 * An org-admin: only on its own organization, never on installation-wide data
 * (totals over all organizations and the list of organizations are other
 * organizations' data too).
 */
export function isAllowed(principal: Principal, permission: Permission, organizationId?: number): boolean {
  if (!principal.permissions.has(permission)) return false;
  if (!isOrganizationRole(principal.role)) return true;
  return organizationId !== undefined && principal.organizationId !== null && organizationId === principal.organizationId;
}

/** Throws `ACCESS_DENIED` unless `isAllowed`; for routes that prefer a throw to a branch. */
export function assertAllowed(principal: Principal, permission: Permission, organizationId?: number): void {
  if (!isAllowed(principal, permission, organizationId)) {
    const scope = organizationId === undefined ? 'installation-wide data' : `organization ${organizationId}`;
    throw new MoatError('ACCESS_DENIED', `user ${principal.username} (${principal.role}) may not ${permission} on ${scope}`);
  }
}

/** The organizations whose data the principal may see: 'all', or exactly its own. */
export function visibleOrganizations(principal: Principal): 'all' | readonly number[] {
  if (!isOrganizationRole(principal.role)) return 'all';
  // createPrincipal guarantees the id; an empty list still fails closed if it did not.
  return principal.organizationId === null ? [] : [principal.organizationId];
}

/**
 * May `principal` create or change a user to hold `role` in `organizationId` (null:
 * installation-wide)? Stops privilege escalation through `users:write`: an admin may
 * assign any role; an org-admin only org-admin in its own organization; nobody else any.
 */
export function mayAssignRole(principal: Principal, role: Role, organizationId: number | null): boolean {
  if (!principal.permissions.has('users:write')) return false;
  if (principal.role === 'admin') return isOrganizationRole(role) ? organizationId !== null : organizationId === null;
  if (principal.role === 'org-admin') {
    return role === 'org-admin' && organizationId !== null && organizationId === principal.organizationId;
  }
  return false;
}
