/**
 * Findings of the HTML dissector. Scores and severities are data; policy may
 * override them per symbol. FINDINGS.md says why.
 */
import { findingBuilder, type FindingTable } from '../../finding-table.js';

export const HTML_ENGINE = 'html';

export const HTML_FINDINGS = {
  HTML_SMUGGLING: { score: 20, severity: 'high' },
  HTML_CREDENTIAL_FORM: { score: 12, severity: 'high' },
  HTML_SCRIPT_OBFUSCATION: { score: 5, severity: 'medium' },
  HTML_DATA_URI: { score: 3, severity: 'low' },
  HTML_REDIRECT: { score: 3, severity: 'low' },
} as const satisfies FindingTable;

export type HtmlSymbol = keyof typeof HTML_FINDINGS;

/** Builds a html finding; `detail` must already be escaped where it quotes message data. */
export const createHtmlFinding = findingBuilder(HTML_ENGINE, HTML_FINDINGS);
