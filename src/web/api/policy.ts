/**
 * Organizations and their policy. The document holds every scope
 * (docs/POLICY.md); an organization administrator reads and replaces only
 * their organization's part of it: its own rules, its domains' and its
 * recipients'. A change names the revision it was made on, so two editors
 * never overwrite each other unseen (409), and it is validated exactly as
 * `moat policy import` validates before it is stored and applied.
 */
import { visibleOrganizations, type Principal } from '../../access/index.js';
import { allowInstallation, allowOrganization, HttpError, ID_PARAMS, type ApiRoute } from '../api-route.js';
import type { OrganizationRecord, PolicyDocumentShape, PolicyPort } from '../policy-ports.js';

const rulesMap = { type: 'object', maxProperties: 10_000, additionalProperties: { type: 'object' } } as const;

/** Which scope names belong to an organization: its own name, its domains, addresses at them. */
function ownership(organization: OrganizationRecord): { domain(name: string): boolean; recipient(address: string): boolean } {
  const own = new Set(organization.domains.map((d) => d.toLowerCase()));
  return {
    domain: (name) => own.has(name.toLowerCase()),
    recipient: (address) => own.has(address.slice(address.lastIndexOf('@') + 1).toLowerCase()),
  };
}

/** The part of `document` that belongs to `organization`. */
export function organizationPart(document: PolicyDocumentShape, organization: OrganizationRecord): PolicyDocumentShape {
  const owns = ownership(organization);
  return {
    organizations: organization.name in document.organizations ? { [organization.name]: document.organizations[organization.name] } : {},
    domains: Object.fromEntries(Object.entries(document.domains).filter(([domain]) => owns.domain(domain))),
    recipients: Object.fromEntries(Object.entries(document.recipients).filter(([address]) => owns.recipient(address))),
  };
}

export function policyRoutes(options: { policy: PolicyPort }): ApiRoute[] {
  const { policy } = options;

  const organizationFor = async (principal: Principal | undefined, id: number, permission: 'policy:read' | 'policy:write' | 'organizations:read'): Promise<OrganizationRecord> => {
    const organization = (await policy.organizations()).find((o) => o.id === id);
    if (organization === undefined) throw new HttpError(404, 'not found');
    allowOrganization(principal, permission, organization.id);
    return organization;
  };

  const refuseIfReadOnly = (): void => {
    const reason = policy.readOnlyReason();
    if (reason !== undefined) throw new HttpError(409, reason);
  };

  return [
    {
      method: 'GET',
      url: '/api/v1/organizations',
      auth: 'organizations:read',
      summary: 'Organizations with their country and domains (an organization administrator: their own)',
      tags: ['organizations'],
      async handler({ principal }) {
        if (principal === undefined) throw new HttpError(401, 'sign in first');
        const visible = visibleOrganizations(principal);
        const all = await policy.organizations();
        return { organizations: visible === 'all' ? all : all.filter((o) => visible.includes(o.id)) };
      },
    },
    {
      method: 'GET',
      url: '/api/v1/policy',
      auth: 'policy:read',
      summary: 'The whole policy document in force, with its revision',
      tags: ['policy'],
      async handler({ principal }) {
        allowInstallation(principal, 'policy:read');
        return policy.current();
      },
    },
    {
      method: 'PUT',
      url: '/api/v1/policy',
      auth: 'policy:write',
      audit: 'policy.replace',
      summary: 'Replace the whole policy document (made on baseRevision); applied by every node within seconds',
      tags: ['policy'],
      schema: {
        body: {
          type: 'object',
          additionalProperties: false,
          required: ['baseRevision', 'document'],
          properties: {
            baseRevision: { type: 'integer', minimum: 0 },
            comment: { type: 'string', maxLength: 500 },
            document: { type: 'object', additionalProperties: false, properties: { organizations: rulesMap, domains: rulesMap, recipients: rulesMap } },
          },
        },
      },
      async handler({ request, reply, principal, auditAs }) {
        allowInstallation(principal, 'policy:write');
        refuseIfReadOnly();
        const body = request.body as { baseRevision: number; comment?: string; document: Partial<PolicyDocumentShape> };
        const current = await policy.current();
        auditAs({ detail: { baseRevision: body.baseRevision } });
        if (current.revision !== body.baseRevision) throw new HttpError(409, `the policy changed meanwhile (now revision ${current.revision}); reload and edit again`);
        const document: PolicyDocumentShape = { organizations: body.document.organizations ?? {}, domains: body.document.domains ?? {}, recipients: body.document.recipients ?? {} };
        const result = await policy.replace(document, `api:${principal?.username ?? 'unknown'}`, body.comment);
        if ('refused' in result) return reply.code(400).send({ status: 'error', statusCode: 400, message: 'the policy is invalid', issues: result.issues });
        auditAs({ detail: { baseRevision: body.baseRevision, revision: result.revision, created: result.created } });
        return result;
      },
    },
    {
      method: 'GET',
      url: '/api/v1/policy/history',
      auth: 'policy:read',
      summary: 'Stored policy revisions, newest first',
      tags: ['policy'],
      schema: { querystring: { type: 'object', additionalProperties: false, properties: { limit: { type: 'integer', minimum: 1, maximum: 1000 } } } },
      async handler({ request, principal }) {
        allowInstallation(principal, 'policy:read');
        return { revisions: await policy.history((request.query as { limit?: number }).limit ?? 50) };
      },
    },
    {
      method: 'GET',
      url: '/api/v1/organizations/:id/policy',
      auth: 'policy:read',
      summary: "An organization's part of the policy: its rules, its domains' and its recipients'",
      tags: ['policy'],
      schema: { params: ID_PARAMS },
      async handler({ request, principal }) {
        const organization = await organizationFor(principal, (request.params as { id: number }).id, 'policy:read');
        const current = await policy.current();
        return { revision: current.revision, organization: organization.name, domains: organization.domains, policy: organizationPart(current.document, organization) };
      },
    },
    {
      method: 'PUT',
      url: '/api/v1/organizations/:id/policy',
      auth: 'policy:write',
      audit: 'policy.organization.replace',
      summary: "Replace an organization's part of the policy (made on baseRevision); the rest of the document stays",
      tags: ['policy'],
      schema: {
        params: ID_PARAMS,
        body: {
          type: 'object',
          additionalProperties: false,
          required: ['baseRevision', 'policy'],
          properties: {
            baseRevision: { type: 'integer', minimum: 0 },
            comment: { type: 'string', maxLength: 500 },
            policy: { type: 'object', additionalProperties: false, properties: { organizations: rulesMap, domains: rulesMap, recipients: rulesMap } },
          },
        },
      },
      async handler({ request, reply, principal, auditAs }) {
        const organization = await organizationFor(principal, (request.params as { id: number }).id, 'policy:write');
        auditAs({ target: `organization:${organization.name}`, organizationId: organization.id });
        refuseIfReadOnly();
        const body = request.body as { baseRevision: number; comment?: string; policy: Partial<PolicyDocumentShape> };
        const part: PolicyDocumentShape = { organizations: body.policy.organizations ?? {}, domains: body.policy.domains ?? {}, recipients: body.policy.recipients ?? {} };
        // Only this organization's names: nothing here may reach another organization's scopes.
        const owns = ownership(organization);
        const outside = [
          ...Object.keys(part.organizations).filter((name) => name !== organization.name),
          ...Object.keys(part.domains).filter((domain) => !owns.domain(domain)),
          ...Object.keys(part.recipients).filter((address) => !owns.recipient(address)),
        ];
        if (outside.length > 0) throw new HttpError(400, `not part of organization ${organization.name}: ${outside.join(', ')}`);
        const current = await policy.current();
        if (current.revision !== body.baseRevision) throw new HttpError(409, `the policy changed meanwhile (now revision ${current.revision}); reload and edit again`);
        const mine = organizationPart(current.document, organization);
        const without = <T>(map: Readonly<Record<string, T>>, drop: Readonly<Record<string, unknown>>): Record<string, T> => Object.fromEntries(Object.entries(map).filter(([key]) => !(key in drop)));
        const document: PolicyDocumentShape = {
          organizations: { ...without(current.document.organizations, mine.organizations), ...part.organizations },
          domains: { ...without(current.document.domains, mine.domains), ...part.domains },
          recipients: { ...without(current.document.recipients, mine.recipients), ...part.recipients },
        };
        const result = await policy.replace(document, `api:${principal?.username ?? 'unknown'}`, body.comment);
        if ('refused' in result) return reply.code(400).send({ status: 'error', statusCode: 400, message: 'the policy is invalid', issues: result.issues });
        auditAs({ detail: { baseRevision: body.baseRevision, revision: result.revision, created: result.created } });
        return result;
      },
    },
  ];
}

