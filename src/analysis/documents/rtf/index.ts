/** RTF: embedded OLE objects (yielded for the OLE dissector), exploit classes, DDE, remote templates. */
export { createRtfDissector } from './dissector.js';
export { isRtf, scanRtf } from './scan-rtf.js';
export type { RtfSymbol } from './findings.js';
export { RTF_FINDINGS } from './findings.js';
