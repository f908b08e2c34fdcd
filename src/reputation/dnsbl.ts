/**
 * DNSBL (client address) and RHSBL (domains) lookups against the configured
 * zones, all concurrently, under one deadline. A listing is an A record in
 * 127.0.0.0/8, filtered by the zone's `answers` when it has them. Answers
 * outside 127.0.0.0/8 (a resolver rewriting NXDOMAIN) and 127.255.255.x
 * (lists such as Spamhaus refusing a public or unregistered resolver) are
 * failures to ask, not listings: counting them would list every client.
 */
import type { ReputationSettings } from '../config/sections/reputation.js';
import { zoneSymbol } from '../config/sections/reputation.js';
import { escapeForDisplay, type Finding } from '../core/index.js';
import type { DnsResolver } from '../dns/index.js';
import { dnsblQueryName, normaliseDomain, type ClientAddress } from './addresses.js';
import { startDeadline, type Deadline } from './deadline.js';
import { buildListingFinding, buildReputationFinding } from './findings.js';

type Zone = ReputationSettings['dnsbl']['zones'][number];

/** What one query said: listed with these codes, not listed, or could not be asked (why). */
export type ListAnswer = { readonly kind: 'listed'; readonly codes: readonly string[] } | { readonly kind: 'clean' } | { readonly kind: 'error'; readonly reason: string };

/** DNS codes that are facts (the name is not listed), not failures. */
const NOT_LISTED_CODES: ReadonlySet<string> = new Set(['ENOTFOUND', 'ENODATA']);

/** Most return codes quoted in a finding. */
const MAX_CODES_SHOWN = 4;
/** Most domains named in one RHSBL finding. */
const MAX_DOMAINS_SHOWN = 5;

/** Classifies the A records a list answered for one query. */
export function classifyAnswer(records: readonly string[], zone: Pick<Zone, 'answers'>): ListAnswer {
  const loopback = records.filter((r) => r.startsWith('127.'));
  const refused = loopback.find((r) => r.startsWith('127.255.255.'));
  if (refused !== undefined) return { kind: 'error', reason: `list refused the query (${refused})` };
  if (loopback.length === 0) return records.length === 0 ? { kind: 'clean' } : { kind: 'error', reason: `unexpected answer ${escapeForDisplay(records[0] ?? '', 64)}` };
  const codes = zone.answers === undefined ? loopback : loopback.filter((r) => zone.answers?.includes(r));
  return codes.length === 0 ? { kind: 'clean' } : { kind: 'listed', codes };
}

async function ask(resolver: DnsResolver, name: string, zone: Zone, deadline: Deadline): Promise<ListAnswer> {
  const lookup = resolver.resolve(name, 'A').then(
    (records): ListAnswer => classifyAnswer(records.filter((r): r is string => typeof r === 'string'), zone),
    (error: unknown): ListAnswer => {
      const code = (error as NodeJS.ErrnoException | undefined)?.code ?? 'EFAIL';
      return NOT_LISTED_CODES.has(code) ? { kind: 'clean' } : { kind: 'error', reason: code };
    },
  );
  return deadline.race(lookup, () => ({ kind: 'error', reason: 'deadline' }));
}

const codesText = (codes: readonly string[]): string => codes.slice(0, MAX_CODES_SHOWN).join(', ');

/** Looks the client address up in every `ip` zone. */
export async function checkAddressLists(resolver: DnsResolver, settings: ReputationSettings['dnsbl'], address: ClientAddress): Promise<Finding[]> {
  const zones = settings.zones.filter((z) => z.type === 'ip');
  if (zones.length === 0) return [];
  const deadline = startDeadline(settings.deadlineMs);
  try {
    const answers = await Promise.all(zones.map((zone) => ask(resolver, dnsblQueryName(address, zone.zone), zone, deadline)));
    const findings: Finding[] = [];
    answers.forEach((answer, i) => {
      const zone = zones[i] as Zone;
      if (answer.kind === 'listed') {
        findings.push(buildListingFinding('RBL', zoneSymbol(zone), zone.weight, `${address.text} listed in ${zone.zone} (${codesText(answer.codes)})`));
      } else if (answer.kind === 'error') {
        findings.push(buildReputationFinding('RBL_TEMPERROR', `${zone.zone} for ${address.text}: ${answer.reason}`));
      }
    });
    return findings;
  } finally {
    deadline.clear();
  }
}

/**
 * Normalises, de-duplicates and caps the domains asked: IDNs in punycode,
 * invalid names dropped, at most `maxDomains`, each short enough that
 * `<domain>.<zone>` is a legal name.
 */
export function selectDomains(domains: readonly string[], maxDomains: number, longestZone: number): string[] {
  const out = new Set<string>();
  for (const raw of domains) {
    if (out.size >= maxDomains) break;
    const domain = normaliseDomain(raw, 252 - longestZone);
    if (domain !== undefined) out.add(domain);
  }
  return [...out];
}

/** Looks each domain up in every `domain` zone: one finding per zone that lists any of them. */
export async function checkDomainLists(resolver: DnsResolver, settings: ReputationSettings['dnsbl'], domains: readonly string[]): Promise<Finding[]> {
  const zones = settings.zones.filter((z) => z.type === 'domain');
  if (zones.length === 0 || domains.length === 0) return [];
  const selected = selectDomains(domains, settings.maxDomains, Math.max(...zones.map((z) => z.zone.length)));
  if (selected.length === 0) return [];
  const deadline = startDeadline(settings.deadlineMs);
  try {
    const perZone = await Promise.all(zones.map((zone) => Promise.all(selected.map((domain) => ask(resolver, `${domain}.${zone.zone}`, zone, deadline)))));
    const findings: Finding[] = [];
    perZone.forEach((answers, z) => {
      const zone = zones[z] as Zone;
      const listed: string[] = [];
      const failed: string[] = [];
      answers.forEach((answer, d) => {
        const domain = selected[d] as string;
        if (answer.kind === 'listed') listed.push(`${escapeForDisplay(domain, 100)} (${codesText(answer.codes)})`);
        else if (answer.kind === 'error') failed.push(`${escapeForDisplay(domain, 100)}: ${answer.reason}`);
      });
      // One finding per zone however many domains it lists: a message with twenty links to one
      // listed site scores the list's weight once, not twenty times.
      if (listed.length > 0) {
        const more = listed.length > MAX_DOMAINS_SHOWN ? ` and ${listed.length - MAX_DOMAINS_SHOWN} more` : '';
        findings.push(buildListingFinding('RHSBL', zoneSymbol(zone), zone.weight, `listed in ${zone.zone}: ${listed.slice(0, MAX_DOMAINS_SHOWN).join(', ')}${more}`));
      }
      if (failed.length > 0) {
        const more = failed.length > MAX_DOMAINS_SHOWN ? ` and ${failed.length - MAX_DOMAINS_SHOWN} more` : '';
        findings.push(buildReputationFinding('RHSBL_TEMPERROR', `${zone.zone}: ${failed.slice(0, MAX_DOMAINS_SHOWN).join(', ')}${more}`));
      }
    });
    return findings;
  } finally {
    deadline.clear();
  }
}
