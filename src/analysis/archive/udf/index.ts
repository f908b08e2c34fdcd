export { createUdfDissector } from './dissector.js';
export { UDF_ENGINE, UDF_FINDINGS, createUdfFinding } from './findings.js';
export type { UdfSymbol } from './findings.js';
export { readRecognition } from './volume.js';
export type { RecognitionFacts } from './volume.js';
