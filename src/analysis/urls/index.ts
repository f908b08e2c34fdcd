/**
 * URL extraction: http/https/ftp links in text bodies and in HTML at any
 * depth, normalised for indicator matching. See README.md.
 */
export type { AnchorSighting, UrlCollector, UrlExtraction, UrlExtractionOptions, UrlSighting, UrlSourceKind } from './extract-urls.js';
export { createUrlCollector, extractUrls, MAX_ANCHORS_PER_MESSAGE, MAX_SCAN_CHARS, MAX_URLS_PER_MESSAGE } from './extract-urls.js';
export type { RawAnchor } from './extract-anchors.js';
export { extractHtmlAnchors, MAX_ANCHOR_TEXT } from './extract-anchors.js';
export type { ParsedLink } from './normalise.js';
export { MAX_URL_CHARS, toAbsoluteUrl, toLink } from './normalise.js';
export type { UrlSymbol } from './findings.js';
export { URL_FINDINGS, URLS_ENGINE } from './findings.js';
