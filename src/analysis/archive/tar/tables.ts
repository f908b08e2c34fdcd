/** Tar finding symbols with their scores; FINDINGS.md in this folder says why. */
import type { Severity } from '../../../core/index.js';

export const TAR_FINDINGS = {
  TAR_BAD_CHECKSUM: { score: 15, severity: 'high' },
  PARSER_CONFUSION: { score: 20, severity: 'high' },
  TAR_TRUNCATED: { score: 3, severity: 'medium' },
  TAR_MALFORMED: { score: 3, severity: 'medium' },
  TAR_TRAILING_DATA: { score: 3, severity: 'low' },
} as const satisfies Record<string, { readonly score: number; readonly severity: Severity }>;

export type TarSymbol = keyof typeof TAR_FINDINGS;

export const BLOCK = 512;
/** pax extended headers and GNU long names larger than this are not read (a name is at most a few kB). */
export const MAX_META_BYTES = 64 * 1024;
/** pax records per extended header; real ones hold a handful. */
export const MAX_PAX_RECORDS = 1024;
