/**
 * The HTTP endpoint: probes and metrics, the OpenAPI description, and the
 * admin API (sessions, users, tokens, audit, reload). The factory builds the
 * Fastify instance; `app/` calls `listen()` and `close()`, so constructing
 * it opens no socket.
 */
import fastifyCookie from '@fastify/cookie';
import fastifySwagger from '@fastify/swagger';
import { fastify, LogController } from 'fastify';
import type { FastifyBaseLogger, FastifyInstance, RouteOptions } from 'fastify';
import { MoatError } from '../core/index.js';
import type { Logger, Metrics } from '../observability/index.js';
import type { AccessPorts, AuditLogPort } from './access-ports.js';
import { HttpError, registerApiRoutes, type ApiRoute } from './api-route.js';
import { auditRoutes } from './api/audit.js';
import { messageRoutes } from './api/messages.js';
import { quarantineRoutes } from './api/quarantine.js';
import type { MailPorts } from './mail-ports.js';
import { policyRoutes } from './api/policy.js';
import { dashboardRoutes } from './api/dashboard.js';
import { previewRoutes } from './api/preview.js';
import { indicatorRoutes, registerCsvParser } from './api/indicators.js';
import type { IntelPort } from './intel-ports.js';
import type { FeedsPort } from './feeds-ports.js';
import { intelFeedRoutes } from './api/intel-feeds.js';
import type { HuntPort } from './hunt-ports.js';
import { huntRoutes } from './api/hunts.js';
import { campaignRoutes } from './api/campaigns.js';
import type { CampaignPort } from './campaign-ports.js';
import type { PreviewPort } from './preview-ports.js';
import type { DashboardPort } from './dashboard-ports.js';
import type { PolicyPort } from './policy-ports.js';
import { sessionRoutes, type LoginSettings, type SecureCookies } from './api/session.js';
import { tokenRoutes } from './api/tokens.js';
import { userRoutes } from './api/users.js';
import { createAuthenticator, type SessionSettings } from './authenticate.js';
import { systemRoutes } from './routes.js';
import { registerUi } from './ui.js';

export { HEALTH_TIMEOUT_MS } from './routes.js';

export interface HealthCheckResult {
  readonly ok: boolean;
  /** Why it failed; logged, never sent to the (unauthenticated) client. */
  readonly detail?: string;
}

export interface HealthReport {
  /** One entry per dependency, e.g. `spool`, `database`, `clamav`. */
  readonly checks: Readonly<Record<string, HealthCheckResult>>;
}

/** Users, sessions, tokens and the audit log, with the login rules. */
export interface AccessOptions {
  readonly ports: AccessPorts;
  readonly sessions: SessionSettings;
  readonly login: LoginSettings;
  /** Names the installation in authenticator apps. */
  readonly issuer: string;
  /** The session cookie's Secure flag (`http.secureCookies`). */
  readonly secureCookies?: SecureCookies;
}

export interface HttpServerOptions {
  readonly logger: Logger;
  readonly metrics: Metrics;
  /** Runs the health checks; called on every `/healthz`. */
  readonly health: () => Promise<HealthReport>;
  /** Deadline for `health()`; default {@link HEALTH_TIMEOUT_MS}. */
  readonly healthTimeoutMs?: number;
  /** `http.adminToken`: a bearer token that acts as an installation administrator. */
  readonly adminToken?: string;
  /** Reloads rules and policy (`POST /api/v1/reload`); absent: the route answers 503. */
  readonly reload?: () => Promise<ReloadReport>;
  /** The admin API's users; absent, only `adminToken` signs in and no user route exists. */
  readonly access?: AccessOptions;
  /** The message log and the quarantine, for the trace and quarantine routes. */
  readonly mail?: MailPorts;
  /** Organizations and the policy document, for the policy editor routes. */
  readonly policy?: PolicyPort;
  /** Figures and health for the dashboard route. */
  readonly dashboard?: DashboardPort;
  /** Safe previews of quarantined mail, rendered in a bounded worker. */
  readonly preview?: PreviewPort;
  /** Indicators kept in the database, for the indicator routes. */
  readonly intel?: IntelPort;
  /** Retro-hunts: runs, their findings per organization, a hunt on demand. */
  readonly hunts?: HuntPort;
  /** Campaigns: list, reports, exports and the analyst's changes. */
  readonly campaigns?: CampaignPort;
  /** TAXII feeds: their state and a poll on demand (absent when none is configured). */
  readonly feeds?: FeedsPort;
  /** Absolute path of the built admin UI (dist/ui); absent: no UI is served, the API stands alone. */
  readonly uiRoot?: string;
  readonly now?: () => Date;
}

/** What a reload did; `ok` is false when any part was refused (the running one stays). */
export interface ReloadReport {
  readonly ok: boolean;
  readonly parts: Readonly<Record<string, { readonly ok: boolean; readonly detail: string }>>;
}

/** JSON bodies of the API are small; a bigger one is abuse. Routes that take more say so. */
const BODY_LIMIT_BYTES = 64 * 1024;
/** Slow-client bound: a request must arrive whole within this. */
const REQUEST_TIMEOUT_MS = 10_000;
const KEEP_ALIVE_TIMEOUT_MS = 5_000;
/** Without a database (no `access`), sessions are refused anyway; these only shape the types. */
const NO_SESSIONS: SessionSettings = { idleMinutes: 1, maxHours: 1 };

/** Every route must declare its auth; a route without it is a bug caught at start-up, not in production. */
function assertRouteAuth(route: RouteOptions): void {
  const config: unknown = route.config;
  const auth = config !== null && typeof config === 'object' ? (config as { auth?: unknown }).auth : undefined;
  if (typeof auth !== 'string') {
    throw new MoatError('ROUTE_AUTH_MISSING', `route ${String(route.method)} ${route.url} does not declare its auth`);
  }
}

/** Without a database the audit trail is the log. */
function logAudit(logger: FastifyBaseLogger): AuditLogPort {
  return {
    append: async (entry) => logger.info({ audit: { ...entry, at: entry.at.toISOString() } }, 'audit'),
    list: async () => [],
  };
}

/** Every route of the server, system routes first: the OpenAPI document and the route-table test read this. */
export function apiRoutes(app: FastifyInstance, options: HttpServerOptions): ApiRoute[] {
  const system = systemRoutes({ app, metrics: options.metrics, health: options.health, ...(options.healthTimeoutMs === undefined ? {} : { healthTimeoutMs: options.healthTimeoutMs }), ...(options.reload === undefined ? {} : { reload: options.reload }) });
  const access = options.access;
  if (access === undefined) return system;
  const now = options.now === undefined ? {} : { now: options.now };
  return [
    ...system,
    ...sessionRoutes({ ports: access.ports, sessions: access.sessions, login: access.login, issuer: access.issuer, ...(access.secureCookies === undefined ? {} : { secureCookies: access.secureCookies }), ...now }),
    ...userRoutes({ ports: access.ports, ...now }),
    ...tokenRoutes({ ports: access.ports, ...now }),
    ...auditRoutes({ ports: access.ports }),
    ...(options.mail === undefined ? [] : [...messageRoutes({ mail: options.mail }), ...quarantineRoutes({ mail: options.mail })]),
    ...(options.policy === undefined ? [] : policyRoutes({ policy: options.policy })),
    ...(options.dashboard === undefined ? [] : dashboardRoutes({ dashboard: options.dashboard, ...now })),
    ...(options.preview === undefined ? [] : previewRoutes({ preview: options.preview })),
    ...(options.intel === undefined ? [] : indicatorRoutes({ intel: options.intel })),
    ...(options.hunts === undefined ? [] : huntRoutes({ hunts: options.hunts })),
    ...(options.campaigns === undefined ? [] : campaignRoutes({ campaigns: options.campaigns })),
    ...(options.feeds === undefined ? [] : intelFeedRoutes({ feeds: options.feeds })),
  ];
}

/** Builds the HTTP server without listening. */
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
    ajv: { customOptions: { removeAdditional: false, coerceTypes: 'array', useDefaults: true } },
  });

  app.addHook('onRoute', assertRouteAuth);

  app.setErrorHandler((error, request, reply) => {
    if (error instanceof HttpError) return reply.code(error.statusCode).send({ status: 'error', statusCode: error.statusCode, message: error.message });
    const validation = (error as { validation?: unknown }).validation;
    if (validation !== undefined) return reply.code(400).send({ status: 'error', statusCode: 400, message: error instanceof Error ? error.message : 'invalid request' });
    const status = typeof (error as { statusCode?: unknown }).statusCode === 'number' ? (error as { statusCode: number }).statusCode : 500;
    if (status >= 500) request.log.error({ err: error }, 'http request failed');
    // Anything else: the status only, never an internal message.
    return reply.code(status).send({ status: 'error', statusCode: status });
  });

  void app.register(fastifyCookie);
  void app.register(fastifySwagger, {
    openapi: {
      openapi: '3.1.0',
      info: { title: 'Moat admin API', version: '1' },
      components: {
        securitySchemes: {
          session: { type: 'apiKey', in: 'cookie', name: 'moat_session', description: 'After POST /api/v1/session; state-changing requests also send X-CSRF-Token.' },
          bearer: { type: 'http', scheme: 'bearer', description: 'An API token (moat_...) or http.adminToken.' },
        },
      },
    },
  });
  const ports = options.access?.ports;
  const authenticator = createAuthenticator({
    sessions: options.access?.sessions ?? NO_SESSIONS,
    ...(ports === undefined ? {} : { ports }),
    ...(options.adminToken === undefined ? {} : { adminToken: options.adminToken }),
    ...(options.now === undefined ? {} : { now: options.now }),
  });
  void app.register(async (scope) => {
    // CSV feeds are posted as text/csv (POST /api/v1/indicators/import).
    if (options.intel !== undefined) registerCsvParser(scope);
    registerApiRoutes(scope, apiRoutes(app, options), {
      authenticator,
      audit: ports?.audit ?? logAudit(log),
      ...(options.now === undefined ? {} : { now: options.now }),
    });
  });
  if (options.uiRoot !== undefined) registerUi(app, { uiRoot: options.uiRoot });
  return app;
}
