/**
 * Envelope and header indicators (client IP, sender, subject, URLs) are
 * matched on the main thread at SMTP intake, where these values are known,
 * not in the workers. Message-level findings: no artifact.
 */
import type { Finding } from '../../../core/index.js';
import type { IndicatorStore } from '../../../intel/index.js';
import { indicatorFinding } from './findings.js';

// URLs checked per message: extraction (a later issue) may find thousands in a hostile HTML body.
export const MAX_URLS_MATCHED = 1000;

export interface EnvelopeFacts {
  readonly clientIp: string;
  /** SMTP MAIL FROM address; empty for the null sender. */
  readonly mailFrom: string;
  /** Address from the From: header. */
  readonly headerFrom?: string;
  readonly subject?: string;
}

function domainOf(address: string): string | undefined {
  const at = address.lastIndexOf('@');
  return at < 0 ? undefined : address.slice(at + 1);
}

/** IOC_IP_MATCH, IOC_SENDER_MATCH (address or domain of MAIL FROM / From:), IOC_SUBJECT_MATCH. */
export function matchEnvelope(store: IndicatorStore, facts: EnvelopeFacts): Finding[] {
  const findings: Finding[] = [];
  // The store folds an IPv4-mapped IPv6 client to IPv4 itself.
  for (const hit of store.match('ipv4', facts.clientIp)) findings.push(indicatorFinding('IOC_IP_MATCH', hit, `client IP ${facts.clientIp}`));
  const senders = new Map<string, string>();
  if (facts.mailFrom !== '') senders.set(facts.mailFrom.toLowerCase(), 'MAIL FROM');
  if (facts.headerFrom !== undefined && !senders.has(facts.headerFrom.toLowerCase())) senders.set(facts.headerFrom.toLowerCase(), 'From: header');
  const seen = new Set<string>();
  for (const [address, label] of senders) {
    const domain = domainOf(address);
    const hits = [...store.match('email', address), ...(domain === undefined ? [] : store.match('domain', domain))];
    for (const hit of hits) {
      const key = `${hit.type}:${hit.value}:${hit.source}`;
      if (seen.has(key)) continue;
      seen.add(key);
      findings.push(indicatorFinding('IOC_SENDER_MATCH', hit, `${label} ${address}`));
    }
  }
  if (facts.subject !== undefined) {
    for (const hit of store.match('subject', facts.subject)) findings.push(indicatorFinding('IOC_SUBJECT_MATCH', hit, 'subject'));
  }
  return findings;
}

/** IOC_URL_MATCH for URLs found in the message: exact normalised URL, or its host under a domain indicator. */
export function matchUrls(store: IndicatorStore, urls: Iterable<string>): Finding[] {
  const findings: Finding[] = [];
  let checked = 0;
  for (const url of urls) {
    if (++checked > MAX_URLS_MATCHED) break;
    let host: string | undefined;
    try {
      host = new URL(url).hostname;
    } catch {
      // Not parseable: no host to look up; the exact match below fails the same way.
      host = undefined;
    }
    const hits = [...store.match('url', url), ...(host ? store.match('domain', host) : [])];
    if (host) hits.push(...store.match('ipv4', host.replace(/^\[|\]$/gu, '')));
    for (const hit of hits) findings.push(indicatorFinding('IOC_URL_MATCH', hit, `URL host ${host ?? '(unparseable)'}`));
  }
  return findings;
}
