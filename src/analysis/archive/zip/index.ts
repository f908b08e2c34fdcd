/** The zip dissector: see README.md for its contract and FINDINGS.md for its findings. */
export { acceptsZip, createZipDissector } from './dissector.js';
export { ZIP_ENGINE, ZIP_FINDINGS } from './findings.js';
export type { ZipSymbol } from './findings.js';
