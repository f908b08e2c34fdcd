/**
 * Findings of URL extraction. Scores are data; policy may override them.
 */
import { findingBuilder, type FindingTable } from '../finding-table.js';

export const URLS_ENGINE = 'urls';

export const URL_FINDINGS = {
  // Some URLs were not extracted, so not matched against indicators. Every other engine still saw the
  // whole content, so this is not the unscanned-content case (15); a small score marks padding used to
  // push a link past the limit.
  URL_LIMIT: { score: 2, severity: 'low' },
} as const satisfies FindingTable;

export type UrlSymbol = keyof typeof URL_FINDINGS;

/** Builds a urls finding; `detail` must already be escaped where it quotes message data. */
export const createUrlFinding = findingBuilder(URLS_ENGINE, URL_FINDINGS);
