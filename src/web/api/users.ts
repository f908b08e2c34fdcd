/**
 * Users and their roles. An administrator manages everyone; an
 * organization administrator only the users of their organization, and only
 * as organization administrators (nobody raises anyone above their own
 * reach). A new or reset password is generated here and shown once.
 */
import { generatePassword, hashPassword, isAllowed, mayAssignRole, ROLES, type Principal, type Role } from '../../access/index.js';
import type { AccessPorts, UserRecord } from '../access-ports.js';
import { allowOrganization, HttpError, ID_PARAMS, type ApiRoute } from '../api-route.js';
import { publicUser } from './session.js';


function checkRoleShape(role: Role, organizationId: number | null): void {
  if (role === 'org-admin' && organizationId === null) throw new HttpError(400, 'an org-admin needs an organizationId');
  if (role !== 'org-admin' && organizationId !== null) throw new HttpError(400, `a ${role} is installation-wide: leave organizationId out`);
}

export function userRoutes(options: { ports: AccessPorts; now?: () => Date }): ApiRoute[] {
  const { ports } = options;
  const now = options.now ?? (() => new Date());

  const target = async (principal: Principal | undefined, id: number): Promise<UserRecord> => {
    const user = await ports.users.get(id);
    if (user === undefined || principal === undefined) throw new HttpError(404, 'not found');
    // Another organization's user, or an installation-wide one for an org-admin, does not exist for the caller.
    if (user.organizationId === null && !isAllowed(principal, 'users:read')) throw new HttpError(404, 'not found');
    if (user.organizationId !== null) allowOrganization(principal, 'users:read', user.organizationId);
    return user;
  };

  return [
    {
      method: 'GET',
      url: '/api/v1/users',
      auth: 'users:read',
      summary: 'List users (an organization administrator sees their organization only)',
      tags: ['users'],
      schema: { querystring: { type: 'object', additionalProperties: false, properties: { organizationId: { type: 'integer', minimum: 1 } } } },
      async handler({ request, principal }) {
        if (principal === undefined) throw new HttpError(401, 'sign in first');
        const asked = (request.query as { organizationId?: number }).organizationId;
        if (principal.role === 'org-admin') {
          if (asked !== undefined && asked !== principal.organizationId) throw new HttpError(404, 'not found');
          return { users: (await ports.users.list({ organizationId: principal.organizationId ?? -1 })).map(publicUser) };
        }
        return { users: (await ports.users.list(asked === undefined ? {} : { organizationId: asked })).map(publicUser) };
      },
    },
    {
      method: 'POST',
      url: '/api/v1/users',
      auth: 'users:write',
      audit: 'user.create',
      summary: 'Create a user; the generated password is shown once',
      tags: ['users'],
      schema: {
        body: {
          type: 'object',
          additionalProperties: false,
          required: ['username', 'role'],
          properties: {
            username: { type: 'string', pattern: '^[a-zA-Z0-9][a-zA-Z0-9._@-]{1,63}$' },
            role: { type: 'string', enum: [...ROLES] },
            organizationId: { type: ['integer', 'null'], minimum: 1 },
          },
        },
      },
      async handler({ request, reply, principal, auditAs }) {
        const body = request.body as { username: string; role: Role; organizationId?: number | null };
        const organizationId = body.organizationId ?? null;
        auditAs({ target: `user:${body.username.toLowerCase()}`, organizationId, detail: { role: body.role } });
        checkRoleShape(body.role, organizationId);
        if (principal === undefined || !mayAssignRole(principal, body.role, organizationId)) throw new HttpError(403, 'forbidden');
        const password = generatePassword();
        const existing = await ports.users.getByUsername(body.username);
        if (existing !== undefined) throw new HttpError(409, 'that username is taken');
        const user = await ports.users.create({ username: body.username.toLowerCase(), passwordHash: await hashPassword(password), role: body.role, organizationId, at: now() });
        void reply.code(201).header('cache-control', 'no-store');
        return { user: publicUser(user), password };
      },
    },
    {
      method: 'PATCH',
      url: '/api/v1/users/:id',
      auth: 'users:write',
      audit: 'user.update',
      summary: 'Change a role, disable or enable, or reset the password (ends the user’s sessions)',
      tags: ['users'],
      schema: {
        params: ID_PARAMS,
        body: {
          type: 'object',
          additionalProperties: false,
          minProperties: 1,
          properties: {
            role: { type: 'string', enum: [...ROLES] },
            organizationId: { type: ['integer', 'null'], minimum: 1 },
            disabled: { type: 'boolean' },
            resetPassword: { type: 'boolean', const: true },
            resetTotp: { type: 'boolean', const: true },
          },
        },
      },
      async handler({ request, reply, principal, auditAs }) {
        const { id } = request.params as { id: number };
        const body = request.body as { role?: Role; organizationId?: number | null; disabled?: boolean; resetPassword?: true; resetTotp?: true };
        auditAs({ target: `user:${id}`, detail: { ...body } });
        const user = await target(principal, id);
        auditAs({ organizationId: user.organizationId });
        const role = body.role ?? user.role;
        const organizationId = body.organizationId === undefined ? user.organizationId : body.organizationId;
        checkRoleShape(role, organizationId);
        if (principal === undefined || !mayAssignRole(principal, user.role, user.organizationId) || !mayAssignRole(principal, role, organizationId)) throw new HttpError(403, 'forbidden');
        if (principal.userId === id && (body.disabled === true || (body.role !== undefined && body.role !== user.role))) {
          throw new HttpError(409, 'you cannot disable yourself or change your own role');
        }
        const password = body.resetPassword === true ? generatePassword() : undefined;
        await ports.users.update(id, {
          ...(body.role === undefined ? {} : { role }),
          ...(body.organizationId === undefined ? {} : { organizationId }),
          ...(body.disabled === undefined ? {} : { disabled: body.disabled }),
          ...(password === undefined ? {} : { passwordHash: await hashPassword(password), passwordChangedAt: now() }),
          ...(body.resetTotp === true ? { totpSecret: null, totpEnabled: false } : {}),
        });
        // A changed role, a disabled account or a new password ends what the old state signed in.
        await ports.sessions.deleteForUser(id);
        const updated = await ports.users.get(id);
        void reply.header('cache-control', 'no-store');
        return { user: updated === undefined ? undefined : publicUser(updated), ...(password === undefined ? {} : { password }) };
      },
    },
  ];
}
