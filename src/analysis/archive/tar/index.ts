/** Tar: dissector (ustar, v7, pax, GNU long names) and an in-memory writer for tests and benchmarks. */
export { createTarDissector } from './tar-dissector.js';
export { checksumOk, looksLikeTar, parseTar } from './parse-tar.js';
export type { TarParse } from './parse-tar.js';
export { buildTar, paxEntry } from './build-tar.js';
export type { BuildTarOptions, TarEntrySpec } from './build-tar.js';
export { TAR_FINDINGS } from './tables.js';
export type { TarSymbol } from './tables.js';
