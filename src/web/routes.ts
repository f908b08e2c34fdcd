/**
 * The HTTP route table. Every route states its auth explicitly; the server
 * refuses to register a route without one, and a test asserts the table.
 *
 * `/healthz` and `/metrics` are deliberately unauthenticated: the HTTP
 * listener binds to loopback by default, load balancers, orchestrator probes
 * and Prometheus scrapers expect them open, and neither returns message data,
 * config or failure details (those go to the log).
 */

/** How a route authenticates. Later routes add session and API-token kinds. */
export type RouteAuth = 'none';

export type RouteId = 'healthz' | 'metrics';

export interface RouteSpec {
  readonly id: RouteId;
  readonly method: 'GET';
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
];
