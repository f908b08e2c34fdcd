/**
 * Findings of the shortcut (LNK) engine. Scores and severities are data;
 * policy may override them per symbol. FINDINGS.md says why.
 */
import { findingBuilder, type FindingTable } from '../../finding-table.js';

export const LNK_ENGINE = 'lnk';

export const LNK_FINDINGS = {
  LNK_COMMAND: { score: 15, severity: 'high' },
  LNK_LONG_ARGUMENTS: { score: 10, severity: 'high' },
  LNK_REMOTE_TARGET: { score: 10, severity: 'high' },
  LNK_DECOY_ICON: { score: 5, severity: 'medium' },
  LNK_MALFORMED: { score: 2, severity: 'low' },
} as const satisfies FindingTable;

export type LnkSymbol = keyof typeof LNK_FINDINGS;

/** Builds a lnk finding; `detail` must already be escaped where it quotes message data. */
export const createLnkFinding = findingBuilder(LNK_ENGINE, LNK_FINDINGS);
