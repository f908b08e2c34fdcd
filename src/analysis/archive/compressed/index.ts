/** Single-stream decompressors: gzip (multi-member), bzip2, xz. Each yields one member, bounded by the budget. */
export { createGzipDissector, looksLikeGzip } from './gzip.js';
export { createBzip2Dissector, looksLikeBzip2 } from './bzip2.js';
export { createXzDissector, looksLikeXz } from './xz.js';
export { nameDecompressed } from './member-name.js';
export { COMPRESSED_FINDINGS } from './tables.js';
export type { CompressedSymbol } from './tables.js';
