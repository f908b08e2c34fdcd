/** Findings of the single-stream decompressors; FINDINGS.md in this folder says why they score what they do. */
import type { Severity } from '../../../core/index.js';

export const COMPRESSED_FINDINGS = {
  GZIP_MALFORMED: { score: 3, severity: 'medium' },
  GZIP_TRAILING_DATA: { score: 3, severity: 'low' },
  GZIP_TOO_MANY_MEMBERS: { score: 15, severity: 'high' },
  BZIP2_MALFORMED: { score: 3, severity: 'medium' },
  XZ_MALFORMED: { score: 3, severity: 'medium' },
} as const satisfies Record<string, { readonly score: number; readonly severity: Severity }>;

export type CompressedSymbol = keyof typeof COMPRESSED_FINDINGS;

/**
 * gzip members concatenated in one file. bgzip (genomics) writes one per
 * 64 KiB of input, so a 25 MB attachment stays far below; each costs a zlib call.
 */
export const MAX_GZIP_MEMBERS = 65_536;
/** Longest gzip FNAME/FCOMMENT field read; longer is malformed. */
export const MAX_GZIP_HEADER_STRING = 64 * 1024;

/** Outer-name suffixes and what they become (`x.tgz` holds `x.tar`). Lower-case. */
export const NAME_SUFFIXES: Readonly<Record<'gzip' | 'bzip2' | 'xz', readonly (readonly [string, string])[]>> = {
  gzip: [['.tgz', '.tar'], ['.taz', '.tar'], ['.gz', ''], ['.z', ''], ['-gz', '']],
  bzip2: [['.tbz2', '.tar'], ['.tbz', '.tar'], ['.tb2', '.tar'], ['.bz2', ''], ['.bz', '']],
  xz: [['.txz', '.tar'], ['.xz', '']],
};
