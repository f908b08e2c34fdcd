/**
 * Findings about the message's links: where each URL goes (an IP, an IDN,
 * a mixed-script or lookalike host, a shortener), the `user@host` disguise,
 * and anchors whose text shows another site than the one they link to.
 * One finding per symbol per message, naming the first few examples, so a
 * newsletter with forty tracked links scores a signal once, not forty times.
 */
import type { Finding } from '../../core/index.js';
import { escapeForDisplay } from '../../core/index.js';
import type { AnchorSighting, UrlSighting } from '../urls/index.js';
import { hostShownIn } from './anchor-text.js';
import type { RegistrableDomain } from './domain.js';
import { isIpLiteral, toUnicodeHost } from './domain.js';
import type { LinkSymbol } from './findings.js';
import { createLinkFinding } from './findings.js';
import type { LookalikeMatcher } from './lookalike.js';
import { mixedScripts } from './scripts.js';

// Examples quoted per finding; the count says how many there were.
const MAX_EXAMPLES = 3;
// Characters of a URL or anchor text quoted in a detail.
const SHOWN_CHARS = 120;

export interface UrlCheckContext {
  readonly registrable: RegistrableDomain;
  readonly lookalikes: LookalikeMatcher;
  readonly shorteners: ReadonlySet<string>;
}

interface Hit {
  readonly artifact: string;
  readonly examples: string[];
  count: number;
}

/** The link findings of one message (see README.md for each symbol). */
export function checkUrls(ctx: UrlCheckContext, urls: readonly UrlSighting[], anchors: readonly AnchorSighting[]): Finding[] {
  const hits = new Map<LinkSymbol, Hit>();
  const hit = (symbol: LinkSymbol, artifact: string, example: string): void => {
    const entry = hits.get(symbol);
    if (entry === undefined) {
      hits.set(symbol, { artifact, examples: [example], count: 1 });
      return;
    }
    entry.count++;
    if (entry.examples.length < MAX_EXAMPLES) entry.examples.push(example);
  };
  // Host facts are the same for every URL on the host: computed once per host.
  const hostSymbols = new Map<string, { symbol: LinkSymbol; why: string }[]>();
  for (const sighting of urls) {
    const host = hostOf(sighting.url);
    if (host === undefined) continue;
    let facts = hostSymbols.get(host);
    if (facts === undefined) {
      facts = inspectHost(ctx, host);
      hostSymbols.set(host, facts);
    }
    const shown = escapeForDisplay(sighting.url, SHOWN_CHARS);
    for (const { symbol, why } of facts) hit(symbol, sighting.artifact, why === '' ? shown : `${shown} (${why})`);
    if (sighting.userinfo !== undefined) {
      hit('LINK_USERINFO', sighting.artifact, `"${escapeForDisplay(sighting.userinfo, 60)}@" before the real host ${escapeForDisplay(host, 80)}`);
    }
  }
  for (const anchor of anchors) {
    const shownIn = hostShownIn(anchor.text);
    const host = hostOf(anchor.url);
    if (shownIn === undefined || host === undefined) continue;
    const shownHost = shownIn.host;
    if (ctx.registrable(shownHost) === ctx.registrable(host)) continue;
    // A bare name in prose ("Shop at Walmart.com") over a click-tracking link is how newsletters write; it
    // counts only when the name is a protected site. A written-out URL or www. host always counts.
    if (!shownIn.explicit && !ctx.lookalikes.isProtected(shownHost)) continue;
    const text = escapeForDisplay(anchor.text, 80);
    hit('LINK_TEXT_MISMATCH', anchor.artifact, `text "${text}" shows ${escapeForDisplay(shownHost, 80)}, the link goes to ${escapeForDisplay(host, 80)}`);
  }
  return [...hits].map(([symbol, h]) => createLinkFinding(symbol, describe(symbol, h), h.artifact));
}

function inspectHost(ctx: UrlCheckContext, host: string): { symbol: LinkSymbol; why: string }[] {
  if (isIpLiteral(host)) return [{ symbol: 'LINK_IP_LITERAL', why: '' }];
  const facts: { symbol: LinkSymbol; why: string }[] = [];
  const labels = host.split('.');
  if (labels.some((l) => l.startsWith('xn--'))) facts.push({ symbol: 'LINK_PUNYCODE', why: `shown as ${escapeForDisplay(toUnicodeHost(host), 80)}` });
  for (const label of toUnicodeHost(host).split('.')) {
    const scripts = mixedScripts(label);
    if (scripts !== undefined) {
      facts.push({ symbol: 'LINK_MIXED_SCRIPT', why: `label "${escapeForDisplay(label, 63)}" mixes ${scripts.join(' and ')}` });
      break;
    }
  }
  if (ctx.shorteners.has(host) || ctx.shorteners.has(ctx.registrable(host))) facts.push({ symbol: 'LINK_SHORTENER', why: '' });
  const lookalike = ctx.lookalikes.match(host);
  if (lookalike !== undefined) {
    const how = lookalike.how === 'edit-distance' ? `${lookalike.distance ?? '?'} edit(s) away` : lookalike.how === 'confusable' ? 'confusable characters' : 'carries it as labels';
    facts.push({ symbol: 'LINK_LOOKALIKE', why: `imitates ${lookalike.target}: ${how}` });
  }
  return facts;
}

const LABELS: Readonly<Record<LinkSymbol, string>> = {
  LINK_TEXT_MISMATCH: 'anchor(s) show another site than they link to',
  LINK_IP_LITERAL: 'link(s) to an IP address',
  LINK_PUNYCODE: 'link(s) to an internationalised (xn--) host',
  LINK_MIXED_SCRIPT: 'link(s) to a host mixing scripts',
  LINK_USERINFO: 'link(s) with a user@host disguise',
  LINK_SHORTENER: 'link(s) through a shortener',
  LINK_LOOKALIKE: 'link(s) to a lookalike of a protected domain',
  LINK_NEW_DOMAIN: 'link(s) to a site first seen lately',
};

function describe(symbol: LinkSymbol, h: Hit): string {
  const more = h.count > h.examples.length ? `; ${h.count - h.examples.length} more` : '';
  return `${h.count} ${LABELS[symbol]}: ${h.examples.join('; ')}${more}`;
}

function hostOf(url: string): string | undefined {
  try {
    const host = new URL(url).hostname;
    return host === '' ? undefined : host;
  } catch {
    // Every collected URL parsed once already; a cut one (2,048 characters) may not.
    return undefined;
  }
}
