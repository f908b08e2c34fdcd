/** Windows shortcuts (.lnk): what they run, with which arguments, from where. */
export { createLnkEngine } from './engine.js';
export { isShellLink, parseShellLink } from './parse-lnk.js';
export type { ShellLink } from './parse-lnk.js';
export type { LnkSymbol } from './findings.js';
export { LNK_FINDINGS } from './findings.js';
