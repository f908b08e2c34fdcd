/**
 * The policy document: what organizations, domains and single recipients
 * change relative to the installation's `policy` config. Stored in the
 * database as numbered revisions and written by operators as YAML
 * (docs/POLICY.md). Validation is pure: callers read the file.
 */
import { z } from 'zod';
import { formatIssues, organizationName, parseAddress, policyRulesSchema } from '../config/index.js';
import type { DomainConfig, PolicyRules } from '../config/index.js';
import { organizationOf } from './resolve.js';

export const policyDocumentSchema = z.strictObject({
  /** Keyed by organization name (`domains[].organization` in the config). */
  organizations: z.record(organizationName, policyRulesSchema).default({}),
  /** Keyed by a domain Moat serves. */
  domains: z.record(z.string().min(1), policyRulesSchema).default({}),
  /** Keyed by a full recipient address at a domain Moat serves: the per-recipient exceptions. */
  recipients: z.record(z.string().min(1), policyRulesSchema).default({}),
});

export type PolicyDocument = z.infer<typeof policyDocumentSchema>;

export const EMPTY_POLICY_DOCUMENT: PolicyDocument = { organizations: {}, domains: {}, recipients: {} };

export type PolicyDocumentCheck = { ok: true; document: PolicyDocument; warnings: readonly string[] } | { ok: false; issues: readonly string[] };

/**
 * Validates a parsed document against the schema and the domains Moat serves:
 * a domain or recipient Moat does not serve is an error (a typo would
 * otherwise silently leave a mailbox unprotected by its exception). Keys are
 * normalised (lower-case, punycode) in the result.
 */
export function checkPolicyDocument(input: unknown, domains: readonly DomainConfig[]): PolicyDocumentCheck {
  const parsed = policyDocumentSchema.safeParse(input ?? {});
  if (!parsed.success) return { ok: false, issues: formatIssues(parsed.error.issues, policyDocumentSchema, input) };
  const issues: string[] = [];
  const warnings: string[] = [];
  const served = new Map(domains.map((d) => [d.name.toLowerCase(), d]));
  const organizations = new Set(domains.map(organizationOf));

  const document: { organizations: Record<string, PolicyRules>; domains: Record<string, PolicyRules>; recipients: Record<string, PolicyRules> } = {
    organizations: parsed.data.organizations,
    domains: {},
    recipients: {},
  };
  for (const name of Object.keys(parsed.data.organizations)) {
    if (!organizations.has(name)) warnings.push(`organizations.${name}: no domain in the config belongs to this organization (domains[].organization)`);
  }
  for (const [key, rules] of Object.entries(parsed.data.domains)) {
    const name = parseAddress(`postmaster@${key}`)?.domain;
    if (name === undefined || !served.has(name)) issues.push(`domains[${JSON.stringify(key)}]: not a domain Moat serves (config domains[].name)`);
    else if (document.domains[name] !== undefined) issues.push(`domains[${JSON.stringify(key)}]: listed twice`);
    else document.domains[name] = rules;
  }
  for (const [key, rules] of Object.entries(parsed.data.recipients)) {
    const address = parseAddress(key);
    if (address === undefined) {
      issues.push(`recipients[${JSON.stringify(key)}]: not a valid address`);
      continue;
    }
    const canonical = `${address.local}@${address.domain}`;
    if (!served.has(address.domain)) issues.push(`recipients[${JSON.stringify(key)}]: ${address.domain} is not a domain Moat serves`);
    else if (document.recipients[canonical] !== undefined) issues.push(`recipients[${JSON.stringify(key)}]: listed twice`);
    else document.recipients[canonical] = rules;
  }
  return issues.length > 0 ? { ok: false, issues } : { ok: true, document, warnings };
}
