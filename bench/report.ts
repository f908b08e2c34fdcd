/**
 * The human-readable table of a run.
 */
import type { BenchResult } from './run-bench.js';
import { formatCounts, formatTable } from './stats.js';

function ms(value: number): string {
  return Number.isFinite(value) ? `${value.toFixed(1)} ms` : 'n/a';
}

/** What was sent, in words: `2000 SpamAssassin messages (1369 ham, 631 spam)` or with the generated share. */
export function formatCorpus(corpus: BenchResult['corpus']): string {
  const spamassassin = corpus.messages - corpus.attachments;
  const parts: string[] = [];
  if (spamassassin > 0) parts.push(`${spamassassin} SpamAssassin messages (${corpus.ham - corpus.attachments} ham, ${corpus.spam} spam)`);
  if (corpus.attachments > 0) parts.push(`${corpus.attachments} generated attachment messages (${corpus.eicar} with EICAR)`);
  return parts.join(' + ');
}

/** Renders a run as a two-column table. */
export function formatReport(result: BenchResult): string {
  const { settings, corpus, dataLatencyMs: latency, endToEnd, gateway, machine } = result;
  return formatTable([
    ['machine', `${machine.nproc} × ${machine.cpu}, node ${machine.node}`],
    ['settings', `${settings.connections} connections, ${settings.messages} messages (+${settings.warmup} warm-up), analysis.workers ${settings.analysisWorkers}, fsync always, sink ${settings.sink}`],
    ...(Object.keys(settings.overrides).length === 0 ? [] : [['--set', JSON.stringify(settings.overrides)] as const]),
    ['corpus', `${formatCorpus(corpus)}, mean ${corpus.meanBytes} bytes, sha256 ${corpus.sha256.slice(0, 12)}`],
    ['accepted (250)', `${result.accepted} in ${result.wallSeconds.toFixed(2)} s`],
    ['throughput', `${result.messagesPerSecond.toFixed(1)} msg/s`],
    ['DATA reply p50/p95/p99', `${ms(latency.p50)} / ${ms(latency.p95)} / ${ms(latency.p99)} (max ${ms(latency.max)})`],
    ['not 250', formatCounts(result.refused)],
    ['verdicts', formatCounts(result.verdicts)],
    [
      'end to end',
      `${endToEnd.delivered}/${endToEnd.expected} at the sink after ${endToEnd.seconds.toFixed(2)} s (drain ${endToEnd.drainSeconds.toFixed(2)} s)${endToEnd.complete ? '' : ' INCOMPLETE'}`,
    ],
    ['gateway peak RSS', `${gateway.peakRssMb.toFixed(0)} MB`],
    ['gateway CPU', `${gateway.cpuCoresIntake.toFixed(2)} cores during intake, ${gateway.cpuCoresEndToEnd.toFixed(2)} end to end`],
    ['load generator CPU', `${result.loadGeneratorCpuCores.toFixed(2)} cores during intake`],
  ]);
}
