#!/usr/bin/env node
// Entry point for `npx moat` and `npm start`; the CLI itself is compiled to dist/.
import { runCli } from '../dist/src/cli/index.js';

const code = await runCli(process.argv.slice(2), {
  stdout: process.stdout,
  stderr: process.stderr,
  env: process.env,
  cwd: process.cwd(),
});
process.exitCode = code;
