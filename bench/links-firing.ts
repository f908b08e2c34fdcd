/**
 * How often the links and impersonation findings fire on legitimate mail:
 * the first N messages (by sequence number) of a SpamAssassin corpus group
 * (default: 500 of easy-ham-1) run through analyzeMessage with a links
 * configuration resembling a real one, and each symbol's firing rate is
 * printed. Also spam-1 for contrast with `--group spam-1`.
 *
 *   npx tsc -p tsconfig.json && node dist/bench/links-firing.js [--count 500] [--group easy-ham-1]
 *
 * The configuration: the corpus' own recipient domain as the protected domain
 * (most of it was addressed to spamassassin.taint.org), ten brands phishing
 * imitates, and one protected person who really posts in the corpus (Justin
 * Mason, with one of his addresses), so IMPERSONATION_VIP is measured against
 * a real name rather than one that never appears.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { analyzeMessage } from '../src/analysis/index.js';
import type { AnalysisLimits } from '../src/analysis/index.js';
import { createLinkAnalyzer, IMPERSONATION_FINDINGS, LINK_FINDINGS } from '../src/analysis/links/index.js';
import type { LinkSettings } from '../src/analysis/links/index.js';
import { corpusDataDir, parseFileList } from './corpus.js';

export const LINKS_BENCH_SETTINGS: LinkSettings = {
  protectedDomains: ['spamassassin.taint.org'],
  brands: ['paypal.com', 'microsoft.com', 'apple.com', 'amazon.com', 'google.com', 'ebay.com', 'bankofamerica.com', 'wellsfargo.com', 'chase.com', 'docusign.com'],
  vips: [{ name: 'Justin Mason', addresses: ['jm@jmason.org'] }],
};
const LIMITS: AnalysisLimits = { maxMessageBytes: 10_000_000, maxMimeParts: 1000, maxMimeDepth: 30 };

function argument(name: string, fallback: string): string {
  const at = process.argv.indexOf(`--${name}`);
  return at >= 0 ? (process.argv[at + 1] ?? fallback) : fallback;
}

async function main(): Promise<void> {
  const count = Number.parseInt(argument('count', '500'), 10);
  const group = argument('group', 'easy-ham-1');
  const dataDir = corpusDataDir();
  const list = parseFileList(JSON.parse(await readFile(join(dataDir, 'file_list.json'), 'utf8')) as unknown);
  const files = list.filter((f) => f.group === group).sort((a, b) => (a.path < b.path ? -1 : 1)).slice(0, count);
  const links = createLinkAnalyzer(LINKS_BENCH_SETTINGS);
  const fired = new Map<string, string[]>();
  let urls = 0;
  let withoutMs = 0;
  let withMs = 0;
  for (const file of files) {
    // The mbox separator line is not a header.
    const raw = Buffer.from((await readFile(join(dataDir, file.path))).toString('latin1').replace(/^From [^\r\n]*\r?\n/, ''), 'latin1');
    let started = performance.now();
    const result = await analyzeMessage(raw, LIMITS);
    withoutMs += performance.now() - started;
    urls += result.urls.length;
    started = performance.now();
    const withLinks = await analyzeMessage(raw, LIMITS, { links });
    withMs += performance.now() - started;
    const symbols = new Set(withLinks.findings.filter((f) => f.engine === 'links' || f.engine === 'impersonation').map((f) => f.symbol));
    for (const symbol of symbols) fired.set(symbol, [...(fired.get(symbol) ?? []), `${file.path}: ${withLinks.findings.find((f) => f.symbol === symbol)?.detail ?? ''}`]);
  }
  console.log(`links firing rates on ${files.length} messages of ${group} (${urls} URLs)`);
  console.log('symbol                 score  messages  rate');
  for (const symbol of [...Object.keys(LINK_FINDINGS), ...Object.keys(IMPERSONATION_FINDINGS)]) {
    const hits = fired.get(symbol) ?? [];
    const score = (LINK_FINDINGS as Record<string, { score: number }>)[symbol]?.score ?? (IMPERSONATION_FINDINGS as Record<string, { score: number }>)[symbol]?.score;
    console.log(`${symbol.padEnd(22)} ${String(score).padStart(5)}  ${String(hits.length).padStart(8)}  ${((100 * hits.length) / files.length).toFixed(1)}%`);
  }
  if (process.argv.includes('--examples')) {
    for (const [symbol, hits] of fired) for (const hit of hits.slice(0, 5)) console.log(`${symbol}\t${hit.slice(0, 300)}`);
  }
  const per = (ms: number): string => (ms / files.length).toFixed(2);
  console.log(`whole analysis per message: ${per(withoutMs)} ms without the links pass, ${per(withMs)} ms with it`);
}

await main();
