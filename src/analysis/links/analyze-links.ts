/**
 * The links pass: a message-level step after the artifact walk, when all
 * URLs, anchors and headers are known. Built once per worker from
 * LinkSettings; `analyze` is pure, bounded by the URL and anchor caps of
 * the collector (1,000 each) and the settings' list sizes.
 */
import type { Finding, MessageHeaders } from '../../core/index.js';
import type { AnchorSighting, UrlSighting } from '../urls/index.js';
import { checkHeaders } from './check-headers.js';
import type { CompiledPerson } from './check-headers.js';
import { checkUrls } from './check-urls.js';
import { createRegistrableDomain, normaliseHost } from './domain.js';
import { createLookalikeMatcher } from './lookalike.js';
import { compileName } from './names.js';
import type { LinkSettings } from './settings.js';
import { DEFAULT_FREEMAIL, DEFAULT_SHORTENERS, MULTI_LABEL_SUFFIXES } from './tables.js';

/** What the pass reads of one analysed message. */
export interface LinkInput {
  readonly headers: MessageHeaders;
  readonly urls: readonly UrlSighting[];
  readonly anchors: readonly AnchorSighting[];
}

export interface LinkAnalyzer {
  /** The links and impersonation findings of one message. Never throws on message data. */
  analyze(input: LinkInput): Finding[];
}

/** Builds the pass from its settings (lists are normalised once here). */
export function createLinkAnalyzer(settings: LinkSettings): LinkAnalyzer {
  const registrable = createRegistrableDomain(MULTI_LABEL_SUFFIXES);
  const lookalikes = createLookalikeMatcher([...settings.protectedDomains, ...settings.brands], registrable);
  const shorteners = new Set((settings.shorteners ?? DEFAULT_SHORTENERS).map(normaliseHost));
  const freemail = new Set((settings.freemail ?? DEFAULT_FREEMAIL).map(normaliseHost));
  const vips: CompiledPerson[] = settings.vips.map((p) => ({ name: p.name, pattern: compileName(p.name), addresses: new Set(p.addresses.map((a) => a.trim().toLowerCase())) }));
  return {
    analyze(input) {
      return [...checkHeaders({ registrable, lookalikes, freemail, vips }, input.headers), ...checkUrls({ registrable, lookalikes, shorteners }, input.urls, input.anchors)];
    },
  };
}
