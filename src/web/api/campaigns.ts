/**
 * Campaigns: suspicious mail grouped across organizations, with reports and
 * exports (issue 8). Installation-wide, like indicators: an analyst or an
 * administrator reads (`intel:read`) and changes (`intel:write`) them; an
 * organization administrator gets 403. Every change is audited by its route.
 */
import { MoatError } from '../../core/index.js';
import { allowInstallation, HttpError, ID_PARAMS, nextPageCursor, PAGE_QUERY_PROPERTIES, type ApiRoute } from '../api-route.js';
import type { CampaignPort } from '../campaign-ports.js';

/** Labels an analyst types; the store refuses longer ones too. */
const MAX_LABEL = 200;
const MAX_MERGE = 100;
/** Members split off per request: the body stays well under the route's limit. */
const MAX_SPLIT = 10_000;
/** A split of 10,000 queue ids (~30 bytes each as JSON). */
const SPLIT_BODY_LIMIT = 512 * 1024;


/** The port's refusals as HTTP answers. */
async function answer<T>(run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (error) {
    if (error instanceof MoatError && error.code === 'CAMPAIGN_NOT_FOUND') throw new HttpError(404, 'not found');
    if (error instanceof MoatError && error.code === 'CAMPAIGN_INVALID') throw new HttpError(400, error.message);
    throw error;
  }
}

/** `Content-Disposition` file name: digits and fixed text only, never a campaign's name. */
const fileName = (id: number, ext: string): string => `campaign-${String(id)}.${ext}`;

export function campaignRoutes(options: { campaigns: CampaignPort }): ApiRoute[] {
  const { campaigns } = options;
  return [
    {
      method: 'GET',
      url: '/api/v1/campaigns',
      auth: 'intel:read',
      summary: 'Campaigns, newest activity first (paging: beforeId)',
      tags: ['campaigns'],
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
        const list = await campaigns.list({ limit, ...(query.beforeId === undefined ? {} : { beforeId: query.beforeId }) });
        return { campaigns: list, ...nextPageCursor(list, limit) };
      },
    },
    {
      method: 'GET',
      url: '/api/v1/campaigns/:id',
      auth: 'intel:read',
      summary: 'A campaign with its report (organizations, countries, regions, timeline, indicators) and its members with the evidence',
      tags: ['campaigns'],
      schema: { params: ID_PARAMS },
      async handler({ request, principal }) {
        allowInstallation(principal, 'intel:read');
        const { id } = request.params as { id: number };
        const detail = await campaigns.detail(id);
        if (detail === undefined) throw new HttpError(404, 'not found');
        return detail;
      },
    },
    {
      method: 'GET',
      url: '/api/v1/campaigns/:id/export.csv',
      auth: 'intel:read',
      summary: 'A campaign report as CSV (formula-safe cells)',
      tags: ['campaigns'],
      schema: { params: ID_PARAMS },
      async handler({ request, reply, principal }) {
        allowInstallation(principal, 'intel:read');
        const { id } = request.params as { id: number };
        const csv = await campaigns.exportCsv(id);
        if (csv === undefined) throw new HttpError(404, 'not found');
        return reply.header('content-type', 'text/csv; charset=utf-8').header('content-disposition', `attachment; filename="${fileName(id, 'csv')}"`).header('cache-control', 'no-store').send(csv);
      },
    },
    {
      method: 'GET',
      url: '/api/v1/campaigns/:id/export.stix.json',
      auth: 'intel:read',
      summary: 'A campaign report as a STIX 2.1 bundle (campaign, indicators, sightings per organization)',
      tags: ['campaigns'],
      schema: { params: ID_PARAMS },
      async handler({ request, reply, principal }) {
        allowInstallation(principal, 'intel:read');
        const { id } = request.params as { id: number };
        const bundle = await campaigns.exportStix(id);
        if (bundle === undefined) throw new HttpError(404, 'not found');
        return reply.header('content-type', 'application/json; charset=utf-8').header('content-disposition', `attachment; filename="${fileName(id, 'stix.json')}"`).header('cache-control', 'no-store').send(JSON.stringify(bundle));
      },
    },
    {
      method: 'PATCH',
      url: '/api/v1/campaigns/:id',
      auth: 'intel:write',
      audit: 'campaign.update',
      summary: 'Rename a campaign (the name then survives reclustering) and/or attribute it to an actor (empty: none)',
      tags: ['campaigns'],
      schema: {
        params: ID_PARAMS,
        body: {
          type: 'object',
          additionalProperties: false,
          minProperties: 1,
          properties: { name: { type: 'string', minLength: 1, maxLength: MAX_LABEL }, actor: { type: 'string', maxLength: MAX_LABEL } },
        },
      },
      async handler({ request, principal, auditAs }) {
        allowInstallation(principal, 'intel:write');
        const { id } = request.params as { id: number };
        const body = request.body as { name?: string; actor?: string };
        auditAs({ target: `campaign:${String(id)}`, detail: body });
        const campaign = await answer(() => campaigns.update(id, body, principal?.username ?? 'unknown'));
        if (campaign === undefined) throw new HttpError(404, 'not found');
        return { campaign };
      },
    },
    {
      method: 'POST',
      url: '/api/v1/campaigns/:id/merge',
      auth: 'intel:write',
      audit: 'campaign.merge',
      summary: 'Merge other campaigns into this one (their members move here, pinned; they stay listed as merged)',
      tags: ['campaigns'],
      schema: {
        params: ID_PARAMS,
        body: {
          type: 'object',
          additionalProperties: false,
          required: ['from'],
          properties: { from: { type: 'array', minItems: 1, maxItems: MAX_MERGE, items: { type: 'integer', minimum: 1 } } },
        },
      },
      async handler({ request, principal, auditAs }) {
        allowInstallation(principal, 'intel:write');
        const { id } = request.params as { id: number };
        const { from } = request.body as { from: number[] };
        auditAs({ target: `campaign:${String(id)}`, detail: { from } });
        const campaign = await answer(() => campaigns.merge(id, from, principal?.username ?? 'unknown'));
        return { campaign };
      },
    },
    {
      method: 'POST',
      url: '/api/v1/campaigns/:id/split',
      auth: 'intel:write',
      audit: 'campaign.split',
      summary: 'Move some members into a new campaign (pinned there)',
      tags: ['campaigns'],
      bodyLimit: SPLIT_BODY_LIMIT,
      schema: {
        params: ID_PARAMS,
        body: {
          type: 'object',
          additionalProperties: false,
          required: ['queueIds'],
          properties: {
            queueIds: { type: 'array', minItems: 1, maxItems: MAX_SPLIT, items: { type: 'string', minLength: 1, maxLength: 64 } },
            name: { type: 'string', minLength: 1, maxLength: MAX_LABEL },
          },
        },
      },
      async handler({ request, principal, auditAs }) {
        allowInstallation(principal, 'intel:write');
        const { id } = request.params as { id: number };
        const body = request.body as { queueIds: string[]; name?: string };
        auditAs({ target: `campaign:${String(id)}`, detail: { members: body.queueIds.length, ...(body.name === undefined ? {} : { name: body.name }) } });
        const campaign = await answer(() => campaigns.split(id, body.queueIds, { ...(body.name === undefined ? {} : { name: body.name }), by: principal?.username ?? 'unknown' }));
        auditAs({ detail: { members: body.queueIds.length, into: campaign.id } });
        return { campaign };
      },
    },
    {
      method: 'POST',
      url: '/api/v1/campaigns/recluster',
      auth: 'intel:write',
      audit: 'campaign.recluster',
      summary: 'Recluster the window now (campaigns.windowDays); answers when done',
      tags: ['campaigns'],
      async handler({ principal, auditAs }) {
        allowInstallation(principal, 'intel:write');
        const result = await campaigns.recluster(principal?.username ?? 'unknown');
        auditAs({ detail: result });
        return result;
      },
    },
  ];
}
