/**
 * Links and impersonation: findings over a message's URLs, anchors and
 * From/Reply-To, run once per message after the artifact walk. See README.md.
 */
export type { LinkAnalyzer, LinkInput } from './analyze-links.js';
export { createLinkAnalyzer } from './analyze-links.js';
export type { LinkSettings, ProtectedPerson } from './settings.js';
export type { ImpersonationSymbol, LinkSymbol } from './findings.js';
export { createLinkFinding, IMPERSONATION_ENGINE, IMPERSONATION_FINDINGS, LINK_FINDINGS, LINKS_ENGINE } from './findings.js';
export { createRegistrableDomain, isIpLiteral } from './domain.js';
export type { RegistrableDomain } from './domain.js';
export { DEFAULT_FREEMAIL, DEFAULT_SHORTENERS, MULTI_LABEL_SUFFIXES } from './tables.js';
