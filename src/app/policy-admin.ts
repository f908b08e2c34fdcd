/**
 * The policy as the admin API edits it: the organizations with their
 * domains, the document in force and its history, and new revisions stored
 * after the same validation `moat policy import` applies, then applied on
 * this node at once (the others hear of it through the change feed or poll).
 * When `policy.file` is configured the file owns the policy: the API only reads.
 */
import type { Kysely } from 'kysely';
import { ConfigError } from '../core/index.js';
import type { MoatConfig } from '../config/index.js';
import { DEFAULT_ORGANIZATION, EMPTY_POLICY_DOCUMENT, organizationOf } from '../policy/index.js';
import { listOrganizations, type Database, type PolicyStore } from '../storage/index.js';
import type { PolicyPort } from '../web/index.js';
import { validatePolicyDocument, type PolicyService } from './policy-service.js';

export function createPolicyAdmin(options: { config: MoatConfig; db: Kysely<Database>; store: PolicyStore; service: PolicyService; now?: () => Date }): PolicyPort {
  const { config, store } = options;
  const now = options.now ?? (() => new Date());
  const domainsOf = new Map<string, string[]>();
  for (const domain of config.domains) {
    const name = organizationOf(domain);
    domainsOf.set(name, [...(domainsOf.get(name) ?? []), domain.name.toLowerCase()]);
  }
  const configured = new Set([DEFAULT_ORGANIZATION, ...domainsOf.keys()]);
  return {
    async organizations() {
      const rows = await listOrganizations(options.db);
      return rows.filter((row) => configured.has(row.name)).map((row) => ({ id: row.id, name: row.name, country: row.country, domains: domainsOf.get(row.name) ?? [] }));
    },
    readOnlyReason: () => (config.policy.file === undefined ? undefined : `the policy is managed in ${config.policy.file} (policy.file): edit that file and reload`),
    async current() {
      const latest = await store.latest();
      if (latest === undefined) return { revision: 0, document: EMPTY_POLICY_DOCUMENT };
      const { document } = validatePolicyDocument(config, latest.document, `policy revision ${latest.revision}`);
      return { revision: latest.revision, document };
    },
    async history(limit) {
      return (await store.list(limit)).map((r) => ({ revision: r.revision, sha256: r.sha256, source: r.source, ...(r.comment === undefined ? {} : { comment: r.comment }), createdAt: r.createdAt }));
    },
    async replace(document, source, comment) {
      let validated;
      try {
        validated = validatePolicyDocument(config, document, source).document;
      } catch (error) {
        if (error instanceof ConfigError) return { refused: true, issues: error.issues };
        throw error;
      }
      const stored = await store.add({ document: validated, source, ...(comment === undefined ? {} : { comment }), at: now() });
      // This node applies it now; the change feed (or polling) brings it to the others.
      await options.service.reload();
      return stored;
    },
  };
}
