/**
 * URL extraction for one message: each text or HTML artifact is scanned
 * (bounded per artifact), and the message keeps its distinct URLs in the
 * order they first appear, each with the part it was first seen in.
 */
import type { Finding } from '../../core/index.js';
import { externalRelationshipTargets } from '../documents/office/index.js';
import { extractHtmlAnchors } from './extract-anchors.js';
import { baseFor, extractHtmlUrls } from './extract-html.js';
import { extractTextUrls } from './extract-text.js';
import { createUrlFinding } from './findings.js';
import type { ParsedLink } from './normalise.js';
import { toAbsoluteUrl, toLink } from './normalise.js';

/**
 * How the content is read: running text (text/plain), markup (HTML, SVG), or an OOXML relationships
 * part (`*.rels`: the targets of its external relationships).
 */
export type UrlSourceKind = 'text' | 'html' | 'relationships';

// Distinct URLs kept per message. Newsletters carry tens to a few hundred links; a thousand is generated
// junk or padding. It is also the number the ioc engine matches (MAX_URLS_MATCHED), and 1,000 URLs of at
// most 2,048 characters bound the list that travels back from the worker to about 2 MB.
export const MAX_URLS_PER_MESSAGE = 1000;
// Characters scanned per artifact. Mail HTML rarely passes 1 MiB (Gmail clips bodies at 102 KB); 4 MiB
// leaves room for HTML attachments carrying blobs, and bounds the decoded string (up to 8 MB of heap as
// UTF-16) and the time (the tokenizer runs at about 30 ms per MB).
export const MAX_SCAN_CHARS = 4 * 1024 * 1024;
// Distinct link values held while an HTML document waits for its <base href>: relative links and duplicates
// that normalise to one URL must not crowd out the rest.
const CANDIDATES_PER_URL = 4;
// Anchors kept per message for LINK_TEXT_MISMATCH: only those whose text could name a site (it holds a dot),
// as many as URLs. Each is a URL plus at most 256 characters of text.
export const MAX_ANCHORS_PER_MESSAGE = 1000;

export interface UrlExtractionOptions {
  readonly maxUrls?: number;
  readonly maxScanChars?: number;
}

export interface UrlExtraction {
  /** Normalised absolute http/https/ftp URLs, distinct, in order of first appearance. */
  readonly urls: readonly string[];
  /** True when part of the content was not scanned or URLs beyond the limit were dropped. */
  readonly limited: boolean;
  /** Why, when `limited`. */
  readonly reason?: string;
}

/** One URL with the artifact it was first seen in. */
export interface UrlSighting {
  readonly url: string;
  /** Path of the artifact (part or member) it was first seen in. */
  readonly artifact: string;
  /** Userinfo a sighting of it carried (`www.bank.example` in `https://www.bank.example@evil.example/`). */
  readonly userinfo?: string;
}

/** An HTML anchor whose visible text could name a site: the normalised href and that text. */
export interface AnchorSighting {
  readonly url: string;
  /** Visible text, entity-decoded, white space collapsed, at most 256 characters. Raw: escape before display. */
  readonly text: string;
  readonly artifact: string;
}

/** Extracts the URLs of one piece of content (see README.md). Never throws on content. */
export function extractUrls(content: Uint8Array | string, kind: UrlSourceKind, options: UrlExtractionOptions = {}): UrlExtraction {
  const collector = createUrlCollector(options);
  collector.scan(content, kind, '');
  const urls = collector.sightings().map((s) => s.url);
  const reason = collector.limitReason();
  return reason === undefined ? { urls, limited: false } : { urls, limited: true, reason };
}

export interface UrlCollector {
  /** Scans one artifact's content. Never throws on content; a limit is recorded, not raised. */
  scan(content: Uint8Array | string, kind: UrlSourceKind, path: string): void;
  /** Adds links a dissector found (PDF `/URI` actions), as written; non-http(s)/ftp ones are dropped. */
  addLinks(raws: readonly string[], path: string): void;
  /** Distinct URLs in order of first appearance, with the part each was first seen in. */
  sightings(): readonly UrlSighting[];
  /** HTML anchors whose text could name a site, in document order, at most MAX_ANCHORS_PER_MESSAGE. */
  anchors(): readonly AnchorSighting[];
  /** URL_LIMIT when a limit was hit (one per message), else nothing. */
  findings(): Finding[];
  /** What limit was hit, undefined when none. */
  limitReason(): string | undefined;
}

/** A collector for one message's URLs. */
export function createUrlCollector(options: UrlExtractionOptions = {}): UrlCollector {
  const maxUrls = options.maxUrls ?? MAX_URLS_PER_MESSAGE;
  const maxChars = options.maxScanChars ?? MAX_SCAN_CHARS;
  const seen = new Map<string, { artifact: string; userinfo?: string }>();
  const anchors: AnchorSighting[] = [];
  const reasons = new Set<string>();
  let firstLimitedPath: string | undefined;
  let full = false;
  const limit = (reason: string, path: string): void => {
    firstLimitedPath ??= path;
    // The reasons are fixed texts (one per limit), so the set stays at three.
    reasons.add(reason);
  };
  const add = ({ url, userinfo }: ParsedLink, path: string): boolean => {
    const known = seen.get(url);
    if (known !== undefined) {
      if (known.userinfo === undefined && userinfo !== undefined) known.userinfo = userinfo;
      return true;
    }
    if (seen.size >= maxUrls) {
      if (!full) limit(`more than ${maxUrls} distinct URLs, the rest were not recorded`, path);
      full = true;
      return false;
    }
    seen.set(url, userinfo === undefined ? { artifact: path } : { artifact: path, userinfo });
    return true;
  };
  const addLinks = (raws: readonly string[], path: string): void => {
    for (const raw of raws) {
      if (full) return;
      const link = toLink(raw.trim());
      if (link !== undefined) add(link, path);
    }
  };
  const scanAnchors = (text: string, path: string): void => {
    const raw: { href: string; text: string }[] = [];
    const base = extractHtmlAnchors(text, (anchor) => {
      if (anchor.text.includes('.')) raw.push(anchor);
      return raw.length < maxUrls;
    });
    const baseUrl = base === undefined ? undefined : toAbsoluteUrl(base);
    for (const anchor of raw) {
      if (anchors.length >= MAX_ANCHORS_PER_MESSAGE) return;
      const url = toAbsoluteUrl(anchor.href, baseFor(anchor.href, baseUrl === undefined ? undefined : new URL(baseUrl)));
      if (url !== undefined) anchors.push({ url, text: anchor.text, artifact: path });
    }
  };
  return {
    scan(content, kind, path) {
      if (full) return;
      const { text, cut } = decodeBounded(content, maxChars);
      if (cut) limit(`only the first ${maxChars} characters of a ${KIND_NAMES[kind]} part were searched for URLs`, path);
      if (kind === 'text') {
        extractTextUrls(text, (link) => add(link, path));
        return;
      }
      if (kind === 'relationships') {
        addLinks(externalRelationshipTargets(text, maxUrls), path);
        return;
      }
      const complete = extractHtmlUrls(text, (link) => {
        add(link, path);
      }, maxUrls * CANDIDATES_PER_URL);
      if (!complete) limit(`more than ${maxUrls * CANDIDATES_PER_URL} distinct link values in one HTML part, the rest were not read`, path);
      scanAnchors(text, path);
    },
    addLinks,
    sightings: () => [...seen].map(([url, s]) => (s.userinfo === undefined ? { url, artifact: s.artifact } : { url, artifact: s.artifact, userinfo: s.userinfo })),
    anchors: () => anchors,
    findings() {
      if (reasons.size === 0) return [];
      return [createUrlFinding('URL_LIMIT', `URL extraction limited: ${[...reasons].join('; ')}`, firstLimitedPath ?? '')];
    },
    limitReason: () => (reasons.size === 0 ? undefined : [...reasons].join('; ')),
  };
}

const KIND_NAMES: Readonly<Record<UrlSourceKind, string>> = { text: 'text', html: 'HTML', relationships: 'relationships' };

/**
 * At most `maxChars` characters of the content. Markup with a UTF-16 byte order mark is read as UTF-16
 * (browsers honour the BOM), anything else as UTF-8, which keeps the ASCII of URLs intact in any
 * ASCII-compatible charset. Never throws.
 */
function decodeBounded(content: Uint8Array | string, maxChars: number): { text: string; cut: boolean } {
  if (typeof content === 'string') return { text: content.slice(0, maxChars), cut: content.length > maxChars };
  const utf16 = content[0] === 0xff && content[1] === 0xfe ? 'utf-16le' : content[0] === 0xfe && content[1] === 0xff ? 'utf-16be' : undefined;
  // A UTF-8 character is at least one byte and a UTF-16 one two, so this many bytes hold at most maxChars characters.
  const maxBytes = utf16 === undefined ? maxChars : maxChars * 2;
  const text = new TextDecoder(utf16 ?? 'utf-8').decode(content.subarray(0, maxBytes));
  return { text, cut: content.length > maxBytes };
}
