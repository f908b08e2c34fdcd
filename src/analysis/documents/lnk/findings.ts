/**
 * Findings of the shortcut (LNK) engine. Scores and severities are data;
 * policy may override them per symbol. FINDINGS.md says why.
 */
import type { Finding, Severity } from '../../../core/index.js';

export const LNK_ENGINE = 'lnk';

export const LNK_FINDINGS = {
  LNK_COMMAND: { score: 15, severity: 'high' },
  LNK_LONG_ARGUMENTS: { score: 10, severity: 'high' },
  LNK_REMOTE_TARGET: { score: 10, severity: 'high' },
  LNK_DECOY_ICON: { score: 5, severity: 'medium' },
  LNK_MALFORMED: { score: 2, severity: 'low' },
} as const satisfies Record<string, { readonly score: number; readonly severity: Severity }>;

export type LnkSymbol = keyof typeof LNK_FINDINGS;

/** Builds a shortcut finding; `detail` must already be escaped. */
export function createLnkFinding(symbol: LnkSymbol, detail: string, artifact: string): Finding {
  const { score, severity } = LNK_FINDINGS[symbol];
  return { engine: LNK_ENGINE, symbol, score, severity, detail: `part ${artifact}: ${detail}`, artifact };
}
