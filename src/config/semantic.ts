/**
 * Checks the schema cannot express: relations between keys and facts about
 * the filesystem. Each issue names the key, like schema issues do.
 */
import { access, constants } from 'node:fs/promises';
import { isIP } from 'node:net';
import { formatKeyPath } from './paths.js';
import type { KeyPath } from './paths.js';
import { normalizeDomain, parseAddress } from './domains.js';
import type { MoatConfig } from './schema.js';

interface Thresholds {
  readonly tag: number;
  readonly quarantine: number;
  readonly reject: number;
}

function checkThresholds(thresholds: Thresholds | undefined, path: KeyPath, issues: string[]): void {
  if (thresholds === undefined) return;
  const { tag, quarantine, reject } = thresholds;
  if (!(tag <= quarantine && quarantine <= reject)) {
    issues.push(`${formatKeyPath(path)}: must be ordered tag ≤ quarantine ≤ reject, got tag ${tag}, quarantine ${quarantine}, reject ${reject}`);
  }
}

async function checkReadable(file: string, path: KeyPath, issues: string[]): Promise<void> {
  try {
    await access(file, constants.R_OK);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'error';
    issues.push(`${formatKeyPath(path)}: cannot read ${file} (${code})`);
  }
}

function checkDomains(config: MoatConfig, issues: string[]): void {
  const seen = new Map<string, number>();
  config.domains.forEach((domain, index) => {
    const name = normalizeDomain(domain.name);
    if (name === undefined) return;
    const first = seen.get(name);
    if (first !== undefined) {
      issues.push(`${formatKeyPath(['domains', index, 'name'])}: duplicate of domains[${first}].name (${name})`);
    } else {
      seen.set(name, index);
    }
    checkThresholds(domain.thresholds, ['domains', index, 'thresholds'], issues);
    if (domain.recipients === 'any') return;
    domain.recipients.forEach((entry, entryIndex) => {
      const key = formatKeyPath(['domains', index, 'recipients', entryIndex]);
      const parsed = parseAddress(entry.includes('@') ? entry : `${entry}@${name}`);
      if (parsed === undefined) issues.push(`${key}: not a valid local part or address`);
      else if (parsed.domain !== name) issues.push(`${key}: address is not in domain ${name}`);
    });
  });
}

/** `addr` or `addr/len` with len within the family's width. */
function isNetwork(entry: string): boolean {
  const [address = '', prefix, ...rest] = entry.trim().split('/');
  const family = isIP(address);
  if (family === 0 || rest.length > 0) return false;
  if (prefix === undefined) return true;
  if (!/^\d{1,3}$/.test(prefix)) return false;
  return Number(prefix) <= (family === 4 ? 32 : 128);
}

function checkNetworks(list: readonly string[], path: KeyPath, issues: string[]): void {
  list.forEach((entry, index) => {
    if (!isNetwork(entry)) issues.push(`${formatKeyPath([...path, index])}: not an IP address or CIDR network (${JSON.stringify(entry)})`);
  });
}

/** Relations between keys and readable files; returns one issue per problem (empty when fine). */
export async function checkSemantics(config: MoatConfig): Promise<string[]> {
  const issues: string[] = [];
  checkThresholds(config.policy.thresholds, ['policy', 'thresholds'], issues);
  checkDomains(config, issues);

  if (config.policy.file !== undefined) await checkReadable(config.policy.file, ['policy', 'file'], issues);
  const named = new Set(config.domains.map((d) => d.organization ?? 'default'));
  config.organizations.forEach((org, index) => {
    if (!named.has(org.name)) issues.push(`${formatKeyPath(['organizations', index, 'name'])}: no domain belongs to organization ${org.name} (domains[].organization)`);
  });
  checkNetworks(config.smtp.proxyProtocol.trustedNetworks, ['smtp', 'proxyProtocol', 'trustedNetworks'], issues);
  checkNetworks(config.smtp.xclient.trustedNetworks, ['smtp', 'xclient', 'trustedNetworks'], issues);

  const { cert, key } = config.smtp.tls;
  if (cert !== undefined && key === undefined) issues.push('smtp.tls.key: required when smtp.tls.cert is set');
  if (key !== undefined && cert === undefined) issues.push('smtp.tls.cert: required when smtp.tls.key is set');
  if (cert !== undefined) await checkReadable(cert, ['smtp', 'tls', 'cert'], issues);
  if (key !== undefined) await checkReadable(key, ['smtp', 'tls', 'key'], issues);

  // Port 0 asks the OS for a free port (tests), so two zeros never collide.
  const smtpPort = config.smtp.listen.port;
  if (smtpPort !== 0 && smtpPort === config.http.listen.port) {
    issues.push(`http.listen.port: must differ from smtp.listen.port (both ${smtpPort})`);
  }

  const { initialSeconds, maxSeconds } = config.delivery.retry;
  if (maxSeconds < initialSeconds) {
    issues.push(`delivery.retry.maxSeconds: must be at least delivery.retry.initialSeconds (${initialSeconds}), got ${maxSeconds}`);
  }
  return issues;
}
