export { createQuarantine } from './quarantine.js';
export type { Quarantine, QuarantineEntry, QuarantineIndexPort, QuarantineOptions } from './quarantine.js';
export type { QuarantineContentStore } from './content-store.js';
export { createFileContentStore } from './file-content.js';
export type { FileContentOptions } from './file-content.js';
export { createDatabaseContentStore } from './database-content.js';
export type { QuarantineDatabasePort } from './database-content.js';
