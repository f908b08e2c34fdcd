/**
 * Indicators of compromise kept in the database: installation-wide, so an
 * analyst or an administrator reads and writes them and an organization
 * administrator has no access (src/access/README.md). Bad input is listed
 * back (by index, CSV/list line or STIX/MISP object) while the good part is
 * stored, in one transaction; nothing is half-stored without the answer
 * saying so.
 */
import type { FastifyInstance } from 'fastify';
import { allowInstallation, HttpError, ID_PARAMS, nextPageCursor, PAGE_QUERY_PROPERTIES, type ApiRoute } from '../api-route.js';
import type { FeedFormat, IndicatorQuery, IndicatorSubmission, IndicatorWriteResult, IntelPort } from '../intel-ports.js';

/** The intel types (intel/types.ts); repeated here because `web/` does not import `intel/`. */
const TYPES = ['sha256', 'sha1', 'md5', 'ipv4', 'ipv6', 'domain', 'email', 'url', 'subject', 'filename'] as const;
const SEVERITIES = ['info', 'low', 'medium', 'high', 'critical'] as const;
/** Per JSON request: an analyst's paste, not a feed (feeds go through the CSV import). */
const MAX_SUBMISSIONS = 1000;
/** A JSON request of 1,000 indicators with long URLs and descriptions. */
const ADD_BODY_LIMIT = 4 * 1024 * 1024;
/** An import (CSV, list, STIX, MISP): about 100,000 lines of hashes or domains; bigger feeds go through `moat intel import` (streamed) or the feed poller. */
export const IMPORT_BODY_LIMIT = 8 * 1024 * 1024;

const isoDate = { type: 'string', maxLength: 40 } as const;

const submission = {
  type: 'object',
  additionalProperties: false,
  required: ['type', 'value'],
  properties: {
    type: { type: 'string', enum: TYPES },
    value: { type: 'string', minLength: 1, maxLength: 4096 },
    source: { type: 'string', minLength: 1, maxLength: 200 },
    confidence: { type: 'integer', minimum: 0, maximum: 100 },
    severity: { type: 'string', enum: SEVERITIES },
    description: { type: 'string', maxLength: 1000 },
    actor: { type: 'string', maxLength: 200 },
    campaign: { type: 'string', maxLength: 200 },
    expiresAt: isoDate,
    firstSeen: isoDate,
    lastSeen: isoDate,
  },
} as const;

/** Accepts `text/csv` bodies as text (scoped to the server's API plugin; other routes' schemas refuse a string). */
export function registerCsvParser(scope: FastifyInstance): void {
  scope.addContentTypeParser('text/csv', { parseAs: 'string' }, (_request, body, done) => {
    done(null, body);
  });
}

function writeAnswer(result: IndicatorWriteResult): Record<string, unknown> {
  return {
    added: result.added,
    updated: result.updated,
    rejected: result.rejected,
    ...(result.rejectedTruncated === true ? { rejectedTruncated: true } : {}),
    // Imports always answer their STIX/MISP problems (empty for CSV and lists); an add has none.
    ...(result.problems === undefined ? {} : { problems: result.problems }),
    ...(result.problemsTruncated === true ? { problemsTruncated: true } : {}),
  };
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The format of an import body from its media type; JSON is a STIX bundle when it says so (`"type": "bundle"`), else MISP events. */
function feedFormatOf(contentType: string | undefined, body: unknown): FeedFormat {
  const media = (contentType ?? '').split(';')[0]?.trim().toLowerCase();
  if (media === 'text/csv') return 'csv';
  if (media === 'text/plain') return 'list';
  return isRecord(body) && body['type'] === 'bundle' ? 'stix' : 'misp';
}

export function indicatorRoutes(options: { intel: IntelPort }): ApiRoute[] {
  const { intel } = options;
  return [
    {
      method: 'GET',
      url: '/api/v1/indicators',
      auth: 'intel:read',
      summary: 'Indicators kept in the database, newest first (filters: type, source, search, active; paging: beforeId)',
      tags: ['intel'],
      schema: {
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: {
            type: { type: 'string', enum: TYPES },
            source: { type: 'string', minLength: 1, maxLength: 200 },
            search: { type: 'string', minLength: 1, maxLength: 200 },
            active: { type: 'boolean' },
            ...PAGE_QUERY_PROPERTIES,
          },
        },
      },
      async handler({ request, principal }) {
        allowInstallation(principal, 'intel:read');
        const query = request.query as IndicatorQuery;
        const limit = query.limit ?? 50;
        const indicators = await intel.list({ ...query, limit });
        return { indicators, ...nextPageCursor(indicators, limit) };
      },
    },
    {
      method: 'POST',
      url: '/api/v1/indicators',
      auth: 'intel:write',
      audit: 'indicator.add',
      summary: 'Add or update indicators (normalised per type; bad ones listed by index, good ones stored and in force at once)',
      tags: ['intel'],
      bodyLimit: ADD_BODY_LIMIT,
      schema: {
        body: {
          type: 'object',
          additionalProperties: false,
          required: ['indicators'],
          properties: { indicators: { type: 'array', minItems: 1, maxItems: MAX_SUBMISSIONS, items: submission } },
        },
      },
      async handler({ request, reply, principal, auditAs }) {
        allowInstallation(principal, 'intel:write');
        const { indicators } = request.body as { indicators: IndicatorSubmission[] };
        const first = indicators[0];
        if (indicators.length === 1 && first !== undefined) auditAs({ target: `${first.type}:${first.value.slice(0, 200)}` });
        const result = await intel.add(indicators, principal?.username ?? 'unknown');
        auditAs({ detail: { submitted: indicators.length, added: result.added, updated: result.updated, rejected: result.rejected.length } });
        if (result.added + result.updated === 0) return reply.code(400).send({ status: 'error', statusCode: 400, message: 'no valid indicator', ...writeAnswer(result) });
        return writeAnswer(result);
      },
    },
    {
      method: 'POST',
      url: '/api/v1/indicators/import',
      auth: 'intel:write',
      audit: 'indicator.import',
      summary:
        'Import a feed: text/csv (header type,value,source,confidence,severity,expires,description), application/json (a STIX 2.1 bundle or MISP events) or text/plain (one value per line; type= sets the type). Good indicators stored in one transaction; bad lines listed as rejected, STIX/MISP objects not loaded as problems',
      tags: ['intel'],
      bodyLimit: IMPORT_BODY_LIMIT,
      schema: {
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: { source: { type: 'string', minLength: 1, maxLength: 200 }, type: { type: 'string', enum: TYPES } },
        },
        body: {
          content: {
            'text/csv': { schema: { type: 'string', minLength: 1 } },
            'text/plain': { schema: { type: 'string', minLength: 1 } },
            // A STIX bundle or MISP event is an object, a MISP export may be an array (anyOf: Ajv's strict mode refuses a type union).
            'application/json': { schema: { anyOf: [{ type: 'object' }, { type: 'array' }] } },
          },
        },
      },
      async handler({ request, reply, principal, auditAs }) {
        allowInstallation(principal, 'intel:write');
        const { source, type } = request.query as { source?: string; type?: string };
        const format = feedFormatOf(request.headers['content-type'], request.body);
        const result = await intel.importFeed(request.body, {
          by: principal?.username ?? 'unknown',
          format,
          ...(source === undefined ? {} : { source }),
          ...(type === undefined ? {} : { listType: type }),
        });
        auditAs({
          detail: {
            format,
            source: source ?? null,
            added: result.added,
            updated: result.updated,
            rejected: result.rejected.length,
            problems: result.problems?.length ?? 0,
            ...(result.refused === undefined ? {} : { refused: result.refused }),
          },
        });
        if (result.refused !== undefined) return reply.code(400).send({ status: 'error', statusCode: 400, message: result.refused, ...writeAnswer(result) });
        return writeAnswer(result);
      },
    },
    {
      method: 'POST',
      url: '/api/v1/indicators/:id/expire',
      auth: 'intel:write',
      audit: 'indicator.expire',
      summary: 'Retire an indicator now (it stays listed, expired); in force at once',
      tags: ['intel'],
      schema: { params: ID_PARAMS },
      async handler({ request, principal, auditAs }) {
        allowInstallation(principal, 'intel:write');
        const { id } = request.params as { id: number };
        auditAs({ target: `indicator:${String(id)}` });
        const expired = await intel.expire(id);
        if (expired === undefined) throw new HttpError(404, 'not found');
        auditAs({ detail: { type: expired.type, value: expired.value.slice(0, 200), source: expired.source } });
        return { indicator: expired };
      },
    },
  ];
}
