/**
 * The links pass: a message-level step after the artifact walk, when all
 * URLs, anchors and headers are known. Built once per worker from
 * LinkSettings; `analyze` is pure, bounded by the URL and anchor caps of
 * the collector (1,000 each) and the settings' list sizes. A message may
 * bring protected people of its own (its recipients' policy); those are
 * compiled per call, with a small cache.
 */
import type { Finding, MessageHeaders } from '../../core/index.js';
import type { AnchorSighting, UrlSighting } from '../urls/index.js';
import { checkHeaders } from './check-headers.js';
import type { CompiledPerson } from './check-headers.js';
import { checkUrls } from './check-urls.js';
import { createRegistrableDomain, normaliseHost } from './domain.js';
import { createLookalikeMatcher } from './lookalike.js';
import { compileName } from './names.js';
import type { LinkSettings, ProtectedPerson } from './settings.js';
import { DEFAULT_FREEMAIL, DEFAULT_SHORTENERS, MULTI_LABEL_SUFFIXES } from './tables.js';

/** What the pass reads of one analysed message. */
export interface LinkInput {
  readonly headers: MessageHeaders;
  readonly urls: readonly UrlSighting[];
  readonly anchors: readonly AnchorSighting[];
  /** Protected people for this message only (its recipients' policy), checked besides the settings' `vips`. */
  readonly vips?: readonly ProtectedPerson[];
}

export interface LinkAnalyzer {
  /** The links and impersonation findings of one message. Never throws on message data. */
  analyze(input: LinkInput): Finding[];
}

// A busy organization sends the same list with every message; a few compiled lists cover the
// organizations a worker sees in a burst without holding every tenant's list for ever.
const MAX_CACHED_VIP_LISTS = 8;

function compilePeople(people: readonly ProtectedPerson[]): CompiledPerson[] {
  return people.map((p) => ({ name: p.name, pattern: compileName(p.name), addresses: new Set(p.addresses.map((a) => a.trim().toLowerCase())) }));
}

/** Builds the pass from its settings (lists are normalised once here). */
export function createLinkAnalyzer(settings: LinkSettings): LinkAnalyzer {
  const registrable = createRegistrableDomain(MULTI_LABEL_SUFFIXES);
  const lookalikes = createLookalikeMatcher([...settings.protectedDomains, ...settings.brands], registrable);
  const shorteners = new Set((settings.shorteners ?? DEFAULT_SHORTENERS).map(normaliseHost));
  const freemail = new Set((settings.freemail ?? DEFAULT_FREEMAIL).map(normaliseHost));
  const vips = compilePeople(settings.vips);
  // Keyed by the list's JSON, least recently used first (Map keeps insertion order).
  const extraCache = new Map<string, readonly CompiledPerson[]>();
  const peopleFor = (extra: readonly ProtectedPerson[] | undefined): readonly CompiledPerson[] => {
    if (extra === undefined || extra.length === 0) return vips;
    const key = JSON.stringify(extra);
    let compiled = extraCache.get(key);
    if (compiled === undefined) {
      compiled = [...vips, ...compilePeople(extra)];
      if (extraCache.size >= MAX_CACHED_VIP_LISTS) {
        const oldest = extraCache.keys().next();
        if (oldest.done !== true) extraCache.delete(oldest.value);
      }
    } else {
      extraCache.delete(key);
    }
    extraCache.set(key, compiled);
    return compiled;
  };
  return {
    analyze(input) {
      return [...checkHeaders({ registrable, lookalikes, freemail, vips: peopleFor(input.vips) }, input.headers), ...checkUrls({ registrable, lookalikes, shorteners }, input.urls, input.anchors)];
    },
  };
}
