/** Calendar invites (iCalendar): links and inline attachments. */
export { createIcsDissector } from './dissector.js';
export { isCalendar, scanCalendar } from './scan-ics.js';
export type { IcsSymbol } from './findings.js';
export { ICS_FINDINGS } from './findings.js';
