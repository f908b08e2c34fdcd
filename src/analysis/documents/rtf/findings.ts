/**
 * Findings of the RTF dissector. Scores and severities are data; policy may
 * override them per symbol. FINDINGS.md says why each score is what it is.
 */
import { findingBuilder, type FindingTable } from '../../finding-table.js';

export const RTF_ENGINE = 'rtf';

export const RTF_FINDINGS = {
  RTF_OBJECT: { score: 1, severity: 'info' },
  // Object classes whose only use in a mailed RTF is a known exploit: reject threshold.
  RTF_EXPLOIT_OBJECT_CLASS: { score: 40, severity: 'critical' },
  RTF_PACKAGE_OBJECT: { score: 15, severity: 'high' },
  RTF_OBFUSCATION: { score: 15, severity: 'high' },
  RTF_OBJECT_AUTOUPDATE: { score: 5, severity: 'medium' },
  RTF_DDE: { score: 15, severity: 'high' },
  RTF_REMOTE_TEMPLATE: { score: 15, severity: 'high' },
  RTF_MALFORMED: { score: 2, severity: 'low' },
} as const satisfies FindingTable;

export type RtfSymbol = keyof typeof RTF_FINDINGS;

/** Builds a rtf finding; `detail` must already be escaped where it quotes message data. */
export const createRtfFinding = findingBuilder(RTF_ENGINE, RTF_FINDINGS);
