/**
 * Retro-hunts: the runs (newest first), one run's findings per organization
 * (delivered first: those are to be pulled from mailboxes), and a hunt on
 * demand. Installation-wide, like the indicators they hunt: an analyst or an
 * administrator reads them, an organization administrator does not
 * (src/access/README.md).
 */
import { allowInstallation, HttpError, ID_PARAMS, nextPageCursor, PAGE_QUERY_PROPERTIES, type ApiRoute } from '../api-route.js';
import type { HuntPort } from '../hunt-ports.js';

/** Ids per request: the indicators page's selection, not a feed (a feed is hunted when it is stored). */
const MAX_HUNT_IDS = 1000;

export function huntRoutes(options: { hunts: HuntPort }): ApiRoute[] {
  const { hunts } = options;
  return [
    {
      method: 'GET',
      url: '/api/v1/hunts',
      auth: 'intel:read',
      summary: 'Retro-hunt runs, newest first (paging: beforeId)',
      tags: ['intel'],
      schema: {
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: PAGE_QUERY_PROPERTIES,
        },
      },
      async handler({ request, principal }) {
        allowInstallation(principal, 'intel:read');
        const query = request.query as { limit?: number; beforeId?: number };
        const limit = query.limit ?? 50;
        const runs = await hunts.list({ limit, ...(query.beforeId === undefined ? {} : { beforeId: query.beforeId }) });
        return { runs, ...nextPageCursor(runs, limit) };
      },
    },
    {
      method: 'GET',
      url: '/api/v1/hunts/:id',
      auth: 'intel:read',
      summary: 'One retro-hunt run: its summary and the messages it found per organization (delivered, blocked)',
      tags: ['intel'],
      schema: { params: ID_PARAMS },
      async handler({ request, principal }) {
        allowInstallation(principal, 'intel:read');
        const { id } = request.params as { id: number };
        const detail = await hunts.get(id);
        if (detail === undefined) throw new HttpError(404, 'not found');
        return detail;
      },
    },
    {
      method: 'POST',
      url: '/api/v1/hunts',
      auth: 'intel:write',
      audit: 'intel.hunt',
      summary: 'Hunt the message log (within retention, or since a time) for indicators by id, or for every active one',
      tags: ['intel'],
      schema: {
        body: {
          type: 'object',
          additionalProperties: false,
          properties: {
            indicatorIds: { type: 'array', minItems: 1, maxItems: MAX_HUNT_IDS, items: { type: 'integer', minimum: 1 } },
            since: { type: 'string', format: 'date-time' },
          },
        },
      },
      async handler({ request, principal, auditAs }) {
        allowInstallation(principal, 'intel:write');
        const body = (request.body ?? {}) as { indicatorIds?: number[]; since?: string };
        auditAs({ detail: { indicatorIds: body.indicatorIds?.length ?? 'all-active', since: body.since ?? null } });
        const summary = await hunts.run({ ...(body.indicatorIds === undefined ? {} : { indicatorIds: body.indicatorIds }), ...(body.since === undefined ? {} : { since: new Date(body.since) }) }, principal?.username ?? 'unknown');
        return { hunt: summary };
      },
    },
  ];
}
