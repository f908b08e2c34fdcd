/**
 * Links in HTML and SVG, read with the HTML dissector's tokenizer (so both
 * see the same tags in broken markup): the URL-valued attributes, meta
 * refresh targets, and relative links resolved against `<base href>`.
 * Attribute values arrive entity-decoded (`&#x68;ttp`, `&amp;`).
 */
import { tokenizeHtml } from '../documents/html/index.js';
import type { ParsedLink } from './normalise.js';
import { toAbsoluteUrl, toLink } from './normalise.js';

// Attributes a browser follows or fetches (WHATWG HTML; `background` on body/table/td is still honoured by mail clients).
const URL_ATTRIBUTES = ['href', 'src', 'action', 'formaction', 'data', 'poster', 'xlink:href', 'background'] as const;
// A link with another scheme never reaches an http/ftp server (`mailto:`, `cid:`, `data:`, `javascript:`).
const SCHEME = /^([a-z][a-z0-9+.-]*):/iu;
// Browsers strip these before parsing a URL (`java\nscript:`, `ht\ttp:`): the check must see the same scheme.
const STRIPPED = /[\t\n\r]/gu;
const LEADING = /^[\u0000-\u0020]+/u;
// Protocol-relative links take the page's scheme; webmail serves mail over https.
const PROTOCOL_RELATIVE_BASE = new URL('https://protocol-relative.invalid/');
// `content="5; url='https://x'"` and the bare `content="0;https://x"` (HTML: shared declarative refresh steps).
const REFRESH = /^\s*[\d.]*\s*[;,]?\s*(?:url\s*=\s*)?(.*)$/isu;

/**
 * Hands each link in `html` to `onUrl` in document order (absolute,
 * normalised). Relative links count only under an absolute `<base href>`:
 * a mail has no address of its own to resolve them against. At most
 * `maxCandidates` distinct link values are kept; returns false when more were dropped.
 */
export function extractHtmlUrls(html: string, onUrl: (link: ParsedLink) => void, maxCandidates: number): boolean {
  // Browsers resolve every link against the first <base href>, wherever it sits, so links wait for the end of the scan.
  const mayHaveBase = /<base[\s/>]/iu.test(html);
  let base: URL | undefined;
  let baseSeen = false;
  const candidates = new Set<string>();
  let complete = true;
  const keep = (value: string | undefined): void => {
    if (value === undefined) return;
    const raw = value.replace(STRIPPED, '').replace(LEADING, '');
    if (raw === '' || raw.startsWith('#') || candidates.has(raw)) return;
    const scheme = SCHEME.exec(raw)?.[1]?.toLowerCase();
    if (scheme !== undefined && scheme !== 'http' && scheme !== 'https' && scheme !== 'ftp') return;
    // Scheme-less and not `//host`: relative, useless without a base.
    if (scheme === undefined && !mayHaveBase && !/^[\\/]{2}/u.test(raw)) return;
    if (candidates.size >= maxCandidates) {
      complete = false;
      return;
    }
    candidates.add(raw);
  };
  tokenizeHtml(html, (tag) => {
    if (tag.closing) return;
    if (tag.name === 'base' && !baseSeen && tag.attrs.has('href')) {
      // Only the first <base href> counts (HTML: "the first base element with an href attribute").
      baseSeen = true;
      const href = toAbsoluteUrl(tag.attrs.get('href') ?? '');
      base = href === undefined ? undefined : new URL(href);
    }
    if (tag.name === 'meta' && (tag.attrs.get('http-equiv') ?? '').trim().toLowerCase() === 'refresh') keep(refreshTarget(tag.attrs.get('content') ?? ''));
    for (const attr of URL_ATTRIBUTES) keep(tag.attrs.get(attr));
  });
  for (const raw of candidates) {
    const link = toLink(raw, baseFor(raw, base));
    if (link !== undefined) onUrl(link);
  }
  return complete;
}

/** What a link value is resolved against: the document's base, or https for a protocol-relative `//host/path`. */
export function baseFor(raw: string, base: URL | undefined): URL | undefined {
  return base ?? (/^[\\/]{2}/u.test(raw) ? PROTOCOL_RELATIVE_BASE : undefined);
}

/** The URL of a meta refresh `content` value, quotes removed; undefined when there is none. */
export function refreshTarget(content: string): string | undefined {
  let target = REFRESH.exec(content)?.[1]?.trim() ?? '';
  const quote = target[0];
  if (quote === '"' || quote === "'") {
    const end = target.indexOf(quote, 1);
    target = target.slice(1, end < 0 ? undefined : end);
  }
  return target === '' ? undefined : target;
}
