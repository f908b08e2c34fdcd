/**
 * Findings of the OneNote dissector. Scores and severities are data; policy
 * may override them per symbol. FINDINGS.md says why.
 */
import type { Finding, Severity } from '../../../core/index.js';

export const ONENOTE_ENGINE = 'onenote';

export const ONENOTE_FINDINGS = {
  // The embedded files themselves go through every engine (an .hta or .exe scores there).
  ONENOTE_EMBEDDED_FILE: { score: 6, severity: 'medium' },
  ONENOTE_MALFORMED: { score: 2, severity: 'low' },
} as const satisfies Record<string, { readonly score: number; readonly severity: Severity }>;

export type OneNoteSymbol = keyof typeof ONENOTE_FINDINGS;

/** Builds a OneNote finding. */
export function createOneNoteFinding(symbol: OneNoteSymbol, detail: string, artifact: string): Finding {
  const { score, severity } = ONENOTE_FINDINGS[symbol];
  return { engine: ONENOTE_ENGINE, symbol, score, severity, detail: `part ${artifact}: ${detail}`, artifact };
}
