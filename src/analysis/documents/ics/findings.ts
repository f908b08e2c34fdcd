/**
 * Findings of the calendar (iCalendar) dissector. Scores and severities are
 * data; policy may override them per symbol. FINDINGS.md says why.
 */
import { findingBuilder, type FindingTable } from '../../finding-table.js';

export const ICS_ENGINE = 'ics';

export const ICS_FINDINGS = {
  ICS_LINK: { score: 0, severity: 'info' },
  ICS_ATTACHMENT: { score: 3, severity: 'medium' },
  ICS_MALFORMED: { score: 1, severity: 'low' },
} as const satisfies FindingTable;

export type IcsSymbol = keyof typeof ICS_FINDINGS;

/** Builds a ics finding; `detail` must already be escaped where it quotes message data. */
export const createIcsFinding = findingBuilder(ICS_ENGINE, ICS_FINDINGS);
