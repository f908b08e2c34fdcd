/**
 * API tokens for automation: each belongs to a user, acts with that user's
 * role narrowed to the scopes it was given, can expire, and can be revoked.
 * The token is shown once; the database keeps its SHA-256.
 */
import { generateApiToken, PERMISSIONS, type Permission } from '../../access/index.js';
import type { AccessPorts } from '../access-ports.js';
import { HttpError, ID_PARAMS, type ApiRoute } from '../api-route.js';

const MAX_TOKEN_DAYS = 3650;

export function tokenRoutes(options: { ports: AccessPorts; now?: () => Date }): ApiRoute[] {
  const { ports } = options;
  const now = options.now ?? (() => new Date());
  return [
    {
      method: 'GET',
      url: '/api/v1/tokens',
      auth: 'authenticated',
      summary: 'My API tokens (an administrator may list everyone’s with ?all=true)',
      tags: ['tokens'],
      schema: { querystring: { type: 'object', additionalProperties: false, properties: { all: { type: 'boolean' } } } },
      async handler({ request, principal }) {
        if (principal === undefined) throw new HttpError(401, 'sign in first');
        const all = (request.query as { all?: boolean }).all === true;
        if (all && principal.role !== 'admin') throw new HttpError(403, 'forbidden');
        return { tokens: await ports.tokens.list(all ? {} : { userId: principal.userId }) };
      },
    },
    {
      method: 'POST',
      url: '/api/v1/tokens',
      auth: 'authenticated',
      audit: 'token.create',
      summary: 'Create an API token for myself; the token is shown once',
      tags: ['tokens'],
      schema: {
        body: {
          type: 'object',
          additionalProperties: false,
          required: ['name'],
          properties: {
            name: { type: 'string', minLength: 1, maxLength: 80 },
            scopes: { type: 'array', uniqueItems: true, maxItems: PERMISSIONS.length, items: { type: 'string', enum: [...PERMISSIONS] } },
            expiresInDays: { type: 'integer', minimum: 1, maximum: MAX_TOKEN_DAYS },
          },
        },
      },
      async handler({ request, reply, principal, auditAs }) {
        if (principal === undefined || principal.userId === 0) throw new HttpError(403, 'tokens belong to users');
        // A token made with a token could outlive the one that made it: only a signed-in user makes tokens.
        if (principal.kind !== 'session') throw new HttpError(403, 'create tokens from a signed-in session');
        const body = request.body as { name: string; scopes?: Permission[]; expiresInDays?: number };
        const beyond = (body.scopes ?? []).filter((s) => !principal.permissions.has(s));
        if (beyond.length > 0) throw new HttpError(403, `not yours to give: ${beyond.join(', ')}`);
        const at = now();
        const { token, hash, prefix } = generateApiToken();
        const created = await ports.tokens.create({
          userId: principal.userId,
          name: body.name,
          tokenHash: hash,
          prefix,
          ...(body.scopes === undefined ? {} : { scopes: body.scopes }),
          at,
          ...(body.expiresInDays === undefined ? {} : { expiresAt: new Date(at.getTime() + body.expiresInDays * 86_400_000) }),
        });
        auditAs({ target: `token:${created.id}`, detail: { name: body.name, scopes: body.scopes ?? 'role' } });
        void reply.code(201).header('cache-control', 'no-store');
        return { token: created, secret: token };
      },
    },
    {
      method: 'DELETE',
      url: '/api/v1/tokens/:id',
      auth: 'authenticated',
      audit: 'token.revoke',
      summary: 'Revoke a token (mine, or anyone’s for an administrator)',
      tags: ['tokens'],
      schema: { params: ID_PARAMS },
      async handler({ request, principal, auditAs }) {
        if (principal === undefined) throw new HttpError(401, 'sign in first');
        const { id } = request.params as { id: number };
        auditAs({ target: `token:${id}` });
        const mine = principal.role === 'admin' ? await ports.tokens.list({}) : await ports.tokens.list({ userId: principal.userId });
        if (!mine.some((t) => t.id === id)) throw new HttpError(404, 'not found');
        await ports.tokens.revoke(id, now());
        return { status: 'ok' };
      },
    },
  ];
}
