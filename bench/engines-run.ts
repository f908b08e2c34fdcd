/**
 * One engines benchmark: the synthetic ClamAV database written and loaded
 * into a real clamd (only when a step needs it), the corpus built once, then
 * the same load run against a fresh gateway per step (engines off, YARA,
 * + intel, + ClamAV). Tear-down happens on every path.
 */
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import type { BenchOptions } from './args.js';
import type { EngineStep, EnginesBenchOptions } from './engines-args.js';
import { startBenchClamd, type BenchClamd } from './engines-clamd.js';
import { writeClamavDb } from './clamav-db.js';
import { loadBenchSample, runBench, type BenchResult } from './run-bench.js';

/** clamd's StreamMaxLength: above the largest generated artifact (2 MB) and the gateway's default cap (25 MiB). */
const CLAMD_STREAM_MAX_BYTES = 32 * 1024 * 1024;
/** Two cores: more scan threads than that only queue inside clamd. */
const CLAMD_THREADS = 4;

export interface ClamdFigures {
  readonly signatures: number;
  readonly dbBytes: number;
  /** Writing the database files (bench cost, not clamd's). */
  readonly writeSeconds: number;
  /** Spawn to first PONG. */
  readonly loadSeconds: number;
  /** Resident set right after loading, and the peak at the end, in MB. */
  readonly rssAfterLoadMb: number;
  readonly peakRssMb: number;
  /** clamd CPU during the `all` step's measured phase and drain, in cores. */
  readonly cpuCores?: number;
}

export interface EngineStepResult {
  readonly step: EngineStep;
  readonly result: BenchResult;
  /** Measured messages over the time until the sink's last delivery. */
  readonly endToEndPerSecond: number;
  /**
   * Machine load average (1 min) at the end of the step. The bench's own threads
   * count too; a value well above a quiet run's means other work shared the cores.
   */
  readonly loadAverage: number;
}

export interface EnginesResult {
  readonly steps: readonly EngineStepResult[];
  readonly clamd?: ClamdFigures;
  readonly startedAt: string;
}

/** The repository root, from dist/bench/ two levels up. */
function repoRoot(): string {
  return resolve(fileURLToPath(new URL('.', import.meta.url)), '..', '..');
}

/**
 * The UNC4841 list (bench/fixtures, columns type,value,family,source) in the
 * gateway's CSV format (type,value,source,confidence,severity,expires,description).
 */
export function convertIocCsv(text: string): string {
  const out = ['type,value,source,confidence,severity,expires,description'];
  for (const line of text.split(/\r?\n/).slice(1)) {
    if (line.trim() === '') continue;
    const [type = '', value = '', family = ''] = line.split(',');
    out.push(`${type},${value},unc4841-bench,90,critical,,${family.replace(/[",]/g, ' ')}`);
  }
  return `${out.join('\n')}\n`;
}

/**
 * Gateway settings of one step; each step is the one before plus one engine:
 * off, + YARA, + indicators, + ClamAV (`all`: the malware engines), + the
 * sender side (`sender`: SPF/DKIM/DMARC/ARC, reverse DNS, Bayes spam).
 * Links and impersonation checks run in every step (they have no switch).
 */
export function stepSettings(step: EngineStep, intelCsv: string, clamd?: { host: string; port: number }): Record<string, unknown> {
  const yara = step !== 'off';
  const intel = step === 'intel' || step === 'all' || step === 'sender';
  const clamav = step === 'all' || step === 'sender';
  const sender = step === 'sender';
  if (clamav && clamd === undefined) throw new Error(`the ${step} step needs clamd`);
  return {
    analysis: {
      yara: { enabled: yara },
      clamav: clamav && clamd !== undefined ? { enabled: true, host: clamd.host, port: clamd.port, maxStreamBytes: CLAMD_STREAM_MAX_BYTES } : { enabled: false },
    },
    intel: { csv: intel ? [intelCsv] : [] },
    auth: { enabled: sender },
    spam: { enabled: sender },
    reputation: { rdns: { enabled: sender } },
  };
}

/** Runs every step of `options`; `signal` is the hard deadline. */
export async function runEnginesBench(options: EnginesBenchOptions, signal: AbortSignal, progress: (line: string) => void): Promise<EnginesResult> {
  const startedAt = new Date().toISOString();
  const dir = await mkdtemp(join(tmpdir(), 'moat-engines-'));
  let clamd: BenchClamd | undefined;
  try {
    const intelCsv = join(dir, 'ioc-unc4841.csv');
    await writeFile(intelCsv, convertIocCsv(await readFile(join(repoRoot(), 'bench', 'fixtures', 'ioc-unc4841.csv'), 'utf8')));

    let clamdFigures: Omit<ClamdFigures, 'peakRssMb' | 'cpuCores'> | undefined;
    if (options.steps.includes('all') || options.steps.includes('sender')) {
      progress(`writing the ClamAV database: ${options.db.md5Hashes} MD5, ${options.db.sha256Hashes} SHA-256, ${options.db.bodySignatures} body signatures`);
      const dbDir = join(dir, 'clamav');
      await mkdir(dbDir);
      const writeStart = performance.now();
      const db = await writeClamavDb(dbDir, options.db);
      const writeSeconds = (performance.now() - writeStart) / 1000;
      progress(`starting clamd (${(db.bytes / 1e6).toFixed(0)} MB of signatures)`);
      clamd = await startBenchClamd({ dir: dbDir, streamMaxBytes: CLAMD_STREAM_MAX_BYTES, threads: CLAMD_THREADS, startTimeoutMs: 240_000, signal });
      const memory = await clamd.memory();
      clamdFigures = { signatures: db.signatures, dbBytes: db.bytes, writeSeconds, loadSeconds: clamd.loadSeconds, rssAfterLoadMb: (memory.vmRssKb ?? Number.NaN) / 1024 };
      progress(`clamd ready after ${clamd.loadSeconds.toFixed(1)} s, RSS ${clamdFigures.rssAfterLoadMb.toFixed(0)} MB`);
    }
    signal.throwIfAborted();

    progress(`building ${options.sample} corpus messages (${options.corpus})`);
    const sample = await loadBenchSample({ corpus: options.corpus, sample: options.sample });
    const steps: EngineStepResult[] = [];
    let clamdCpu: number | undefined;
    for (const step of options.steps) {
      const benchOptions: BenchOptions = {
        connections: options.connections,
        messages: options.messages,
        warmup: options.warmup,
        sample: options.sample,
        workers: options.workers,
        timeoutSeconds: options.timeoutSeconds,
        json: false,
        sink: 'raw',
        corpus: options.corpus,
        overrides: stepSettings(step, intelCsv, clamd),
      };
      let clamdCpuBefore: Promise<number> | undefined;
      const stepStart = performance.now();
      const result = await runBench(
        benchOptions,
        signal,
        (line) => {
          // runBench says `measuring` just before the clock starts: clamd's CPU is read there.
          if (line.startsWith('measuring') && (step === 'all' || step === 'sender')) clamdCpuBefore = clamd?.cpuSeconds();
          progress(`[${step}] ${line}`);
        },
        sample,
      );
      if (step === 'all' && clamd !== undefined && clamdCpuBefore !== undefined) {
        const seconds = Math.max(result.wallSeconds, result.endToEnd.seconds);
        clamdCpu = ((await clamd.cpuSeconds()) - (await clamdCpuBefore)) / seconds;
      }
      progress(`[${step}] done in ${((performance.now() - stepStart) / 1000).toFixed(0)} s: ${result.messagesPerSecond.toFixed(1)} msg/s`);
      steps.push({ step, result, endToEndPerSecond: options.messages / result.endToEnd.seconds, loadAverage: loadavg()[0] ?? Number.NaN });
    }
    let figures: ClamdFigures | undefined;
    if (clamd !== undefined && clamdFigures !== undefined) {
      const memory = await clamd.memory();
      figures = { ...clamdFigures, peakRssMb: (memory.vmHwmKb ?? Number.NaN) / 1024, ...(clamdCpu === undefined ? {} : { cpuCores: clamdCpu }) };
    }
    return { steps, startedAt, ...(figures === undefined ? {} : { clamd: figures }) };
  } finally {
    await clamd?.stop();
    await rm(dir, { recursive: true, force: true });
  }
}
