export { createFileTypeEngine } from './engine.js';
export { examineFileName } from './file-name.js';
export type { FileNameFacts } from './file-name.js';
export type { FileTypeSymbol } from './tables.js';
export { FILETYPE_SYMBOLS } from './tables.js';
