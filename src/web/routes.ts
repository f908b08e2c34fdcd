/**
 * The HTTP route table. Every route states its auth explicitly; the server
 * refuses to register a route without one, and a test asserts the table.
 *
 * `/healthz` and `/metrics` are deliberately unauthenticated: the HTTP
 * listener binds to loopback by default, load balancers, orchestrator probes
 * and Prometheus scrapers expect them open, and neither returns message data,
 * config or failure details (those go to the log).
 */

/**
 * How a route authenticates: `none`, or `admin-token` — a bearer token that
 * must equal `http.adminToken` (compared as SHA-256 digests in constant
 * time). The admin API issue adds sessions, scoped API tokens and roles.
 */
export type RouteAuth = 'none' | 'admin-token';

export type RouteId = 'healthz' | 'metrics' | 'reload';

export interface RouteSpec {
  readonly id: RouteId;
  readonly method: 'GET' | 'POST';
  readonly url: string;
  readonly auth: RouteAuth;
  /** Why the auth is what it is; required so an unauthenticated route is a decision, not an omission. */
  readonly authReason: string;
}

export const ROUTE_TABLE: readonly RouteSpec[] = [
  {
    id: 'healthz',
    method: 'GET',
    url: '/healthz',
    auth: 'none',
    authReason: 'liveness/readiness probe; loopback by default; reports check names only',
  },
  {
    id: 'metrics',
    method: 'GET',
    url: '/metrics',
    auth: 'none',
    authReason: 'Prometheus scrape target; loopback by default; aggregate counters only',
  },
  {
    id: 'reload',
    method: 'POST',
    url: '/api/v1/reload',
    auth: 'admin-token',
    authReason: 'changes what the gateway enforces (YARA rules, policy); operators and automation only',
  },
];
