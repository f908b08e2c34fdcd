/**
 * The system routes: probes, metrics, the API description and reload.
 *
 * `/healthz` and `/metrics` are deliberately unauthenticated: the HTTP
 * listener binds to loopback by default, load balancers, orchestrator probes
 * and Prometheus scrapers expect them open, and neither returns message data,
 * config or failure details (those go to the log). The other API routes live
 * in `api/`, one file per resource; `apiRoutes()` in http-server.ts lists them.
 */
import type { FastifyInstance } from 'fastify';
import type { HealthReport, ReloadReport } from './http-server.js';
import type { Metrics } from '../observability/index.js';
import { MoatError } from '../core/index.js';
import type { ApiRoute } from './api-route.js';

/** Probes usually time out after a few seconds; answer before they do. */
export const HEALTH_TIMEOUT_MS = 3000;

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

export interface SystemRouteOptions {
  readonly app: FastifyInstance;
  readonly metrics: Metrics;
  readonly health: () => Promise<HealthReport>;
  readonly healthTimeoutMs?: number;
  readonly reload?: () => Promise<ReloadReport>;
}

export function systemRoutes(options: SystemRouteOptions): ApiRoute[] {
  const timeoutMs = options.healthTimeoutMs ?? HEALTH_TIMEOUT_MS;
  return [
    {
      method: 'GET',
      url: '/healthz',
      auth: 'none',
      authReason: 'liveness/readiness probe; loopback by default; reports check names only',
      summary: 'Health of the node and its dependencies (names only)',
      tags: ['system'],
      async handler({ request, reply }) {
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
    },
    {
      method: 'GET',
      url: '/metrics',
      auth: 'none',
      authReason: 'Prometheus scrape target; loopback by default; aggregate counters only',
      summary: 'Prometheus metrics',
      tags: ['system'],
      async handler({ reply }) {
        const { contentType, body } = await options.metrics.render();
        return reply.code(200).header('content-type', contentType).header('cache-control', 'no-store').send(body);
      },
    },
    {
      method: 'GET',
      url: '/api/docs',
      auth: 'none',
      authReason: 'the OpenAPI description of the API: routes and schemas, no data',
      summary: 'This API, as an OpenAPI 3 document',
      tags: ['system'],
      async handler() {
        return options.app.swagger();
      },
    },
    {
      method: 'POST',
      url: '/api/v1/reload',
      auth: 'system:write',
      audit: 'system.reload',
      summary: 'Reload YARA rules and the policy file; refused parts keep the running ones (409)',
      tags: ['system'],
      async handler({ request, reply, auditAs }) {
        if (options.reload === undefined) return reply.code(503).send({ status: 'error', statusCode: 503 });
        const report = await options.reload();
        auditAs({ detail: { ok: report.ok, parts: Object.fromEntries(Object.entries(report.parts).map(([k, v]) => [k, v.ok])) } });
        request.log.info({ ok: report.ok, parts: Object.keys(report.parts) }, 'reload requested over HTTP');
        // 409: the request was valid but what is on disk or in the database was refused.
        return reply.code(report.ok ? 200 : 409).header('cache-control', 'no-store').send(report);
      },
    },
  ];
}
