/**
 * Spam engine (worker side): token hashes for the main-thread classifier
 * (src/spam) and the content rules (GTUBE, known spam structures). See README.md.
 */
export type { SpamContent, SpamTokenLimits } from './inspect-spam.js';
export { DEFAULT_SPAM_TOKEN_LIMITS, inspectSpamContent } from './inspect-spam.js';
export type { ContentFacts } from './content-rules.js';
export { CONTENT_RULE_LIMITS, evaluateContentRules } from './content-rules.js';
export type { SpamSymbol } from './findings.js';
export { SPAM_ENGINE_NAME, SPAM_FINDINGS } from './findings.js';
export { createTokenBag, hashToken } from './token-bag.js';
export type { TokenBag } from './token-bag.js';
export { tokenizeText } from './tokenize-text.js';
export type { TextLimits } from './tokenize-text.js';
export { readHtml } from './html-text.js';
export type { HtmlFacts } from './html-text.js';
