/**
 * Findings of the OneNote dissector. Scores and severities are data; policy
 * may override them per symbol. FINDINGS.md says why.
 */
import { findingBuilder, type FindingTable } from '../../finding-table.js';

export const ONENOTE_ENGINE = 'onenote';

export const ONENOTE_FINDINGS = {
  // The embedded files themselves go through every engine (an .hta or .exe scores there).
  ONENOTE_EMBEDDED_FILE: { score: 6, severity: 'medium' },
  ONENOTE_MALFORMED: { score: 2, severity: 'low' },
} as const satisfies FindingTable;

export type OneNoteSymbol = keyof typeof ONENOTE_FINDINGS;

/** Builds a onenote finding; `detail` must already be escaped where it quotes message data. */
export const createOneNoteFinding = findingBuilder(ONENOTE_ENGINE, ONENOTE_FINDINGS);
