/**
 * IOC engine: artifact hashes and names against the indicator store, hash
 * reputation, and envelope/URL matching for the SMTP intake. See README.md.
 */
export type { IocEngineOptions } from './engine.js';
export { createIocEngine } from './engine.js';
export type { EnvelopeFacts, UrlToMatch } from './envelope.js';
export { matchEnvelope, matchUrls, MAX_URLS_MATCHED } from './envelope.js';
export type { IocSymbol } from './findings.js';
export { HASH_REPUTATION_FINDINGS, indicatorFinding, IOC_ENGINE_NAME, IOC_SEVERITY_SCORES, scoreIndicator } from './findings.js';
