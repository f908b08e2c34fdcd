/**
 * Office documents: the OLE compound file dissector (doc/xls/ppt/msg and
 * OOXML vbaProject.bin) and the OOXML engine for package parts. Number
 * formats are analysed as data (CVE-2023-7101); nothing here evaluates
 * document content.
 */
export { createOleDissector } from './ole-dissector.js';
export { createOfficeEngine } from './office-engine.js';
export type { NumberFormatAnalysis, NumberFormatVerdict } from './number-format.js';
export { analyzeNumberFormat } from './number-format.js';
export type { OfficeSymbol } from './tables.js';
export { OFFICE_SYMBOLS } from './tables.js';
export { externalRelationshipTargets, isRelationshipsPart } from './relationships.js';
