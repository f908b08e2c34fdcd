/**
 * Findings of the libarchive dissector (7z, rar, cab, ISO 9660 / UDF).
 * Scores are data; FINDINGS.md gives the reason for each. Content we could
 * not look at scores at the quarantine threshold (15) so nothing unscanned is
 * delivered as clean; oddities score 1-5.
 */
import { findingBuilder, type FindingTable } from '../../finding-table.js';

export const LIBARCHIVE_ENGINE = 'libarchive';

export const LIBARCHIVE_FINDINGS = {
  // Same meaning as the zip dissector's: members are listed, their content is not scanned.
  ENCRYPTED_ARCHIVE: { score: 6, severity: 'medium' },
  ENCRYPTED_ARCHIVE_OPENED: { score: 3, severity: 'low' },
  // 7z -mhe / rar -hp: even the member names are encrypted, so nothing at all could be checked.
  LIBARCHIVE_NAMES_ENCRYPTED: { score: 4, severity: 'medium' },
  LIBARCHIVE_UNREADABLE: { score: 15, severity: 'high' },
  LIBARCHIVE_MALFORMED: { score: 15, severity: 'high' },
  LIBARCHIVE_NOTHING_LISTED: { score: 15, severity: 'high' },
  LIBARCHIVE_DATA_ERROR: { score: 15, severity: 'high' },
  LIBARCHIVE_MEMORY_LIMIT: { score: 15, severity: 'high' },
  LIBARCHIVE_DECODER_TRAP: { score: 15, severity: 'high' },
  PARSER_CONFUSION: { score: 20, severity: 'high' },
} as const satisfies FindingTable;

export type LibarchiveSymbol = keyof typeof LIBARCHIVE_FINDINGS;

/** Builds a libarchive finding; `detail` must already be escaped where it quotes archive data. */
export const createLibarchiveFinding = findingBuilder(LIBARCHIVE_ENGINE, LIBARCHIVE_FINDINGS, { partPrefix: false });
