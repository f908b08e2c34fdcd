/**
 * Envelope and header indicators (client IP, sender, subject) are matched on
 * the main thread at SMTP intake, where these values are known; message-level
 * findings, no artifact. URLs are matched in the analysis workers, where they
 * are extracted, against the part they were first seen in.
 */
import type { Finding } from '../../../core/index.js';
import { escapeForDisplay } from '../../../core/index.js';
import type { IndicatorStore } from '../../../intel/index.js';
import { indicatorFinding } from './findings.js';

// URLs checked per message: extraction may find thousands in a hostile HTML body (it keeps as many: src/analysis/urls).
export const MAX_URLS_MATCHED = 1000;
// URL characters quoted in a finding: enough to recognise it, not a log-sized line.
const SHOWN_URL_CHARS = 200;

/** A URL found in the message and the artifact (part path) it was first seen in, if known. */
export interface UrlToMatch {
  readonly url: string;
  readonly artifact?: string;
}

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

/**
 * IOC_URL_MATCH for URLs found in the message: the normalised URL equals a url
 * indicator, its host is under a domain indicator, or its IP-literal host is in
 * an ipv4/ipv6 indicator. One finding per indicator (the first URL that hit it),
 * so a hundred links to one listed domain do not add up to a hundred scores.
 */
export function matchUrls(store: IndicatorStore, urls: Iterable<string | UrlToMatch>): Finding[] {
  const findings: Finding[] = [];
  const seen = new Set<string>();
  let checked = 0;
  for (const entry of urls) {
    if (++checked > MAX_URLS_MATCHED) break;
    const { url, artifact } = typeof entry === 'string' ? { url: entry, artifact: undefined } : entry;
    let host: string | undefined;
    try {
      host = new URL(url).hostname;
    } catch {
      // Not parseable: no host to look up; the exact match below fails the same way.
      host = undefined;
    }
    const hits = [...store.match('url', url), ...(host ? store.match('domain', host) : [])];
    // An IPv6 host keeps its brackets in `hostname`; the store looks up either family.
    if (host) hits.push(...store.match('ipv4', host.replace(/^\[|\]$/gu, '')));
    for (const hit of hits) {
      const key = `${hit.type}:${hit.value}:${hit.source}`;
      if (seen.has(key)) continue;
      seen.add(key);
      findings.push(indicatorFinding('IOC_URL_MATCH', hit, `URL ${escapeForDisplay(url, SHOWN_URL_CHARS)}`, artifact));
    }
  }
  return findings;
}
