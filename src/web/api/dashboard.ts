/**
 * The dashboard: messages per hour by action, top findings and targeted
 * recipients over a window, queue depth per node, and the health of the
 * node's dependencies and engines. An organization administrator sees their
 * organization's figures only, and no installation health.
 */
import { visibleOrganizations } from '../../access/index.js';
import { HttpError, type ApiRoute } from '../api-route.js';
import type { DashboardPort } from '../dashboard-ports.js';

const HOUR_MS = 3_600_000;

export function dashboardRoutes(options: { dashboard: DashboardPort; now?: () => Date }): ApiRoute[] {
  const { dashboard } = options;
  const now = options.now ?? (() => new Date());
  return [
    {
      method: 'GET',
      url: '/api/v1/dashboard',
      auth: 'dashboard:read',
      summary: 'Traffic by hour and action, top findings and recipients, queues and health over the last `hours`',
      tags: ['dashboard'],
      schema: {
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: { hours: { type: 'integer', minimum: 1, maximum: 720 }, organizationId: { type: 'integer', minimum: 1 } },
        },
      },
      async handler({ request, principal }) {
        if (principal === undefined) throw new HttpError(401, 'sign in first');
        const query = request.query as { hours?: number; organizationId?: number };
        const visible = visibleOrganizations(principal);
        if (visible !== 'all' && query.organizationId !== undefined && !visible.includes(query.organizationId)) throw new HttpError(404, 'not found');
        const organizations = visible !== 'all' ? visible : query.organizationId === undefined ? 'all' : [query.organizationId];
        const until = now();
        const hours = query.hours ?? 24;
        const figures = await dashboard.figures({ since: new Date(until.getTime() - hours * HOUR_MS), until, organizations });
        if (visible !== 'all') return { hours, ...figures };
        const report = await dashboard.health();
        const health = Object.fromEntries(Object.entries(report.checks).map(([name, result]) => [name, result.ok ? 'ok' : 'fail']));
        return { hours, ...figures, health, engines: await dashboard.engines() };
      },
    },
  ];
}
