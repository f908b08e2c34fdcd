/**
 * The ClamAV engine's findings, as data (policy may override a score per
 * symbol). AV_UNAVAILABLE carries no score: it is an outage, not evidence,
 * and policy maps it to a temporary failure (451) by default.
 */
import { findingBuilder } from '../../finding-table.js';

export const CLAMAV_ENGINE_NAME = 'clamav';

export const CLAMAV_FINDINGS = {
  // clamd matched a signature: known malware (or the EICAR test file).
  CLAMAV_VIRUS: { score: 100, severity: 'critical' },
  // Larger than clamd accepts (StreamMaxLength): the content was not AV-scanned.
  CLAMAV_TOO_LARGE: { score: 5, severity: 'medium' },
  // clamd unreachable, timed out or answered garbage: the content was not AV-scanned.
  AV_UNAVAILABLE: { score: 0, severity: 'high' },
} as const;

export type ClamavSymbol = keyof typeof CLAMAV_FINDINGS;

export const buildClamavFinding = findingBuilder(CLAMAV_ENGINE_NAME, CLAMAV_FINDINGS);
