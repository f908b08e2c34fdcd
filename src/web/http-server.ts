/**
 * The HTTP endpoint: `/healthz` and `/metrics` now, the admin API later.
 * The factory builds the Fastify instance; `app/` calls `listen()` and
 * `close()`, so constructing it opens no socket.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { fastify, LogController } from 'fastify';
import type { FastifyBaseLogger, FastifyInstance, FastifyReply, FastifyRequest, RouteOptions } from 'fastify';
import { MoatError } from '../core/index.js';
import type { Logger, Metrics } from '../observability/index.js';
import { ROUTE_TABLE } from './routes.js';
import type { RouteId } from './routes.js';

export interface HealthCheckResult {
  readonly ok: boolean;
  /** Why it failed; logged, never sent to the (unauthenticated) client. */
  readonly detail?: string;
}

export interface HealthReport {
  /** One entry per dependency, e.g. `spool`, `database`, `clamav`. */
  readonly checks: Readonly<Record<string, HealthCheckResult>>;
}

export interface HttpServerOptions {
  readonly logger: Logger;
  readonly metrics: Metrics;
  /** Runs the health checks; called on every `/healthz`. */
  readonly health: () => Promise<HealthReport>;
  /** Deadline for `health()`; default {@link HEALTH_TIMEOUT_MS}. */
  readonly healthTimeoutMs?: number;
  /** `http.adminToken`; absent: every `admin-token` route refuses every caller. */
  readonly adminToken?: string;
  /** Reloads rules and policy (`POST /api/v1/reload`); absent: the route answers 503. */
  readonly reload?: () => Promise<ReloadReport>;
}

/** What a reload did; `ok` is false when any part was refused (the running one stays). */
export interface ReloadReport {
  readonly ok: boolean;
  readonly parts: Readonly<Record<string, { readonly ok: boolean; readonly detail: string }>>;
}

/** Probes usually time out after a few seconds; answer before they do. */
export const HEALTH_TIMEOUT_MS = 3000;
/** Only GETs exist so far; a body this size is already abuse. Later API routes set their own limits. */
const BODY_LIMIT_BYTES = 64 * 1024;
/** Slow-client bound: a request must arrive whole within this. */
const REQUEST_TIMEOUT_MS = 10_000;
const KEEP_ALIVE_TIMEOUT_MS = 5_000;

type Handler = (request: FastifyRequest, reply: FastifyReply) => Promise<unknown>;

async function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new MoatError('HEALTH_TIMEOUT', `health checks did not finish within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

const sha256 = (text: string): Buffer => createHash('sha256').update(text, 'utf8').digest();

/**
 * Checks `Authorization: Bearer <token>` against the configured token. Both
 * sides are hashed first so the comparison is constant-time whatever the
 * presented length.
 */
function createAdminTokenCheck(adminToken: string | undefined): (request: FastifyRequest, reply: FastifyReply) => Promise<void> {
  const expected = adminToken === undefined ? undefined : sha256(adminToken);
  return async (request, reply) => {
    const header = request.headers.authorization ?? '';
    const match = /^Bearer ([\x21-\x7e]{1,512})$/.exec(header);
    const presented = match?.[1];
    if (expected !== undefined && presented !== undefined && timingSafeEqual(sha256(presented), expected)) return;
    request.log.warn({ route: request.routeOptions.url, ip: request.ip, configured: expected !== undefined }, 'admin request refused');
    await reply.code(401).header('www-authenticate', 'Bearer realm="moat"').send({ status: 'error', statusCode: 401 });
  };
}

function createHandlers(options: HttpServerOptions): Record<RouteId, Handler> {
  const timeoutMs = options.healthTimeoutMs ?? HEALTH_TIMEOUT_MS;
  return {
    async healthz(request, reply) {
      void reply.header('cache-control', 'no-store');
      let report: HealthReport;
      try {
        report = await withTimeout(Promise.resolve().then(options.health), timeoutMs);
      } catch (error) {
        request.log.warn({ err: error, check: 'health' }, 'health check failed');
        return reply.code(503).send({ status: 'fail', failing: ['health'], checks: { health: 'fail' } });
      }
      const checks: Record<string, 'ok' | 'fail'> = {};
      const failing: string[] = [];
      for (const [name, result] of Object.entries(report.checks)) {
        checks[name] = result.ok ? 'ok' : 'fail';
        if (!result.ok) {
          failing.push(name);
          request.log.warn({ check: name, detail: result.detail }, 'health check failed');
        }
      }
      if (failing.length > 0) return reply.code(503).send({ status: 'fail', failing, checks });
      return reply.code(200).send({ status: 'ok', checks });
    },
    async metrics(_request, reply) {
      const { contentType, body } = await options.metrics.render();
      return reply.code(200).header('content-type', contentType).header('cache-control', 'no-store').send(body);
    },
    async reload(request, reply) {
      if (options.reload === undefined) return reply.code(503).send({ status: 'error', statusCode: 503 });
      const report = await options.reload();
      request.log.info({ ok: report.ok, parts: Object.keys(report.parts) }, 'reload requested over HTTP');
      // 409: the request was valid but what is on disk or in the database was refused.
      return reply.code(report.ok ? 200 : 409).header('cache-control', 'no-store').send(report);
    },
  };
}

/** Every route must declare its auth; a route without it is a bug caught at start-up, not in production. */
function assertRouteAuth(route: RouteOptions): void {
  const config: unknown = route.config;
  const auth = config !== null && typeof config === 'object' ? (config as { auth?: unknown }).auth : undefined;
  if (typeof auth !== 'string') {
    throw new MoatError('ROUTE_AUTH_MISSING', `route ${String(route.method)} ${route.url} does not declare its auth`);
  }
}

/** Builds the HTTP server (`/healthz`, `/metrics`, `/api/v1/reload`) without listening. */
export function createHttpServer(options: HttpServerOptions): FastifyInstance {
  // Widened to Fastify's logger interface so the instance has the plain `FastifyInstance` type others expect.
  const log: FastifyBaseLogger = options.logger.child({ component: 'http' });
  const app = fastify({
    loggerInstance: log,
    // Probes and scrapes arrive every few seconds; one info line each would drown the transaction log.
    logController: new LogController({ disableRequestLogging: true }),
    // Client-supplied request ids would let anyone forge correlation in our logs.
    requestIdHeader: false,
    bodyLimit: BODY_LIMIT_BYTES,
    requestTimeout: REQUEST_TIMEOUT_MS,
    connectionTimeout: REQUEST_TIMEOUT_MS,
    keepAliveTimeout: KEEP_ALIVE_TIMEOUT_MS,
    routerOptions: { maxParamLength: 200 },
  });

  app.addHook('onRoute', assertRouteAuth);

  app.setErrorHandler((error, request, reply) => {
    const status = typeof (error as { statusCode?: unknown }).statusCode === 'number' ? (error as { statusCode: number }).statusCode : 500;
    if (status >= 500) request.log.error({ err: error }, 'http request failed');
    // Unauthenticated callers get the status only, never internal messages.
    return reply.code(status).send({ status: 'error', statusCode: status });
  });

  const handlers = createHandlers(options);
  const adminTokenCheck = createAdminTokenCheck(options.adminToken);
  for (const spec of ROUTE_TABLE) {
    app.route({
      method: spec.method,
      url: spec.url,
      config: { auth: spec.auth },
      ...(spec.auth === 'admin-token' ? { onRequest: adminTokenCheck } : {}),
      handler: handlers[spec.id],
    });
  }
  return app;
}
