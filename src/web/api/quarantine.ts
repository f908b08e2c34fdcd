/**
 * The quarantine: list and read held messages, release them (to all or
 * some recipients), delete them, or confirm them as junk; one at a time or
 * in bulk. Every action is audited with the message and its organization.
 * Previews and downloads are separate: they never hand out the raw message.
 */
import { visibleOrganizations, type Principal } from '../../access/index.js';
import { MoatError } from '../../core/index.js';
import { allowOrganization, HttpError, type ApiRoute } from '../api-route.js';
import type { MailPorts, OwnedRecord } from '../mail-ports.js';

const QUEUE_ID = '^[0-9A-Z]{20}$';
const queueIdParams = { type: 'object', required: ['queueId'], properties: { queueId: { type: 'string', pattern: QUEUE_ID } } } as const;
/** Bulk actions at most this many at once: each is a database round trip or more. */
const MAX_BULK = 100;

type Action = 'release' | 'delete' | 'confirm';

/** Quarantine errors a caller may be told about, as HTTP answers. */
function translate(error: unknown): never {
  if (error instanceof MoatError) {
    if (error.code === 'QUARANTINE_NOT_FOUND') throw new HttpError(404, 'not found');
    if (error.code === 'QUARANTINE_NOT_HELD') throw new HttpError(409, error.message);
    if (error.code === 'QUARANTINE_BAD_RECIPIENT') throw new HttpError(400, error.message);
  }
  throw error;
}

export function quarantineRoutes(options: { mail: MailPorts }): ApiRoute[] {
  const { mail } = options;

  /** The entry, if the caller may act on it; another organization's does not exist for them. */
  const held = async (principal: Principal | undefined, queueId: string): Promise<OwnedRecord> => {
    const shown = await mail.quarantine.show(queueId);
    if (shown === undefined) throw new HttpError(404, 'not found');
    allowOrganization(principal, 'quarantine:read', shown.entry.organizationId);
    return shown.entry;
  };

  const act = async (principal: Principal | undefined, queueId: string, action: Action, recipients?: readonly string[]): Promise<Record<string, unknown>> => {
    const entry = await held(principal, queueId);
    allowOrganization(principal, 'quarantine:act', entry.organizationId);
    try {
      if (action === 'release') return { queueId, released: await mail.quarantine.release(queueId, principal?.username ?? 'unknown', recipients) };
      if (action === 'delete') await mail.quarantine.delete(queueId);
      else await mail.quarantine.confirm(queueId);
      return { queueId, [action === 'delete' ? 'deleted' : 'confirmed']: true };
    } catch (error) {
      return translate(error);
    }
  };

  const single = (action: Action, summary: string): ApiRoute => ({
    method: 'POST',
    url: `/api/v1/quarantine/:queueId/${action}`,
    auth: 'quarantine:act',
    audit: `quarantine.${action}`,
    summary,
    tags: ['quarantine'],
    schema: {
      params: queueIdParams,
      ...(action === 'release'
        ? { body: { type: ['object', 'null'], additionalProperties: false, properties: { recipients: { type: 'array', minItems: 1, maxItems: 1000, items: { type: 'string', maxLength: 320 } } } } }
        : {}),
    },
    async handler({ request, principal, auditAs }) {
      const { queueId } = request.params as { queueId: string };
      const recipients = (request.body as { recipients?: string[] } | null | undefined)?.recipients;
      auditAs({ target: `message:${queueId}`, ...(recipients === undefined ? {} : { detail: { recipients } }) });
      const entry = await mail.quarantine.show(queueId);
      if (entry !== undefined) auditAs({ organizationId: entry.entry.organizationId });
      return act(principal, queueId, action, recipients);
    },
  });

  return [
    {
      method: 'GET',
      url: '/api/v1/quarantine',
      auth: 'quarantine:read',
      summary: 'Quarantined messages, newest first',
      tags: ['quarantine'],
      schema: {
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: {
            state: { type: 'string', enum: ['held', 'released', 'deleted'] },
            organizationId: { type: 'integer', minimum: 1 },
            limit: { type: 'integer', minimum: 1, maximum: 1000 },
          },
        },
      },
      async handler({ request, principal }) {
        if (principal === undefined) throw new HttpError(401, 'sign in first');
        const query = request.query as { state?: 'held' | 'released' | 'deleted'; organizationId?: number; limit?: number };
        const visible = visibleOrganizations(principal);
        let organizationId = query.organizationId;
        if (visible !== 'all') {
          if (organizationId !== undefined && !visible.includes(organizationId)) throw new HttpError(404, 'not found');
          organizationId = visible[0] ?? -1;
        }
        return { entries: await mail.quarantine.list({ ...query, ...(organizationId === undefined ? {} : { organizationId }) }) };
      },
    },
    {
      method: 'GET',
      url: '/api/v1/quarantine/:queueId',
      auth: 'quarantine:read',
      summary: 'One quarantined message: the entry, its envelope and the verdict that held it',
      tags: ['quarantine'],
      schema: { params: queueIdParams },
      async handler({ request, principal }) {
        const { queueId } = request.params as { queueId: string };
        const shown = await mail.quarantine.show(queueId);
        if (shown === undefined) throw new HttpError(404, 'not found');
        allowOrganization(principal, 'quarantine:read', shown.entry.organizationId);
        return { entry: shown.entry, envelope: shown.meta.envelope, verdict: shown.meta.verdict };
      },
    },
    {
      method: 'GET',
      url: '/api/v1/quarantine/:queueId/download',
      auth: 'quarantine:act',
      audit: 'quarantine.download',
      summary: 'The message in a ZIP sealed with the password `infected` (default), or defanged as text; never the raw .eml',
      tags: ['quarantine'],
      schema: {
        params: queueIdParams,
        querystring: { type: 'object', additionalProperties: false, properties: { format: { type: 'string', enum: ['zip', 'defanged'] } } },
      },
      async handler({ request, reply, principal, auditAs }) {
        const { queueId } = request.params as { queueId: string };
        const format = (request.query as { format?: 'zip' | 'defanged' }).format ?? 'zip';
        auditAs({ target: `message:${queueId}`, detail: { format } });
        const entry = await held(principal, queueId);
        auditAs({ organizationId: entry.organizationId });
        allowOrganization(principal, 'quarantine:act', entry.organizationId);
        const file = await mail.quarantine.download(queueId, format);
        if (file === undefined) throw new HttpError(404, 'not found');
        return reply
          .header('content-type', file.contentType)
          .header('content-disposition', `attachment; filename="${file.fileName}"`)
          .header('x-content-type-options', 'nosniff')
          .header('cache-control', 'no-store')
          .send(file.body);
      },
    },
    single('release', 'Release a held message to all, or the given, recipients'),
    single('delete', 'Delete a held message'),
    single('confirm', 'Confirm a held message as junk (deleted; the spam filter learns from it)'),
    {
      method: 'POST',
      url: '/api/v1/quarantine/bulk',
      auth: 'quarantine:act',
      audit: 'quarantine.bulk',
      summary: `Release, delete or confirm up to ${MAX_BULK} held messages; each one answers for itself`,
      tags: ['quarantine'],
      schema: {
        body: {
          type: 'object',
          additionalProperties: false,
          required: ['action', 'queueIds'],
          properties: {
            action: { type: 'string', enum: ['release', 'delete', 'confirm'] },
            queueIds: { type: 'array', minItems: 1, maxItems: MAX_BULK, uniqueItems: true, items: { type: 'string', pattern: QUEUE_ID } },
          },
        },
      },
      async handler({ request, principal, auditAs }) {
        const body = request.body as { action: Action; queueIds: string[] };
        const results: Array<Record<string, unknown>> = [];
        for (const queueId of body.queueIds) {
          try {
            results.push({ ...(await act(principal, queueId, body.action)), ok: true });
          } catch (error) {
            if (!(error instanceof HttpError)) throw error;
            results.push({ queueId, ok: false, statusCode: error.statusCode, message: error.message });
          }
        }
        auditAs({ detail: { action: body.action, results: results.map((r) => ({ queueId: r['queueId'], ok: r['ok'] })) } });
        return { results };
      },
    },
  ];
}
