/** HTML and SVG: smuggling, credential forms, redirects, obfuscated script; decoded payloads as members. */
export { createHtmlDissector } from './dissector.js';
export { isHtml, scanHtml } from './scan-html.js';
export type { HtmlSymbol } from './findings.js';
export { HTML_FINDINGS } from './findings.js';
