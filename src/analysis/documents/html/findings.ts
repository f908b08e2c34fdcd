/**
 * Findings of the HTML dissector. Scores and severities are data; policy may
 * override them per symbol. FINDINGS.md says why.
 */
import type { Finding, Severity } from '../../../core/index.js';

export const HTML_ENGINE = 'html';

export const HTML_FINDINGS = {
  HTML_SMUGGLING: { score: 20, severity: 'high' },
  HTML_CREDENTIAL_FORM: { score: 12, severity: 'high' },
  HTML_SCRIPT_OBFUSCATION: { score: 5, severity: 'medium' },
  HTML_DATA_URI: { score: 3, severity: 'low' },
  HTML_REDIRECT: { score: 3, severity: 'low' },
} as const satisfies Record<string, { readonly score: number; readonly severity: Severity }>;

export type HtmlSymbol = keyof typeof HTML_FINDINGS;

/** Builds an HTML finding; `detail` must already be escaped where it quotes page data. */
export function createHtmlFinding(symbol: HtmlSymbol, detail: string, artifact: string): Finding {
  const { score, severity } = HTML_FINDINGS[symbol];
  return { engine: HTML_ENGINE, symbol, score, severity, detail: `part ${artifact}: ${detail}`, artifact };
}
