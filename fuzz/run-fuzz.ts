/**
 * The fuzz loop: fast-check generates cases in seeded batches, each case runs
 * in the real analysis worker pool (so a hang is an ANALYSIS_TIMEOUT and a
 * heap blow-up an ANALYSIS_CRASH, as in production) and, for archive cases,
 * through every registered dissector in a separate bounded pool. Crashing
 * and hanging inputs are saved as regression fixtures named by SHA-256.
 */
import { Buffer } from 'node:buffer';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { Piscina } from 'piscina';
import { createAnalysisPool } from '../src/analysis/index.js';
import type { AnalysisLimits } from '../src/analysis/index.js';
import type { Outcome } from './classify.js';
import { classifyFindings } from './classify.js';
import type { DissectJob, DissectJobResult } from './dissect-worker.js';
import { discoverDissectors } from './registry.js';
import type { FuzzCase, TargetName } from './targets.js';
import { caseArb, loadMailSeeds } from './targets.js';

export interface FuzzOptions {
  /** Wall-clock length of the run. */
  readonly durationMs: number;
  readonly targets: readonly TargetName[];
  /** fast-check seed of the first batch; printed so a run can be repeated. */
  readonly seed: number;
  /** Analysis worker threads, and parallel fuzz lanes. */
  readonly workers: number;
  /** Per-input time budget (the pool's timeBudgetMs). */
  readonly timeoutMs: number;
  readonly workerHeapMb: number;
  /** Where crashing inputs are written as `<sha256>.bin` (whole messages). */
  readonly regressionsDir: string;
  /** Real .eml fixtures used as mime seeds. */
  readonly mailFixturesDir: string;
  readonly log: (line: string) => void;
  /** Stops the run early (Ctrl-C). */
  readonly signal?: AbortSignal;
}

export interface FuzzCounts {
  executions: number;
  crashes: number;
  timeouts: number;
}

export interface FuzzReport extends FuzzCounts {
  readonly seed: number;
  readonly dissectors: readonly string[];
  readonly byTarget: Readonly<Record<string, FuzzCounts>>;
  /** Fixture files written in this run (new ones only). */
  readonly saved: readonly string[];
  readonly seconds: number;
}

export const FUZZ_LIMITS: AnalysisLimits = { maxMessageBytes: 4 * 1024 * 1024, maxMimeParts: 1000, maxMimeDepth: 30 };
// Cases per fast-check sample call; small so the deadline is honoured closely.
const BATCH = 16;
const PROGRESS_EVERY_MS = 10_000;

/** Writes `message` as a regression fixture; returns its path, or undefined when it was already there. */
export async function saveRegression(dir: string, message: Uint8Array): Promise<string | undefined> {
  await mkdir(dir, { recursive: true });
  const path = join(dir, `${createHash('sha256').update(message).digest('hex')}.bin`);
  if (existsSync(path)) return undefined;
  await writeFile(path, message);
  return path;
}

/** Runs the fuzzer for `options.durationMs` and reports the counts. */
export async function runFuzz(options: FuzzOptions): Promise<FuzzReport> {
  const started = Date.now();
  const deadline = started + options.durationMs;
  const dissectors = (await discoverDissectors()).map((d) => d.name);
  const mailSeeds = loadMailSeeds(options.mailFixturesDir);
  const arb = fc.oneof(...options.targets.map((t) => caseArb(t, mailSeeds)));
  const scratch = await mkdtemp(join(tmpdir(), 'moat-fuzz-'));
  const pool = createAnalysisPool({ workers: options.workers, timeBudgetMs: options.timeoutMs, workerHeapMb: options.workerHeapMb, limits: FUZZ_LIMITS });
  const dissectPool =
    dissectors.length === 0
      ? undefined
      : new Piscina({
          filename: new URL('./dissect-worker.js', import.meta.url).href,
          name: 'dissectBytes',
          // Fixed size: piscina ends idle threads above minThreads, and a fresh thread pays module and WASM load again.
          minThreads: options.workers,
          maxThreads: options.workers,
          resourceLimits: { maxOldGenerationSizeMb: options.workerHeapMb },
          env: {},
        });
  dissectPool?.on('error', () => undefined);
  const total: FuzzCounts = { executions: 0, crashes: 0, timeouts: 0 };
  const byTarget: Record<string, FuzzCounts> = {};
  const saved: string[] = [];
  let fileNo = 0;
  let lastProgress = started;

  const record = async (target: string, outcome: Outcome, message: Buffer): Promise<void> => {
    const counts = (byTarget[target] ??= { executions: 0, crashes: 0, timeouts: 0 });
    counts.executions++;
    total.executions++;
    if (outcome.kind === 'ok') return;
    if (outcome.kind === 'crash') {
      counts.crashes++;
      total.crashes++;
    } else {
      counts.timeouts++;
      total.timeouts++;
    }
    const path = await saveRegression(options.regressionsDir, message);
    if (path !== undefined) saved.push(path);
    options.log(`${outcome.kind} (${target}): ${outcome.reason.split('\n')[0] ?? ''}${path === undefined ? '' : ` -> ${path}`}`);
  };

  const runCase = async (c: FuzzCase): Promise<void> => {
    const file = join(scratch, `${fileNo++}.eml`);
    await writeFile(file, c.message);
    try {
      const result = await pool.analyze(file);
      await record(c.target, classifyFindings(result.findings), c.message);
    } catch (error) {
      await record(c.target, { kind: 'crash', reason: `pool: ${error instanceof Error ? error.message : String(error)}` }, c.message);
    } finally {
      await rm(file, { force: true });
    }
    if (dissectPool === undefined || c.archive === undefined) return;
    for (const name of dissectors) {
      const job: DissectJob = { dissector: name, bytes: c.archive };
      const signal = AbortSignal.timeout(options.timeoutMs);
      try {
        // Trust boundary: the value comes from dissectBytes in our own worker script.
        const result = (await dissectPool.run(job, { signal })) as DissectJobResult;
        if (!result.accepted) continue;
        const failed = result.findings.find((f) => f.symbol.endsWith('_FAIL'));
        const outcome: Outcome =
          result.crash !== undefined ? { kind: 'crash', reason: `${name}: ${result.crash}` } : failed !== undefined ? { kind: 'crash', reason: `${name}: ${failed.symbol}` } : { kind: 'ok' };
        await record(`${c.target}/${name}`, outcome, c.message);
      } catch (error) {
        const outcome: Outcome = signal.aborted
          ? { kind: 'timeout', reason: `${name}: over ${options.timeoutMs} ms` }
          : { kind: 'crash', reason: `${name}: worker died: ${error instanceof Error ? error.message : String(error)}` };
        await record(`${c.target}/${name}`, outcome, c.message);
      }
    }
  };

  const running = (): boolean => Date.now() < deadline && options.signal?.aborted !== true;

  // One lane per worker, each walking its own sequence of seeded batches.
  const lane = async (index: number): Promise<void> => {
    for (let batch = 0; running(); batch++) {
      const cases = fc.sample(arb, { seed: (options.seed + index * 1_000_003 + batch * 7919) | 0, numRuns: BATCH });
      for (const c of cases) {
        if (!running()) return;
        await runCase(c);
        if (Date.now() - lastProgress >= PROGRESS_EVERY_MS) {
          lastProgress = Date.now();
          options.log(`${Math.round((lastProgress - started) / 1000)} s: executions ${total.executions}, crashes ${total.crashes}, timeouts ${total.timeouts}`);
        }
      }
    }
  };

  options.log(`seed ${options.seed}, targets ${options.targets.join(',')}, dissectors ${dissectors.length === 0 ? '(none registered)' : dissectors.join(',')}, ${mailSeeds.length} mail seeds`);
  try {
    await Promise.all(Array.from({ length: options.workers }, (_, i) => lane(i)));
  } finally {
    await pool.close();
    await dissectPool?.close({ force: true });
    await rm(scratch, { recursive: true, force: true });
  }
  return { ...total, seed: options.seed, dissectors, byTarget, saved, seconds: (Date.now() - started) / 1000 };
}
