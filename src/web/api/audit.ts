/**
 * The audit log: who did what, when, from where, and how it ended. Read
 * only (the log is append-only); an organization administrator sees their
 * organization's entries. Exportable as CSV for a SIEM or an auditor.
 */
import type { AccessPorts, AuditRecord } from '../access-ports.js';
import { HttpError, type ApiRoute } from '../api-route.js';

const filters = {
  type: 'object',
  additionalProperties: false,
  properties: {
    from: { type: 'string', format: 'date-time' },
    to: { type: 'string', format: 'date-time' },
    actor: { type: 'string', maxLength: 128 },
    action: { type: 'string', maxLength: 64 },
    organizationId: { type: 'integer', minimum: 1 },
    limit: { type: 'integer', minimum: 1, maximum: 1000 },
    beforeId: { type: 'integer', minimum: 1 },
  },
} as const;

type Filters = { from?: string; to?: string; actor?: string; action?: string; organizationId?: number; limit?: number; beforeId?: number };

/** RFC 4180 field; a leading = + - @ is prefixed so a spreadsheet never runs it as a formula. */
function csvField(value: unknown): string {
  const text = value === undefined || value === null ? '' : typeof value === 'string' ? value : JSON.stringify(value);
  const safe = /^[=+\-@\t\r]/.test(text) ? `'${text}` : text;
  return /[",\r\n]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}

export function auditRoutes(options: { ports: AccessPorts }): ApiRoute[] {
  const { ports } = options;
  const read = async (principal: Parameters<ApiRoute['handler']>[0]['principal'], query: Filters, limit: number): Promise<readonly AuditRecord[]> => {
    if (principal === undefined) throw new HttpError(401, 'sign in first');
    let organizationId = query.organizationId;
    if (principal.role === 'org-admin') {
      if (organizationId !== undefined && organizationId !== principal.organizationId) throw new HttpError(404, 'not found');
      organizationId = principal.organizationId ?? -1;
    }
    return ports.audit.list({
      ...(query.from === undefined ? {} : { from: new Date(query.from) }),
      ...(query.to === undefined ? {} : { to: new Date(query.to) }),
      ...(query.actor === undefined ? {} : { actor: query.actor }),
      ...(query.action === undefined ? {} : { action: query.action }),
      ...(organizationId === undefined ? {} : { organizationId }),
      ...(query.beforeId === undefined ? {} : { beforeId: query.beforeId }),
      limit,
    });
  };
  return [
    {
      method: 'GET',
      url: '/api/v1/audit',
      auth: 'audit:read',
      summary: 'Audit entries, newest first (page with beforeId)',
      tags: ['audit'],
      schema: { querystring: filters },
      async handler({ request, principal }) {
        const query = request.query as Filters;
        return { entries: await read(principal, query, query.limit ?? 100) };
      },
    },
    {
      method: 'GET',
      url: '/api/v1/audit.csv',
      auth: 'audit:read',
      summary: 'Audit entries as CSV (at most 1000 per request; page with beforeId)',
      tags: ['audit'],
      schema: { querystring: filters },
      async handler({ request, reply, principal }) {
        const query = request.query as Filters;
        const rows = await read(principal, query, query.limit ?? 1000);
        const header = 'id,at,actor,actor_kind,action,target,organization_id,ip,outcome,detail';
        const lines = rows.map((r) => [r.id, r.at, r.actor, r.actorKind, r.action, r.target, r.organizationId, r.ip, r.outcome, r.detail].map(csvField).join(','));
        return reply
          .header('content-type', 'text/csv; charset=utf-8')
          .header('content-disposition', 'attachment; filename="moat-audit.csv"')
          .header('cache-control', 'no-store')
          .send(`${[header, ...lines].join('\r\n')}\r\n`);
      },
    },
  ];
}
