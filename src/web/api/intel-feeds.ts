/**
 * TAXII feeds (intel.feeds): their state and a poll on demand. Feeds are
 * installation-wide, like the indicators they store: an analyst or an
 * administrator reads and polls them, an organization administrator does not.
 * A poll request waits for the poll (each page is bounded by the feed's
 * timeoutSeconds, a poll by its interval).
 */
import { allowInstallation, HttpError, type ApiRoute } from '../api-route.js';
import type { FeedsPort } from '../feeds-ports.js';

/** 502: the feed server failed us; 409: another node holds the feed's lease (try again later). */
const STATUS_OF = { ok: 200, failed: 502, skipped: 409 } as const;

export function intelFeedRoutes(options: { feeds: FeedsPort }): ApiRoute[] {
  const { feeds } = options;
  return [
    {
      method: 'GET',
      url: '/api/v1/intel/feeds',
      auth: 'intel:read',
      summary: 'The configured TAXII feeds with their last poll, last success, added_after and last error',
      tags: ['intel'],
      async handler({ principal }) {
        allowInstallation(principal, 'intel:read');
        return { feeds: await feeds.list() };
      },
    },
    {
      method: 'POST',
      url: '/api/v1/intel/feeds/:name/poll',
      auth: 'intel:write',
      audit: 'intel.feed.poll',
      summary: 'Poll a TAXII feed now and answer its outcome: 200 stored, 502 failed (nothing stored, the next poll reads the same pages), 409 another node is polling it',
      tags: ['intel'],
      schema: { params: { type: 'object', required: ['name'], properties: { name: { type: 'string', minLength: 1, maxLength: 63 } } } },
      async handler({ request, reply, principal, auditAs }) {
        allowInstallation(principal, 'intel:write');
        const { name } = request.params as { name: string };
        auditAs({ target: `feed:${name}` });
        const outcome = await feeds.poll(name, principal?.username ?? 'unknown');
        if (outcome === undefined) throw new HttpError(404, 'not found');
        auditAs({
          detail:
            outcome.status === 'ok'
              ? { status: 'ok', pages: outcome.pages, added: outcome.added, updated: outcome.updated, problems: outcome.problems }
              : outcome.status === 'failed'
                ? { status: 'failed', code: outcome.code }
                : { status: 'skipped' },
        });
        return reply.code(STATUS_OF[outcome.status]).send({ outcome });
      },
    },
  ];
}
