export { runCli } from './main.js';
export type { CliIo } from './context.js';
