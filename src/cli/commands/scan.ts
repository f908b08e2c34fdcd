/**
 * `moat scan FILE...`: the gateway's analysis and policy, offline. Files go
 * through the same worker pool, many at once, and results print in the
 * order the files were named.
 */
import { stat } from 'node:fs/promises';
import { createAnalysisPool } from '../../analysis/index.js';
import { addressOf, analysisPoolOptions, loadStoredPolicy, openYaraRules } from '../../app/index.js';
import type { AnalysisResult, Verdict } from '../../core/index.js';
import { escapeForDisplay } from '../../core/index.js';
import { decide } from '../../policy/index.js';
import { print, stringOption, type Command } from '../context.js';

interface ScanOutcome {
  readonly file: string;
  readonly result?: { analysis: AnalysisResult; verdict: Verdict };
  readonly error?: string;
}

export const scan: Command = async (context) => {
  const files = context.args;
  if (files.length === 0) {
    context.io.stderr.write('usage: moat scan FILE.eml... [--rcpt ADDRESS] [--sender ADDRESS] [--json]\n');
    return 64;
  }
  const json = context.options['json'] === true;
  const { config } = await context.loadConfig();
  // With --rcpt, the stored policy of that recipient (organization, domain, exceptions) decides;
  // without, the installation's policy from the config.
  const rcpt = stringOption(context, 'rcpt');
  const policy = rcpt === undefined ? (await loadStoredPolicy(config, { stored: false })).resolve() : (await loadStoredPolicy(config, { stored: true })).resolve(rcpt);
  const sender = stringOption(context, 'sender');
  const settings = { onIncompleteAnalysis: config.analysis.onTimeout };
  const pool = createAnalysisPool(analysisPoolOptions(config, { yaraRules: await openYaraRules(config) }));

  async function scanOne(file: string): Promise<ScanOutcome> {
    try {
      const info = await stat(file);
      if (!info.isFile()) return { file, error: 'not a regular file' };
      const analysis = await pool.analyze(file);
      const headerFrom = addressOf(analysis.headers.from);
      const mailFrom = sender ?? headerFrom ?? '';
      const input = { findings: analysis.findings, artifacts: analysis.artifacts, sender: { mailFrom, ...(headerFrom === undefined ? {} : { headerFrom }) }, queueId: 'scan' };
      const verdict = decide(input, policy, settings);
      return { file, result: { analysis, verdict } };
    } catch (error) {
      return { file, error: error instanceof Error ? error.message : String(error) };
    }
  }

  // Keep the workers busy without holding every result in flight at once.
  const window = Math.max(2, config.analysis.workers * 4);
  const pending = new Map<number, Promise<ScanOutcome>>();
  let failures = 0;
  try {
    for (let next = 0, printed = 0; printed < files.length; ) {
      while (next < files.length && next - printed < window) {
        pending.set(next, scanOne(files[next] as string));
        next++;
      }
      const outcome = await (pending.get(printed) as Promise<ScanOutcome>);
      pending.delete(printed);
      printed++;
      if (outcome.error !== undefined) failures++;
      print(context.io, json ? formatJson(outcome) : formatText(outcome));
    }
  } finally {
    await pool.close();
  }
  return failures > 0 ? 1 : 0;
};

function formatJson(outcome: ScanOutcome): string {
  if (outcome.result === undefined) return JSON.stringify({ file: outcome.file, error: outcome.error });
  const { analysis, verdict } = outcome.result;
  return JSON.stringify({
    file: outcome.file,
    action: verdict.action,
    score: verdict.score,
    reasons: verdict.reasons,
    policyVersion: verdict.policyVersion,
    ...(verdict.strip === undefined ? {} : { strip: verdict.strip }),
    findings: analysis.findings,
    artifacts: analysis.artifacts,
    headers: analysis.headers,
    elapsedMs: analysis.elapsedMs,
  });
}

function formatText(outcome: ScanOutcome): string {
  const name = escapeForDisplay(outcome.file);
  if (outcome.result === undefined) return `${name}: ERROR ${outcome.error ?? ''}`;
  const { analysis, verdict } = outcome.result;
  const lines = [`${name}: ${verdict.action} (score ${verdict.score}, ${analysis.artifacts.length} artifacts)`];
  for (const finding of analysis.findings) {
    lines.push(`  ${finding.symbol} +${finding.score}${finding.artifact === undefined ? '' : ` [${finding.artifact}]`} ${finding.detail}`);
  }
  return lines.join('\n');
}
