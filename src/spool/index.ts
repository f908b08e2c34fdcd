export { Spool } from './spool.js';
export type { IncomingMessage, ReceiveOptions, RecoveryReport } from './spool.js';
export { createBodyScanner, MAX_LINE_OCTETS } from './body-scan.js';
export type { BodyScanResult, BodyScanner } from './body-scan.js';
export { writeFileDurable, fsyncDirectory, createDirectorySyncer, unlinkIfExists } from './durable-fs.js';
export type { DirectorySyncer } from './durable-fs.js';
