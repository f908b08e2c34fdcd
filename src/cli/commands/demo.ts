/**
 * `moat demo [--data-dir DIR] [--organizations N] [--seed N] [--force]`:
 * seeds a synthetic multi-organization data set with a hidden espionage-like
 * campaign, reclusters, and shows the campaign found again.
 */
import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { stringify } from 'yaml';
import {
  createSeededRandom,
  demoConfigOverride,
  generateDemoDataSet,
  MAX_DEMO_ORGANIZATIONS,
  MIN_DEMO_ORGANIZATIONS,
  runDemo,
  type DemoRunSummary,
} from '../../app/index.js';
import { loadConfig, readConfigFile } from '../../config/index.js';
import { createLogger } from '../../observability/index.js';
import { print, stringOption, type Command, type CommandContext } from '../context.js';

const USAGE = `usage: moat demo [--data-dir DIR] [--organizations ${MIN_DEMO_ORGANIZATIONS}..${MAX_DEMO_ORGANIZATIONS}] [--seed N] [--force] [--config BASE.yaml] [--json]\n`;

function integerOption(context: CommandContext, name: string, fallback: number, min: number, max: number): number | undefined {
  const raw = stringOption(context, name);
  if (raw === undefined) return fallback;
  const value = Number(raw);
  return /^\d{1,10}$/u.test(raw) && value >= min && value <= max ? value : undefined;
}

const percent = (share: number): string => `${(share * 100).toFixed(1)} %`;

function printSummary(context: CommandContext, summary: DemoRunSummary, configFile: string): void {
  const { truth } = summary.data;
  print(context.io, `seeded ${summary.messages} messages for ${summary.organizations} organizations in ${summary.countries} countries (${(summary.seedMs / 1000).toFixed(1)} s)`);
  print(context.io, `clustering found ${summary.campaigns} campaigns (${(summary.reclusterMs / 1000).toFixed(1)} s)`);
  const hidden = summary.hidden;
  if (hidden === undefined) {
    print(context.io, `the hidden campaign (${truth.campaignQueueIds.length} messages) was not found`);
    return;
  }
  print(context.io, '');
  print(context.io, `hidden campaign: #${hidden.campaignId} "${hidden.name}"`);
  print(context.io, `  members ${hidden.members}, of the ${truth.campaignQueueIds.length} hidden: ${hidden.found} (precision ${hidden.precision.toFixed(3)}, recall ${hidden.recall.toFixed(3)})`);
  const report = hidden.report;
  if (report !== undefined) {
    const t = report.totals;
    print(context.io, `  ${t.organizations} organizations in ${t.countries} countries, ${t.recipients} recipients; ${t.delivered} delivered (missed), ${t.blocked} blocked`);
    print(context.io, `  regions: ${report.regions.map((r) => `${r.region} ${r.organizations} (${percent(r.share)})`).join(', ')}${report.unknownCountryOrganizations > 0 ? `, unknown country ${report.unknownCountryOrganizations}` : ''}`);
    print(context.io, `  first seen ${report.timeline.firstSeen}, last seen ${report.timeline.lastSeen}`);
    print(context.io, `  peak days: ${report.timeline.peaks.map((p) => `${p.day} (${p.messages})`).join(', ')}`);
  }
  print(context.io, '');
  print(context.io, `open it: moat start -c ${configFile}, sign in, then Campaigns -> #${hidden.campaignId} (or: moat -c ${configFile} campaigns report ${hidden.campaignId})`);
}

/** `moat demo`: generate, seed, recluster, summarise. */
export const demoCommand: Command = async (context) => {
  const organizations = integerOption(context, 'organizations', 300, MIN_DEMO_ORGANIZATIONS, MAX_DEMO_ORGANIZATIONS);
  const seed = integerOption(context, 'seed', 1, 0, 0xffffffff);
  if (organizations === undefined || seed === undefined || context.args.length > 0) {
    context.io.stderr.write(USAGE);
    return 64;
  }
  const force = context.options['force'] === true;
  const dataDir = resolve(context.io.cwd, stringOption(context, 'data-dir') ?? 'moat-demo');
  const configFile = join(dataDir, 'moat.yaml');
  if (existsSync(configFile) && !force) {
    context.io.stderr.write(`moat: ${configFile} exists: this folder already holds a demo (use another --data-dir, or --force)\n`);
    return 1;
  }
  // Only an explicitly named base file: its settings (storage, listeners) carry over into the demo's file.
  const basePath = stringOption(context, 'config');
  const base = basePath === undefined ? {} : await readConfigFile(resolve(context.io.cwd, basePath));
  const now = new Date();
  const data = generateDemoDataSet({ random: createSeededRandom(seed), organizations, now });
  await mkdir(dataDir, { recursive: true });
  await writeFile(configFile, `# Written by moat demo (seed ${seed}, ${organizations} organizations): moat start -c ${configFile}\n${stringify(demoConfigOverride(data, dataDir, base))}`, { mode: 0o600 });
  const { config } = await loadConfig({ env: context.io.env, operatorPath: configFile, cwd: context.io.cwd });
  // Warnings only, on stderr: stdout carries the summary (or the JSON).
  const logger = createLogger({ level: 'warn', node: config.node.id, destination: context.io.stderr });
  const summary = await runDemo({
    config,
    logger,
    seed,
    organizations,
    force,
    now,
    data,
    onProgress: (written, total) => {
      if (context.options['json'] !== true) context.io.stderr.write(`\rseeding ${written}/${total}`);
    },
  });
  if (context.options['json'] !== true) context.io.stderr.write('\n');
  if (context.options['json'] === true) {
    const { data: generated, ...rest } = summary;
    print(context.io, JSON.stringify({ ...rest, truth: { ...generated.truth, campaignQueueIds: generated.truth.campaignQueueIds.length }, configFile }));
  } else {
    printSummary(context, summary, configFile);
  }
  return 0;
};
