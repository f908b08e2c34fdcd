/** HTML and SVG: smuggling, credential forms, redirects, obfuscated script; decoded payloads as members. */
export { createHtmlDissector } from './dissector.js';
export { isHtml, scanHtml } from './scan-html.js';
// The tokenizer is shared with URL extraction (src/analysis/urls) so both read broken markup the same way.
export type { HtmlTag } from './tokenize-html.js';
export { decodeEntities, tokenizeHtml } from './tokenize-html.js';
export type { HtmlSymbol } from './findings.js';
export { HTML_FINDINGS } from './findings.js';
