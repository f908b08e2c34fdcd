export { createQuarantine } from './quarantine.js';
export type { Quarantine, QuarantineEntry, QuarantineIndexPort, QuarantineOptions } from './quarantine.js';
