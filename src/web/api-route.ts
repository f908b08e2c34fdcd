/**
 * How an admin API route is declared and guarded. Every route names its
 * auth (`none` with a reason, `authenticated`, or the one permission it
 * needs); every state-changing route names the audit action it records.
 * Registration refuses a route that omits either, so a new route cannot be
 * left open or unaudited by accident. Organization-level checks need the
 * resource, so handlers make them (`allowOrganization`).
 */
import type { FastifyInstance, FastifyReply, FastifyRequest, FastifySchema } from 'fastify';
import { isAllowed, type Permission, type Principal } from '../access/index.js';
import { MoatError } from '../core/index.js';
import type { AuditEntry, AuditLogPort } from './access-ports.js';
import type { AuthFailure, Authenticator } from './authenticate.js';

/** `none`: open (say why in `authReason`); `authenticated`: any signed-in caller; else the permission required. */
export type RouteAuth = 'none' | 'authenticated' | Permission;

// Fastify's documented way to type a route's `config`: every route carries its auth there (see assertRouteAuth).
declare module 'fastify' {
  interface FastifyContextConfig {
    auth?: RouteAuth;
  }
}

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

/** What the audit entry of a request says beyond the route's action. */
interface AuditFields {
  target?: string;
  organizationId?: number | null;
  detail?: unknown;
  actor?: string;
}

/** What a handler gets: the request, the caller, and where to say what the action touched. */
export interface RouteContext {
  readonly request: FastifyRequest;
  readonly reply: FastifyReply;
  /** The caller; undefined only on `none` routes. */
  readonly principal: Principal | undefined;
  /** Fills in the audit entry of this request (target, organization, detail). */
  auditAs(fields: { target?: string; organizationId?: number | null; detail?: unknown; actor?: string }): void;
}

export interface ApiRoute {
  readonly method: HttpMethod;
  readonly url: string;
  readonly auth: RouteAuth;
  /** Required for `none`: why this route is open. */
  readonly authReason?: string;
  /** Required for POST, PUT, PATCH and DELETE: the action the audit log records (`quarantine.release`). */
  readonly audit?: string;
  readonly summary: string;
  readonly tags: readonly string[];
  readonly schema?: FastifySchema;
  /** Body limit for this route, when it takes more than the server's default. */
  readonly bodyLimit?: number;
  handler(context: RouteContext): Promise<unknown>;
}

/** A refusal or a bad request the caller may be told about: status and a short, fixed message. */
export class HttpError extends MoatError {
  constructor(
    readonly statusCode: number,
    message: string,
  ) {
    super('HTTP_REFUSED', message);
    this.name = 'HttpError';
  }
}

const UNSAFE = new Set<HttpMethod>(['POST', 'PUT', 'PATCH', 'DELETE']);

/** Throws 404 unless the caller may act on data of `organizationId`: another organization's data does not exist for it. */
export function allowOrganization(principal: Principal | undefined, permission: Permission, organizationId: number): void {
  if (principal === undefined || !isAllowed(principal, permission, organizationId)) throw new HttpError(404, 'not found');
}

/** Path parameters of a route addressing a row by its integer id (`/:id`). */
export const ID_PARAMS = { type: 'object', required: ['id'], properties: { id: { type: 'integer', minimum: 1 } } } as const;

/** Query properties of a list paged newest first: a page size and the last id of the page before. */
export const PAGE_QUERY_PROPERTIES = {
  limit: { type: 'integer', minimum: 1, maximum: 1000 },
  beforeId: { type: 'integer', minimum: 1 },
} as const;

/** A full page's cursor for the next one (`nextBeforeId`); none when the page is the last. */
export function nextPageCursor(rows: readonly { readonly id: number }[], limit: number): { nextBeforeId?: number } {
  const last = rows.at(-1);
  return rows.length === limit && last !== undefined ? { nextBeforeId: last.id } : {};
}

/** Throws 403 unless the caller holds `permission` for installation-wide data. */
export function allowInstallation(principal: Principal | undefined, permission: Permission): void {
  if (principal === undefined || !isAllowed(principal, permission)) throw new HttpError(403, 'forbidden');
}

function checkDeclaration(route: ApiRoute): void {
  if (route.auth === 'none' && (route.authReason === undefined || route.authReason.trim() === '')) {
    throw new MoatError('ROUTE_AUTH_MISSING', `route ${route.method} ${route.url} is open without an authReason`);
  }
  if (UNSAFE.has(route.method) && route.audit === undefined) {
    throw new MoatError('ROUTE_AUDIT_MISSING', `route ${route.method} ${route.url} changes state but names no audit action`);
  }
}

const REPLY_FOR: Record<AuthFailure, { status: number; message: string }> = {
  missing: { status: 401, message: 'sign in first' },
  invalid: { status: 401, message: 'sign in first' },
  expired: { status: 401, message: 'session expired' },
  csrf: { status: 403, message: 'missing or wrong CSRF token' },
};

/** Registers `routes` on `app` behind the authenticator; audit entries go to `audit`. */
export function registerApiRoutes(app: FastifyInstance, routes: readonly ApiRoute[], options: { authenticator: Authenticator; audit: AuditLogPort; now?: () => Date }): void {
  const now = options.now ?? (() => new Date());
  // The caller, found before the body is even parsed: an anonymous request never reaches validation.
  const principals = new WeakMap<FastifyRequest, Principal>();

  const record = async (request: FastifyRequest, route: ApiRoute, principal: Principal | undefined, outcome: AuditEntry['outcome'], fields: AuditFields = {}): Promise<void> => {
    if (route.audit === undefined) return;
    const entry: AuditEntry = {
      at: now(),
      actor: fields.actor ?? principal?.username ?? 'anonymous',
      actorKind: principal?.kind ?? 'session',
      action: route.audit,
      outcome,
      ip: request.ip,
      ...(fields.target === undefined ? {} : { target: fields.target }),
      organizationId: fields.organizationId === undefined ? (principal?.organizationId ?? null) : fields.organizationId,
      ...(fields.detail === undefined ? {} : { detail: fields.detail }),
    };
    // The action stands whatever happens to its record; a lost record is for the operator to see in the log.
    await options.audit.append(entry).catch((error: unknown) => request.log.error({ err: error, action: route.audit }, 'audit log write failed'));
  };

  const guard = (route: ApiRoute, auth: Exclude<RouteAuth, 'none'>) => async (request: FastifyRequest, reply: FastifyReply): Promise<void> => {
    const result = await options.authenticator.authenticate(request);
    if (!result.ok) {
      const { status, message } = REPLY_FOR[result.failure];
      if (status === 401) void reply.header('www-authenticate', 'Bearer realm="moat"');
      if (result.failure !== 'missing') await record(request, route, undefined, 'denied');
      await reply.code(status).send({ status: 'error', statusCode: status, message });
      return;
    }
    if (auth !== 'authenticated' && !result.principal.permissions.has(auth)) {
      await record(request, route, result.principal, 'denied');
      await reply.code(403).send({ status: 'error', statusCode: 403, message: 'forbidden' });
      return;
    }
    principals.set(request, result.principal);
  };

  for (const route of routes) {
    checkDeclaration(route);
    const auth = route.auth;
    app.route({
      method: route.method,
      url: route.url,
      config: { auth },
      ...(route.bodyLimit === undefined ? {} : { bodyLimit: route.bodyLimit }),
      schema: { ...route.schema, summary: route.summary, tags: [...route.tags], ...(auth === 'none' ? {} : { security: [{ session: [] }, { bearer: [] }] }) },
      ...(auth === 'none' ? {} : { onRequest: guard(route, auth) }),
      handler: async (request, reply) => {
        const fields: AuditFields = {};
        const principal = principals.get(request);
        try {
          const body = await route.handler({ request, reply, principal, auditAs: (more) => Object.assign(fields, more) });
          await record(request, route, principal, reply.statusCode >= 400 ? 'denied' : 'ok', fields);
          return body;
        } catch (error) {
          await record(request, route, principal, error instanceof HttpError && error.statusCode < 500 ? 'denied' : 'failed', fields);
          throw error;
        }
      },
    });
  }
}
