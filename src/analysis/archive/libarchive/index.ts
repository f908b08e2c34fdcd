export { createLibarchiveDissector, DEFAULT_MAX_WASM_MEMORY_BYTES } from './dissector.js';
export type { LibarchiveDissectorOptions } from './dissector.js';
export { detectLibarchiveFormat, readVolumeFacts } from './magic.js';
export type { LibarchiveFormat, VolumeFacts } from './magic.js';
export { LIBARCHIVE_FINDINGS } from './findings.js';
export type { LibarchiveSymbol } from './findings.js';
