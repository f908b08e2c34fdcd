/**
 * Runs the unpack benchmark: the corpus through analyzeMessage in the real
 * worker pool, first one worker per format (serial figures), then all
 * workers over everything (parallel figure). Unpacked bytes are the sizes of
 * the member artifacts the pipeline produced (each hashed and typed), so the
 * figure covers hashing and type detection, not inflation alone.
 */
import { cpus, tmpdir } from 'node:os';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { AnalysisResult } from '../src/core/index.js';
import { createAnalysisPool } from '../src/analysis/index.js';
import type { AnalysisLimits, AnalysisPool } from '../src/analysis/index.js';
import type { CorpusFormat, CorpusItem } from './unpack-corpus.js';
import { buildUnpackCorpus } from './unpack-corpus.js';

export const TARGET_MB_PER_SECOND = 150;
const MB = 1024 * 1024;

export interface UnpackBenchOptions {
  readonly workers: number;
  /** Timed passes over each message (after one warm-up pass). */
  readonly rounds: number;
  readonly workerHeapMb: number;
  readonly timeBudgetMs: number;
  /** Corpus size factor (1 is about 64 MiB of content). */
  readonly scale: number;
}

export interface FormatFigures {
  readonly format: CorpusFormat;
  readonly archiveMb: number;
  readonly contentMb: number;
  readonly seconds: number;
  /** Member artifact bytes per timed pass. */
  readonly unpackedMb: number;
  readonly artifacts: number;
  readonly mbPerSecond: number;
  readonly artifactsPerSecond: number;
  /** Every file in the archive came out (unpacked bytes cover the content). */
  readonly complete: boolean;
  /** Findings of one pass, by symbol (bombs, timeouts, crashes show here). */
  readonly symbols: Readonly<Record<string, number>>;
}

export interface UnpackBenchResult {
  readonly machine: { readonly nproc: number; readonly cpu: string; readonly node: string };
  readonly corpusSha256: string;
  readonly settings: UnpackBenchOptions;
  readonly serial: readonly FormatFigures[];
  readonly parallel: { readonly workers: number; readonly seconds: number; readonly unpackedMb: number; readonly mbPerSecond: number; readonly artifactsPerSecond: number };
  readonly baselineRssMb: number;
  readonly peakRssMb: number;
  /** Jobs whose worker hit the heap limit (it is then killed and replaced). */
  readonly heapLimitHits: number;
  readonly meetsTarget: boolean;
}

const memberArtifacts = (r: AnalysisResult): AnalysisResult['artifacts'] => r.artifacts.filter((a) => a.path.includes('/'));
const unpackedBytes = (r: AnalysisResult): number => memberArtifacts(r).reduce((n, a) => n + a.size, 0);
const hitHeapLimit = (r: AnalysisResult): boolean => r.findings.some((f) => f.symbol === 'ANALYSIS_CRASH' && f.detail.includes('out of memory'));

function countSymbols(results: readonly AnalysisResult[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const r of results) for (const f of r.findings) counts[f.symbol] = (counts[f.symbol] ?? 0) + 1;
  return counts;
}

/** Builds the corpus, runs it, and returns the figures. `log` gets progress lines. */
export async function runUnpackBench(options: UnpackBenchOptions, log: (line: string) => void): Promise<UnpackBenchResult> {
  const corpus = buildUnpackCorpus(options.scale);
  const largest = Math.max(...corpus.items.map((i) => i.message.length));
  const limits: AnalysisLimits = { maxMessageBytes: largest + 1024, maxMimeParts: 1000, maxMimeDepth: 30 };
  const dir = await mkdtemp(join(tmpdir(), 'moat-bench-unpack-'));
  let peakRss = process.memoryUsage.rss();
  const baselineRss = peakRss;
  const sampler = setInterval(() => {
    peakRss = Math.max(peakRss, process.memoryUsage.rss());
  }, 25);
  let heapLimitHits = 0;
  const analyze = async (pool: AnalysisPool, path: string): Promise<AnalysisResult> => {
    const result = await pool.analyze(path);
    if (hitHeapLimit(result)) heapLimitHits++;
    return result;
  };
  try {
    const paths = new Map<CorpusItem, string>();
    for (const [i, item] of corpus.items.entries()) {
      const path = join(dir, `${i}-${item.format}.eml`);
      await writeFile(path, item.message);
      paths.set(item, path);
    }
    log(`corpus ${corpus.sha256.slice(0, 12)}: ${corpus.items.length} messages, ${(corpus.items.reduce((n, i) => n + i.contentBytes, 0) / MB).toFixed(1)} MiB of content`);

    const serial: FormatFigures[] = [];
    const one = createAnalysisPool({ workers: 1, timeBudgetMs: options.timeBudgetMs, workerHeapMb: options.workerHeapMb, limits });
    try {
      for (const item of corpus.items) {
        const path = paths.get(item) ?? '';
        const warm = await analyze(one, path);
        const started = performance.now();
        let bytes = 0;
        let artifacts = 0;
        for (let round = 0; round < options.rounds; round++) {
          const r = await analyze(one, path);
          bytes += unpackedBytes(r);
          artifacts += memberArtifacts(r).length;
        }
        const seconds = (performance.now() - started) / 1000;
        const perPass = bytes / options.rounds;
        serial.push({
          format: item.format,
          archiveMb: item.archiveBytes / MB,
          contentMb: item.contentBytes / MB,
          seconds,
          unpackedMb: perPass / MB,
          artifacts: artifacts / options.rounds,
          mbPerSecond: bytes / MB / seconds,
          artifactsPerSecond: artifacts / seconds,
          complete: perPass >= item.contentBytes,
          symbols: countSymbols([warm]),
        });
        log(`${item.format}: ${(bytes / MB / seconds).toFixed(1)} MB/s`);
      }
    } finally {
      await one.close();
    }

    const many = createAnalysisPool({ workers: options.workers, timeBudgetMs: options.timeBudgetMs, workerHeapMb: options.workerHeapMb, limits });
    let parallel: UnpackBenchResult['parallel'];
    try {
      const jobs = corpus.items.map((item) => paths.get(item) ?? '');
      await Promise.all(jobs.map((p) => analyze(many, p)));
      const started = performance.now();
      const results = await Promise.all(Array.from({ length: options.rounds }, () => jobs).flat().map((p) => analyze(many, p)));
      const seconds = (performance.now() - started) / 1000;
      const bytes = results.reduce((n, r) => n + unpackedBytes(r), 0);
      const artifacts = results.reduce((n, r) => n + memberArtifacts(r).length, 0);
      parallel = { workers: options.workers, seconds, unpackedMb: bytes / MB, mbPerSecond: bytes / MB / seconds, artifactsPerSecond: artifacts / seconds };
    } finally {
      await many.close();
    }
    const unpacking = serial.filter((f) => f.unpackedMb > 0);
    return {
      machine: { nproc: cpus().length, cpu: cpus()[0]?.model ?? 'unknown', node: process.version },
      corpusSha256: corpus.sha256,
      settings: options,
      serial,
      parallel,
      baselineRssMb: baselineRss / MB,
      peakRssMb: Math.max(peakRss, process.resourceUsage().maxRSS * 1024) / MB,
      heapLimitHits,
      meetsTarget: unpacking.length === serial.length && serial.every((f) => f.mbPerSecond >= TARGET_MB_PER_SECOND),
    };
  } finally {
    clearInterval(sampler);
    await rm(dir, { recursive: true, force: true });
  }
}

/** The human-readable report. */
export function formatUnpackReport(r: UnpackBenchResult): string {
  const lines = [
    `machine           ${r.machine.nproc} × ${r.machine.cpu}, node ${r.machine.node}`,
    `corpus            sha256 ${r.corpusSha256.slice(0, 12)}, scale ${r.settings.scale}, ${r.settings.rounds} timed passes, heap limit ${r.settings.workerHeapMb} MB/worker`,
    'format       archive MiB  content MiB  unpacked MiB   MB/s   artifacts/s  complete  findings',
  ];
  for (const f of r.serial) {
    const symbols = Object.entries(f.symbols).map(([s, n]) => `${s}×${n}`).join(' ') || '-';
    lines.push(
      `${f.format.padEnd(12)} ${f.archiveMb.toFixed(1).padStart(11)}  ${f.contentMb.toFixed(1).padStart(11)}  ${f.unpackedMb.toFixed(1).padStart(12)}  ${f.mbPerSecond.toFixed(1).padStart(6)}  ${f.artifactsPerSecond.toFixed(1).padStart(12)}  ${(f.complete ? 'yes' : 'NO').padStart(8)}  ${symbols}`,
    );
  }
  lines.push(
    `parallel          ${r.parallel.workers} workers: ${r.parallel.mbPerSecond.toFixed(1)} MB/s, ${r.parallel.artifactsPerSecond.toFixed(1)} artifacts/s (${r.parallel.unpackedMb.toFixed(1)} MiB in ${r.parallel.seconds.toFixed(2)} s)`,
    `peak RSS          ${r.peakRssMb.toFixed(0)} MB (baseline ${r.baselineRssMb.toFixed(0)} MB, whole process, all workers)`,
    `heap limit        ${r.heapLimitHits === 0 ? 'respected: no worker reached it' : `${r.heapLimitHits} jobs hit it (worker killed and replaced)`}`,
    `target            ${TARGET_MB_PER_SECOND} MB/s per format: ${r.meetsTarget ? 'met' : r.serial.some((f) => f.unpackedMb === 0) ? 'NOT MET (some formats were not unpacked: no dissector registered for them)' : 'NOT MET'}`,
  );
  return lines.join('\n');
}
