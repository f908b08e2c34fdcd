/**
 * Resolves the policy that applies to one recipient: the installation's
 * `policy` config, then the recipient's organization, then its domain, then
 * the recipient's own exceptions, each overriding only what it names. The
 * result carries a version — the document revision plus a hash of the
 * effective settings — that is recorded with every verdict it produces.
 */
import { createHash } from 'node:crypto';
import type { Action } from '../core/index.js';
import { parseAddress } from '../config/index.js';
import type { DomainConfig, PolicyConfig, PolicyRules } from '../config/index.js';
import type { PolicyDocument } from './document.js';

export interface Thresholds {
  readonly tag: number;
  readonly quarantine: number;
  readonly reject: number;
}

export interface EngineRule {
  readonly enabled: boolean;
  /** Absent: the policy's `onEngineFailure`. */
  readonly onFailure?: Action;
}

/** Every policy setting, resolved for one recipient. */
export interface EffectivePolicy {
  readonly thresholds: Thresholds;
  readonly subjectPrefix?: string;
  /** Subject banner for delivered mail from outside; '' for none. */
  readonly externalSubjectPrefix: string;
  readonly criticalAction: 'quarantine' | 'reject';
  readonly onEngineFailure: Action;
  readonly symbolScores: Readonly<Record<string, number>>;
  readonly symbolActions: Readonly<Record<string, Action>>;
  readonly engines: Readonly<Record<string, EngineRule>>;
  readonly senders: { readonly allow: readonly string[]; readonly deny: readonly string[]; readonly denyAction: 'quarantine' | 'reject' };
  readonly fileTypes: { readonly block: readonly string[]; readonly allow: readonly string[]; readonly action: 'quarantine' | 'reject' };
  readonly stripAttachments: { readonly enabled: boolean; readonly notice: string };
  /** Protected people the scopes added to the installation's `links.vips` (those stay in the analysis workers). */
  readonly vips: readonly ProtectedPerson[];
}

/** A protected person: mail showing this name from any other address is IMPERSONATION_VIP. */
export interface ProtectedPerson {
  readonly name: string;
  /** Lower-cased, sorted, without duplicates. */
  readonly addresses: readonly string[];
}

export interface ResolvedPolicy {
  /** The organization (tenant) the recipient belongs to; `default` outside any served domain. */
  readonly organization: string;
  readonly rules: EffectivePolicy;
  /** The protected people the scopes added (`rules.vips`), for the analysis job of the recipient's mail. */
  readonly vips: readonly ProtectedPerson[];
  /**
   * `r<revision>-<hash of the organization and the effective settings>`: two recipients with
   * equal versions are decided alike and belong to one organization, so one SMTP transaction
   * (which carries one version) never mixes organizations.
   */
  readonly version: string;
  /** The scopes that contributed, most general first (`installation`, `organization acme`, ...). */
  readonly scopes: readonly string[];
}

export interface PolicyResolver {
  /** Database revision of the document in force (0: none imported yet). */
  readonly revision: number;
  /** The policy for a recipient; without one (offline scans), the installation's. */
  resolve(recipient?: string): ResolvedPolicy;
}

export interface PolicyResolverOptions {
  readonly base: PolicyConfig;
  readonly domains: readonly DomainConfig[];
  readonly document: PolicyDocument;
  readonly revision: number;
}

/** Organization of domains that name none. */
export const DEFAULT_ORGANIZATION = 'default';

// Resolution is cheap but runs for every RCPT TO; a bounded memo keeps it off the hot path.
const MAX_MEMO_ENTRIES = 10_000;

/** Applies one scope's list edits: what it blocks leaves the inherited allow list and vice versa. */
function editLists(inherited: { block: readonly string[]; allow: readonly string[] }, block: readonly string[] = [], allow: readonly string[] = []) {
  const nextBlock = new Set(inherited.block);
  const nextAllow = new Set(inherited.allow);
  for (const item of block) {
    nextBlock.add(item);
    nextAllow.delete(item);
  }
  for (const item of allow) {
    nextAllow.add(item);
    nextBlock.delete(item);
  }
  return { block: [...nextBlock].sort(), allow: [...nextAllow].sort() };
}

/** Key under which two spellings of one name are the same person ("Jane  Doe" and "jane doe"). */
function personKey(name: string): string {
  return name.trim().replace(/\s+/g, ' ').toLowerCase();
}

/**
 * Adds people to a list: a new name is appended, a name already there gets the new addresses.
 * The first spelling of a name is kept. Pure: returns a new list (the input may be shared).
 */
export function mergeVips(base: readonly ProtectedPerson[], added: readonly { readonly name: string; readonly addresses: readonly string[] }[] = []): readonly ProtectedPerson[] {
  if (added.length === 0) return base;
  const people = new Map<string, { name: string; addresses: Set<string> }>();
  for (const person of [...base, ...added]) {
    const key = personKey(person.name);
    const entry = people.get(key) ?? { name: person.name.trim(), addresses: new Set<string>() };
    for (const address of person.addresses) entry.addresses.add(address.trim().toLowerCase());
    people.set(key, entry);
  }
  return [...people.values()].map((p) => ({ name: p.name, addresses: [...p.addresses].sort() }));
}

/** The object without its undefined-valued keys, so a spread cannot unset an inherited setting. */
function definedOnly<T extends object>(value: T | undefined): { [K in keyof T]?: Exclude<T[K], undefined> } {
  const out: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(value ?? {})) if (v !== undefined) out[key] = v;
  return out as { [K in keyof T]?: Exclude<T[K], undefined> };
}

/** Organization a domain belongs to. */
export function organizationOf(domain: DomainConfig): string {
  return domain.organization ?? DEFAULT_ORGANIZATION;
}

/** The effective policy after one more scope's rules. */
export function applyRules(base: EffectivePolicy, rules: PolicyRules): EffectivePolicy {
  const engines: Record<string, EngineRule> = { ...base.engines };
  for (const [name, rule] of Object.entries(rules.engines ?? {})) {
    const before = engines[name] ?? { enabled: true };
    const onFailure = rule.onFailure ?? before.onFailure;
    engines[name] = { enabled: rule.enabled ?? before.enabled, ...(onFailure === undefined ? {} : { onFailure }) };
  }
  const fileLists = editLists(base.fileTypes, rules.fileTypes?.block, rules.fileTypes?.allow);
  // For senders "allow" wins a tie only within one scope; a deny anywhere below an allow removes it.
  const senderLists = editLists({ block: base.senders.deny, allow: base.senders.allow }, rules.senders?.deny, rules.senders?.allow);
  const subjectPrefix = rules.subjectPrefix ?? base.subjectPrefix;
  return {
    thresholds: { ...base.thresholds, ...definedOnly(rules.thresholds) },
    ...(subjectPrefix === undefined ? {} : { subjectPrefix }),
    externalSubjectPrefix: rules.externalSubjectPrefix ?? base.externalSubjectPrefix,
    criticalAction: rules.criticalAction ?? base.criticalAction,
    onEngineFailure: rules.onEngineFailure ?? base.onEngineFailure,
    symbolScores: { ...base.symbolScores, ...rules.symbolScores },
    symbolActions: { ...base.symbolActions, ...rules.symbolActions },
    engines,
    senders: { allow: senderLists.allow, deny: senderLists.block, denyAction: rules.senders?.denyAction ?? base.senders.denyAction },
    fileTypes: { block: fileLists.block, allow: fileLists.allow, action: rules.fileTypes?.action ?? base.fileTypes.action },
    stripAttachments: { ...base.stripAttachments, ...definedOnly(rules.stripAttachments) },
    vips: mergeVips(base.vips, rules.vips),
  };
}

/** The installation-wide policy from the config, before any scope. */
export function installationPolicy(config: PolicyConfig): EffectivePolicy {
  const engines: Record<string, EngineRule> = {};
  for (const [name, rule] of Object.entries(config.engines)) {
    engines[name] = { enabled: rule.enabled ?? true, ...(rule.onFailure === undefined ? {} : { onFailure: rule.onFailure }) };
  }
  const fileLists = editLists({ block: [], allow: [] }, config.fileTypes.block, config.fileTypes.allow);
  const senderLists = editLists({ block: [], allow: [] }, config.senders.deny, config.senders.allow);
  return {
    thresholds: config.thresholds,
    ...(config.subjectPrefix === undefined ? {} : { subjectPrefix: config.subjectPrefix }),
    externalSubjectPrefix: config.externalSubjectPrefix,
    criticalAction: config.criticalAction,
    onEngineFailure: config.onEngineFailure,
    symbolScores: config.symbolScores,
    symbolActions: config.symbolActions,
    engines,
    senders: { allow: senderLists.allow, deny: senderLists.block, denyAction: config.senders.denyAction },
    fileTypes: { block: fileLists.block, allow: fileLists.allow, action: config.fileTypes.action },
    stripAttachments: config.stripAttachments,
    // The installation's own people are config `links.vips`, compiled once in every analysis worker.
    vips: [],
  };
}

/** JSON with object keys sorted, so equal policies hash equal whatever order they were merged in. */
function stableJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stableJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${stableJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

/** Short hash of effective settings (and the organization they apply to). */
export function hashPolicy(rules: EffectivePolicy, organization = DEFAULT_ORGANIZATION): string {
  return createHash('sha256').update(stableJson({ organization, rules })).digest('hex').slice(0, 12);
}

/** Builds the resolver for one document revision. */
export function createPolicyResolver(options: PolicyResolverOptions): PolicyResolver {
  const { document, revision } = options;
  const installation = installationPolicy(options.base);
  const domains = new Map(options.domains.map((d) => [d.name.toLowerCase(), d]));
  const memo = new Map<string, ResolvedPolicy>();

  const finish = (organization: string, rules: EffectivePolicy, scopes: string[]): ResolvedPolicy => ({
    organization,
    rules,
    vips: rules.vips,
    scopes,
    version: `r${revision}-${hashPolicy(rules, organization)}`,
  });
  const installationResolved = finish(DEFAULT_ORGANIZATION, installation, ['installation']);

  const compute = (recipient: string): ResolvedPolicy => {
    const address = parseAddress(recipient);
    const domain = address === undefined ? undefined : domains.get(address.domain);
    if (address === undefined || domain === undefined) return installationResolved;
    let rules = installation;
    const scopes = ['installation'];
    const organization = document.organizations[organizationOf(domain)];
    if (organization !== undefined) {
      rules = applyRules(rules, organization);
      scopes.push(`organization ${organizationOf(domain)}`);
    }
    // The config's per-domain thresholds and prefix come first within the domain scope.
    const fromConfig: PolicyRules = {
      ...(domain.thresholds === undefined ? {} : { thresholds: domain.thresholds }),
      ...(domain.subjectPrefix === undefined ? {} : { subjectPrefix: domain.subjectPrefix }),
    };
    const fromDocument = document.domains[address.domain];
    if (Object.keys(fromConfig).length > 0 || fromDocument !== undefined) {
      rules = applyRules(applyRules(rules, fromConfig), fromDocument ?? {});
      scopes.push(`domain ${address.domain}`);
    }
    const own = document.recipients[`${address.local}@${address.domain}`];
    if (own !== undefined) {
      rules = applyRules(rules, own);
      scopes.push(`recipient ${address.local}@${address.domain}`);
    }
    return finish(organizationOf(domain), rules, scopes);
  };

  return {
    revision,
    resolve(recipient) {
      if (recipient === undefined) return installationResolved;
      const key = recipient.toLowerCase();
      let resolved = memo.get(key);
      if (resolved === undefined) {
        if (memo.size >= MAX_MEMO_ENTRIES) memo.clear();
        resolved = compute(recipient);
        memo.set(key, resolved);
      }
      return resolved;
    },
  };
}

/** Checks that every resolvable scope keeps its thresholds ordered; returns one issue per bad scope. */
export function checkResolvedThresholds(resolver: PolicyResolver, document: PolicyDocument, domains: readonly DomainConfig[]): string[] {
  const issues: string[] = [];
  const probes: [string, string][] = [
    ...domains.map((d): [string, string] => [`domain ${d.name}`, `postmaster@${d.name}`]),
    ...Object.keys(document.recipients).map((r): [string, string] => [`recipient ${r}`, r]),
  ];
  for (const [label, recipient] of probes) {
    const { tag, quarantine, reject } = resolver.resolve(recipient).rules.thresholds;
    if (!(tag <= quarantine && quarantine <= reject)) {
      issues.push(`${label}: thresholds must be ordered tag ≤ quarantine ≤ reject, resolved to tag ${tag}, quarantine ${quarantine}, reject ${reject}`);
    }
  }
  return issues;
}
