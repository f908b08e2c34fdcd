/**
 * `moat` command line. Parses arguments with node:util, dispatches to one
 * command, and turns configuration errors into a message naming the key
 * and exit code 78 (EX_CONFIG).
 */
import { parseArgs } from 'node:util';
import { ConfigError, MoatError } from '../core/index.js';
import { checkConfig, printConfig } from './commands/config.js';
import { intelCommand } from './commands/intel.js';
import { demoCommand } from './commands/demo.js';
import { campaignsCommand } from './commands/campaigns.js';
import { logCommand } from './commands/log.js';
import { policyCommand } from './commands/policy.js';
import { quarantineCommand } from './commands/quarantine.js';
import { queueCommand } from './commands/queue.js';
import { scan } from './commands/scan.js';
import { start } from './commands/start.js';
import { createConfigLoader, type CliIo, type Command } from './context.js';

const USAGE = `usage: moat <command> [options]

  start                          run the gateway (SMTP, delivery, HTTP)
  check-config                   validate the configuration and exit
  config print                   show the effective configuration, secrets redacted
  scan FILE.eml... [--rcpt A]    analyse messages offline with the gateway's pipeline and policy
  queue list|retry ID|delete ID  inspect and steer the delivery queue
  quarantine list|show ID|release ID [--rcpt a,b]|delete ID|confirm ID
  log search [filters] | log show ID
  policy check|import FILE | show [REV] | history | resolve ADDRESS
  intel import FILE [--source S] | list [--type T] [--source S] [--active] | expire ID
  intel feeds | feeds discover URL [--feed F] | poll [NAME]   TAXII feeds: state, collections, poll now
  intel hunt [ID...] [--indicator ID,ID] [--type T --value V] [--since 30d|ISO] [--json] | hunts   retro-hunt the log
  campaigns list | show ID | report ID [--format text|json|csv|stix] [--out FILE] | recluster [--since 90d]
            | rename ID NAME | attribute ID ACTOR | merge INTO FROM... | split ID QUEUEID...
  demo [--data-dir DIR] [--organizations N] [--seed N] [--force]   seed a demo with a hidden campaign

options: --config FILE (default: $MOAT_CONFIG, else ./moat.yaml if present), --json
`;

const COMMANDS: Readonly<Record<string, { readonly command: Command; readonly words: number }>> = {
  start: { command: start, words: 1 },
  'check-config': { command: checkConfig, words: 1 },
  'config print': { command: printConfig, words: 2 },
  scan: { command: scan, words: 1 },
  queue: { command: queueCommand, words: 1 },
  quarantine: { command: quarantineCommand, words: 1 },
  log: { command: logCommand, words: 1 },
  policy: { command: policyCommand, words: 1 },
  intel: { command: intelCommand, words: 1 },
  demo: { command: demoCommand, words: 1 },
  campaigns: { command: campaignsCommand, words: 1 },
};

/** Runs the CLI; returns the process exit code. */
export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      allowPositionals: true,
      strict: true,
      options: {
        config: { type: 'string', short: 'c' },
        json: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
        rcpt: { type: 'string' },
        sender: { type: 'string' },
        recipient: { type: 'string' },
        subject: { type: 'string' },
        'queue-id': { type: 'string' },
        'message-id': { type: 'string' },
        hash: { type: 'string' },
        attachment: { type: 'string' },
        'client-ip': { type: 'string' },
        'url-domain': { type: 'string' },
        since: { type: 'string' },
        until: { type: 'string' },
        limit: { type: 'string' },
        comment: { type: 'string' },
        source: { type: 'string' },
        feed: { type: 'string' },
        type: { type: 'string' },
        value: { type: 'string' },
        indicator: { type: 'string' },
        active: { type: 'boolean' },
        'data-dir': { type: 'string' },
        organizations: { type: 'string' },
        seed: { type: 'string' },
        force: { type: 'boolean' },
        format: { type: 'string' },
        out: { type: 'string' },
      },
    });
  } catch (error) {
    io.stderr.write(`moat: ${error instanceof Error ? error.message : String(error)}\n${USAGE}`);
    return 64;
  }
  const positionals = parsed.positionals;
  const two = positionals.slice(0, 2).join(' ');
  const entry = COMMANDS[two] ?? COMMANDS[positionals[0] ?? ''];
  if (parsed.values.help === true || entry === undefined) {
    (entry === undefined && parsed.values.help !== true ? io.stderr : io.stdout).write(USAGE);
    return entry === undefined && parsed.values.help !== true ? 64 : 0;
  }
  try {
    return await entry.command({
      io,
      args: positionals.slice(entry.words),
      options: parsed.values,
      loadConfig: createConfigLoader(io, parsed.values.config),
    });
  } catch (error) {
    if (error instanceof ConfigError) {
      io.stderr.write(`moat: ${error.message}\n`);
      return 78;
    }
    if (error instanceof MoatError) {
      io.stderr.write(`moat: ${error.code}: ${error.message}\n`);
      return 1;
    }
    throw error;
  }
}
