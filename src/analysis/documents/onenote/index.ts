/** OneNote: embedded files (FileDataStoreObject) as members. */
export { createOneNoteDissector } from './dissector.js';
export { isOneNote, scanOneNote } from './scan-onenote.js';
export type { OneNoteSymbol } from './findings.js';
export { ONENOTE_FINDINGS } from './findings.js';
