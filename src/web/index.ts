/** The HTTP endpoint: health and metrics now, the admin API later. */
export { createHttpServer, HEALTH_TIMEOUT_MS } from './http-server.js';
export type { HttpServerOptions, HealthReport, HealthCheckResult, ReloadReport } from './http-server.js';
export { ROUTE_TABLE } from './routes.js';
export type { RouteSpec, RouteAuth, RouteId } from './routes.js';
