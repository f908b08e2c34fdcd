/**
 * Findings of the calendar (iCalendar) dissector. Scores and severities are
 * data; policy may override them per symbol. FINDINGS.md says why.
 */
import type { Finding, Severity } from '../../../core/index.js';

export const ICS_ENGINE = 'ics';

export const ICS_FINDINGS = {
  ICS_LINK: { score: 0, severity: 'info' },
  ICS_ATTACHMENT: { score: 3, severity: 'medium' },
  ICS_MALFORMED: { score: 1, severity: 'low' },
} as const satisfies Record<string, { readonly score: number; readonly severity: Severity }>;

export type IcsSymbol = keyof typeof ICS_FINDINGS;

/** Builds a calendar finding; `detail` must already be escaped where it quotes invite data. */
export function createIcsFinding(symbol: IcsSymbol, detail: string, artifact: string): Finding {
  const { score, severity } = ICS_FINDINGS[symbol];
  return { engine: ICS_ENGINE, symbol, score, severity, detail: `part ${artifact}: ${detail}`, artifact };
}
