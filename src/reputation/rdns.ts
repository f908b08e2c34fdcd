/**
 * Forward-confirmed reverse DNS (FCrDNS): the client's PTR names, then the
 * A (IPv4) or AAAA (IPv6) records of each, which must contain the client
 * address. PTR names are chosen by whoever controls the address's reverse
 * zone: they are checked as host names, bounded in number and escaped.
 */
import type { ReputationSettings } from '../config/sections/reputation.js';
import { escapeForDisplay, type Finding } from '../core/index.js';
import type { DnsResolver } from '../dns/index.js';
import { normaliseDomain, parseClientAddress, type ClientAddress } from './addresses.js';
import { startDeadline } from './deadline.js';
import { buildReputationFinding } from './findings.js';

export interface ReverseResult {
  /** The first PTR name (in answer order) that resolves back to the address. */
  readonly reverseName?: string;
  readonly findings: readonly Finding[];
}

const NOT_FOUND: ReadonlySet<string> = new Set(['ENOTFOUND', 'ENODATA']);

type Forward = 'match' | 'nomatch' | 'temperror';

const codeOf = (error: unknown): string => (error as NodeJS.ErrnoException | undefined)?.code ?? 'EFAIL';

async function confirm(resolver: DnsResolver, name: string, address: ClientAddress): Promise<Forward> {
  try {
    const records = await resolver.resolve(name, address.family === 4 ? 'A' : 'AAAA');
    const hit = records.some((r) => typeof r === 'string' && parseClientAddress(r)?.text === address.text);
    return hit ? 'match' : 'nomatch';
  } catch (error) {
    return NOT_FOUND.has(codeOf(error)) ? 'nomatch' : 'temperror';
  }
}

async function verify(resolver: DnsResolver, settings: ReputationSettings['rdns'], address: ClientAddress): Promise<ReverseResult> {
  let ptr: string[];
  try {
    ptr = await resolver.reverse(address.text);
  } catch (error) {
    const code = codeOf(error);
    if (NOT_FOUND.has(code)) return { findings: [buildReputationFinding('RDNS_NONE', `${address.text} has no PTR record`)] };
    return { findings: [buildReputationFinding('RDNS_TEMPERROR', `PTR ${address.text}: ${escapeForDisplay(code, 32)}`)] };
  }
  const names = [...new Set(ptr.map((n) => normaliseDomain(n)).filter((n): n is string => n !== undefined))].slice(0, settings.maxNames);
  if (names.length === 0) {
    const shown = ptr.length === 0 ? 'none' : escapeForDisplay(ptr[0] ?? '', 100);
    return { findings: [buildReputationFinding('RDNS_NONE', `${address.text} has no PTR host name (${shown})`)] };
  }
  const results = await Promise.all(names.map((name) => confirm(resolver, name, address)));
  const verified = names.find((_, i) => results[i] === 'match');
  if (verified !== undefined) return { reverseName: verified, findings: [] };
  const shown = names.map((n) => escapeForDisplay(n, 100)).join(', ');
  if (results.includes('temperror')) return { findings: [buildReputationFinding('RDNS_TEMPERROR', `${address.text}: forward lookup of ${shown} failed`)] };
  return { findings: [buildReputationFinding('RDNS_MISMATCH', `${address.text}: PTR ${shown} does not resolve back to it`)] };
}

/** FCrDNS of the client address, bounded by `settings.deadlineMs`. */
export async function checkReverseDns(resolver: DnsResolver, settings: ReputationSettings['rdns'], address: ClientAddress): Promise<ReverseResult> {
  const deadline = startDeadline(settings.deadlineMs);
  try {
    return await deadline.race(verify(resolver, settings, address), () => ({
      findings: [buildReputationFinding('RDNS_TEMPERROR', `${address.text}: no answer within ${settings.deadlineMs} ms`)],
    }));
  } finally {
    deadline.clear();
  }
}
