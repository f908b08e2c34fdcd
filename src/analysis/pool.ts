/**
 * A bounded pool of analysis worker threads (piscina). Each job has a time
 * budget and each worker a heap limit; a job that overruns either, or whose
 * worker dies, resolves with ANALYSIS_TIMEOUT / ANALYSIS_CRASH (policy turns
 * those into analysis.onTimeout, never delivery) and the worker is replaced.
 */
import { performance } from 'node:perf_hooks';
import { Piscina } from 'piscina';
import type { AnalysisResult, Finding } from '../core/index.js';
import { escapeForDisplay, MoatError } from '../core/index.js';
import type { AnalysisTask } from './limits.js';
import { createPipelineFinding } from './findings.js';
import type { AnalysisLimits, EngineSettings } from './limits.js';
import type { ProtectedPerson } from './links/index.js';

// Resolved against this compiled file (dist/src/analysis/pool.js), so it names
// dist/src/workers/analysis-worker.js. Loaded by path, not imported: the worker
// module is the one that imports the pipeline.
const WORKER_URL = new URL('../workers/analysis-worker.js', import.meta.url);
const WORKER_FUNCTION = 'analyzeMessageFile';
// Time close() allows running jobs beyond their own budget before the threads are terminated.
const CLOSE_GRACE_MS = 1000;
/**
 * Protected people sent with one job. The list is copied into the worker with every job and each
 * From display name is compared against every entry, so it is bounded; 3,000 is what one recipient's
 * resolved policy can hold (organization, domain and recipient scopes at 1,000 each, the policy
 * schema's cap), so only a transaction whose recipients resolve to different lists can be cut.
 */
const MAX_JOB_VIPS = 3000;

export interface AnalysisPoolOptions {
  /** Worker threads (analysis.workers). */
  readonly workers: number;
  /** Wall-clock budget per job, queue wait included (analysis.timeBudgetMs). */
  readonly timeBudgetMs: number;
  /** V8 old-generation heap limit per worker (analysis.workerHeapMb). */
  readonly workerHeapMb: number;
  readonly limits: AnalysisLimits;
  /** Engines configured beyond the built-in ones (ClamAV, ...), built in each worker. */
  readonly engines?: EngineSettings;
  /**
   * Receives errors of idle workers (no job to attach them to); the pool has
   * already replaced the worker. Optional so the composition root can log them.
   */
  readonly onWorkerError?: (error: unknown) => void;
}

export interface AnalyzeJobOptions {
  /** Engine names not to run for this message (switched off by its recipients' policy). */
  readonly skipEngines?: readonly string[];
  /** Protected people of the recipients' policy (the union over them), checked besides `links.vips`; first MAX_JOB_VIPS kept. */
  readonly vips?: readonly ProtectedPerson[];
}

export interface AnalysisPool {
  /**
   * Reads the message file at `path` inside a worker and analyses it. Resolves with findings ANALYSIS_TIMEOUT /
   * ANALYSIS_CRASH (engine 'analysis', severity 'high', score 0, detail says what) instead of rejecting when the
   * worker exceeds the time budget, runs out of heap or dies; rejects only if the pool is closed.
   */
  analyze(path: string, options?: AnalyzeJobOptions): Promise<AnalysisResult>;
  /** Engine settings for the jobs from now on (a rule reload); running jobs keep theirs. */
  setEngines(engines: EngineSettings): void;
  /** Stops accepting jobs, lets running ones finish (within their budget), then terminates the threads. */
  close(): Promise<void>;
}

/** Starts `options.workers` analysis threads with the given budget and heap limit. */
export function createAnalysisPool(options: AnalysisPoolOptions): AnalysisPool {
  const piscina = new Piscina({
    filename: WORKER_URL.href,
    name: WORKER_FUNCTION,
    minThreads: options.workers,
    maxThreads: options.workers,
    resourceLimits: { maxOldGenerationSizeMb: options.workerHeapMb },
    // The thread parsing hostile content gets no copy of the process environment (secrets).
    env: {},
    closeTimeout: options.timeBudgetMs + CLOSE_GRACE_MS,
  });
  // Without a listener an idle worker's error would be thrown as an uncaught 'error' event.
  piscina.on('error', (error: unknown) => options.onWorkerError?.(error));
  let closed = false;
  let closing: Promise<void> | undefined;
  let engines = options.engines;

  const closedError = (cause?: unknown): MoatError =>
    new MoatError('ANALYSIS_POOL_CLOSED', 'the analysis pool is closed', cause === undefined ? undefined : { cause });

  return {
    async analyze(path, jobOptions = {}) {
      if (closed) throw closedError();
      const started = performance.now();
      // Aborting a running task makes piscina terminate its worker and start a new one
      // (piscina 5 runTask -> onAbort -> _removeWorker + _ensureMinimumWorkers).
      const signal = AbortSignal.timeout(options.timeBudgetMs);
      const skip = jobOptions.skipEngines ?? [];
      const vips = (jobOptions.vips ?? []).slice(0, MAX_JOB_VIPS);
      const task: AnalysisTask = {
        path,
        limits: options.limits,
        ...(engines === undefined ? {} : { engines }),
        ...(skip.length === 0 ? {} : { skipEngines: skip }),
        ...(vips.length === 0 ? {} : { vips }),
      };
      try {
        const result: unknown = await piscina.run(task, { signal });
        // Trust boundary: the value was produced by analyzeMessageFile in our own worker script.
        return result as AnalysisResult;
      } catch (err) {
        if (closed) throw closedError(err);
        const elapsedMs = Math.round(performance.now() - started);
        if (signal.aborted) {
          return failure(createPipelineFinding('ANALYSIS_TIMEOUT', `analysis exceeded its time budget of ${options.timeBudgetMs} ms`), elapsedMs);
        }
        return failure(createPipelineFinding('ANALYSIS_CRASH', describeWorkerFailure(err, options.workerHeapMb)), elapsedMs);
      }
    },
    setEngines(next) {
      engines = next;
    },
    close() {
      closed = true;
      // Queued jobs are cancelled (they reject as closed); running ones may finish.
      closing ??= piscina.close({ force: true });
      return closing;
    },
  };
}

function failure(finding: Finding, elapsedMs: number): AnalysisResult {
  return { headers: {}, artifacts: [], findings: [finding], urls: [], elapsedMs };
}

function describeWorkerFailure(err: unknown, heapMb: number): string {
  const code = err instanceof Error ? (err as Error & { code?: unknown }).code : undefined;
  if (code === 'ERR_WORKER_OUT_OF_MEMORY') return `analysis worker ran out of memory (heap limit ${heapMb} MB) and was replaced`;
  const text = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
  return `analysis worker failed: ${escapeForDisplay(text, 200)}`;
}
