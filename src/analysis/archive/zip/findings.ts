/**
 * Findings of the zip dissector: scores and severities are data here (policy
 * may override them). FINDINGS.md in this folder says what each one means
 * and why it scores what it does.
 */
import type { Finding, Severity } from '../../../core/index.js';

export const ZIP_ENGINE = 'zip';

interface ZipFindingSpec {
  readonly score: number;
  readonly severity: Severity;
}

// Structures only an attacker (or a parser-differential fuzzer) produces score at least the
// quarantine threshold (15); defects that broken writers and truncated downloads also
// produce are oddities (1-5).
export const ZIP_FINDINGS = {
  ENCRYPTED_ARCHIVE: { score: 6, severity: 'medium' },
  ENCRYPTED_ARCHIVE_OPENED: { score: 3, severity: 'low' },
  ZIP_OVERLAPPING_ENTRIES: { score: 20, severity: 'high' },
  ZIP_HEADER_MISMATCH: { score: 15, severity: 'high' },
  ZIP_UNICODE_PATH_MISMATCH: { score: 15, severity: 'high' },
  PARSER_CONFUSION: { score: 20, severity: 'high' },
  ZIP_COMMENT_PAYLOAD: { score: 15, severity: 'high' },
  ZIP_CRC_MISMATCH: { score: 5, severity: 'medium' },
  ZIP_AES_AUTH_FAILED: { score: 5, severity: 'medium' },
  ZIP_TRUNCATED: { score: 5, severity: 'medium' },
  ZIP_CORRUPT_DATA: { score: 5, severity: 'medium' },
  ZIP_MALFORMED: { score: 5, severity: 'medium' },
  ZIP_PREPENDED_DATA: { score: 2, severity: 'low' },
  ZIP_APPENDED_DATA: { score: 2, severity: 'low' },
  ZIP_UNSUPPORTED_METHOD: { score: 1, severity: 'low' },
} as const satisfies Record<string, ZipFindingSpec>;

export type ZipSymbol = keyof typeof ZIP_FINDINGS;

// One finding per symbol per archive, listing at most this many occurrences: a hostile
// archive with 10,000 overlapping entries must not produce 10,000 findings.
const MAX_DETAILS_PER_SYMBOL = 8;

/** Collects observations and folds them into one finding per symbol. */
export interface ZipFindingList {
  /** `detail` must already be escaped where it quotes archive data. */
  add(symbol: ZipSymbol, detail: string): void;
  has(symbol: ZipSymbol): boolean;
  list(): Finding[];
}

/** Creates a finding list for the archive at `artifactPath`. */
export function createZipFindingList(artifactPath: string): ZipFindingList {
  const bySymbol = new Map<ZipSymbol, { details: string[]; count: number }>();
  return {
    add(symbol, detail) {
      const entry = bySymbol.get(symbol) ?? { details: [], count: 0 };
      if (entry.count < MAX_DETAILS_PER_SYMBOL && !entry.details.includes(detail)) entry.details.push(detail);
      entry.count++;
      bySymbol.set(symbol, entry);
    },
    has(symbol) {
      return bySymbol.has(symbol);
    },
    list() {
      return [...bySymbol].map(([symbol, { details, count }]) => {
        const spec: ZipFindingSpec = ZIP_FINDINGS[symbol];
        const more = count > details.length ? `; and ${count - details.length} more` : '';
        return {
          engine: ZIP_ENGINE,
          symbol,
          score: spec.score,
          severity: spec.severity,
          detail: `zip ${artifactPath}: ${details.join('; ')}${more}`,
          artifact: artifactPath,
        };
      });
    },
  };
}
