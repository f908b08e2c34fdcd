/**
 * Findings of the UDF dissector. Scores are data; FINDINGS.md gives the
 * reason for each. Content we could not look at scores at the quarantine
 * threshold (15); structures only attackers build score 20; oddities 1-5.
 */
import { findingBuilder, type FindingTable } from '../../finding-table.js';

export const UDF_ENGINE = 'udf';

export const UDF_FINDINGS = {
  UDF_MALFORMED: { score: 5, severity: 'medium' },
  UDF_UNREADABLE: { score: 15, severity: 'high' },
  UDF_UNSUPPORTED: { score: 15, severity: 'high' },
  UDF_EXTENT_OUTSIDE: { score: 15, severity: 'high' },
  UDF_TOO_DEEP: { score: 15, severity: 'high' },
  UDF_LIMIT: { score: 15, severity: 'high' },
  PARSER_CONFUSION: { score: 20, severity: 'high' },
} as const satisfies FindingTable;

export type UdfSymbol = keyof typeof UDF_FINDINGS;

/** Builds a UDF finding; `detail` must already be escaped where it quotes image data. */
export const createUdfFinding = findingBuilder(UDF_ENGINE, UDF_FINDINGS, { partPrefix: false });
