/**
 * Message trace: search the log by envelope, content and infrastructure,
 * and read one message whole (envelope, authentication, artifacts and their
 * findings, verdict with reasons and policy version, delivery attempts).
 * An organization administrator searches their organization only.
 */
import { visibleOrganizations } from '../../access/index.js';
import { allowOrganization, HttpError, type ApiRoute } from '../api-route.js';
import type { MailPorts, MessageQuery } from '../mail-ports.js';

const QUEUE_ID = '^[0-9A-Z]{20}$';
const term = { type: 'string', minLength: 1, maxLength: 256 } as const;

export const MESSAGE_QUERY_SCHEMA = {
  type: 'object',
  additionalProperties: false,
  properties: {
    sender: term,
    recipient: term,
    subject: term,
    queueId: { type: 'string', pattern: QUEUE_ID },
    messageId: term,
    sha256: { type: 'string', pattern: '^[0-9a-fA-F]{64}$' },
    attachmentName: term,
    clientIp: { type: 'string', minLength: 2, maxLength: 45 },
    urlDomain: term,
    hunted: { type: 'boolean' },
    since: { type: 'string', format: 'date-time' },
    until: { type: 'string', format: 'date-time' },
    action: { type: 'string', enum: ['deliver', 'tag', 'quarantine', 'reject', 'defer'] },
    status: { type: 'string', enum: ['queued', 'delivered', 'partially-delivered', 'bounced', 'quarantined', 'rejected', 'deferred', 'released', 'deleted'] },
    organizationId: { type: 'integer', minimum: 1 },
    limit: { type: 'integer', minimum: 1, maximum: 1000 },
  },
} as const;

type RawQuery = Omit<MessageQuery, 'since' | 'until'> & { since?: string; until?: string };

export function messageRoutes(options: { mail: MailPorts }): ApiRoute[] {
  const { mail } = options;
  return [
    {
      method: 'GET',
      url: '/api/v1/messages',
      auth: 'messages:read',
      summary: 'Search the message log (criteria combine with AND; newest first)',
      tags: ['messages'],
      schema: { querystring: MESSAGE_QUERY_SCHEMA },
      async handler({ request, principal }) {
        if (principal === undefined) throw new HttpError(401, 'sign in first');
        const { since, until, ...rest } = request.query as RawQuery;
        const visible = visibleOrganizations(principal);
        let organizationId = rest.organizationId;
        if (visible !== 'all') {
          if (organizationId !== undefined && !visible.includes(organizationId)) throw new HttpError(404, 'not found');
          organizationId = visible[0] ?? -1;
        }
        const query: MessageQuery = {
          ...rest,
          ...(organizationId === undefined ? {} : { organizationId }),
          ...(since === undefined ? {} : { since: new Date(since) }),
          ...(until === undefined ? {} : { until: new Date(until) }),
        };
        return { messages: await mail.messages.search(query) };
      },
    },
    {
      method: 'GET',
      url: '/api/v1/messages/:queueId',
      auth: 'messages:read',
      summary: 'One message: envelope, authentication, artifacts, findings, verdict, delivery attempts',
      tags: ['messages'],
      schema: { params: { type: 'object', required: ['queueId'], properties: { queueId: { type: 'string', pattern: QUEUE_ID } } } },
      async handler({ request, principal }) {
        const { queueId } = request.params as { queueId: string };
        const message = await mail.messages.get(queueId);
        if (message === undefined) throw new HttpError(404, 'not found');
        allowOrganization(principal, 'messages:read', message.organizationId);
        return { message };
      },
    },
  ];
}
