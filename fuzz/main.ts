/**
 * `npm run fuzz -- --minutes N [--target mime|tar|zip|all] [--seed S]
 * [--workers W] [--timeout-ms T]`: a long property-based fuzz run of the
 * analysis pipeline and the registered dissectors. Prints
 * `executions N, crashes N, timeouts N`; exits 1 when anything crashed or
 * hung (the inputs are in test/fixtures/fuzz-regressions/), 2 on bad usage.
 */
import { randomInt } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { runFuzz } from './run-fuzz.js';
import type { TargetName } from './targets.js';
import { TARGETS } from './targets.js';

// dist/fuzz/main.js -> repository root
const ROOT = new URL('../../', import.meta.url);

const USAGE = `usage: npm run fuzz -- --minutes N [options]
  --minutes N      run length in minutes (fractions allowed, at most 1440)
  --target T       mime, tar, zip or all (default all)
  --seed S         fast-check seed (default random, printed)
  --workers W      analysis worker threads and parallel lanes (default 2)
  --timeout-ms T   per-input time budget (default 10000)
  --heap-mb M      per-worker heap limit (default 256)`;

function bounded(name: string, raw: string | undefined, fallback: number, min: number, max: number, integer = true): number {
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value < min || value > max || (integer && !Number.isInteger(value))) throw new Error(`--${name} must be a number from ${min} to ${max}`);
  return value;
}

function parseTargets(raw: string): TargetName[] {
  if (raw === 'all') return [...TARGETS];
  const found = TARGETS.find((t) => t === raw);
  if (found === undefined) throw new Error(`--target must be one of ${TARGETS.join(', ')} or all`);
  return [found];
}

async function main(): Promise<number> {
  let options;
  try {
    const { values } = parseArgs({
      args: process.argv.slice(2),
      options: {
        minutes: { type: 'string' },
        target: { type: 'string', default: 'all' },
        seed: { type: 'string' },
        workers: { type: 'string' },
        'timeout-ms': { type: 'string' },
        'heap-mb': { type: 'string' },
      },
      strict: true,
      allowPositionals: false,
    });
    if (values.minutes === undefined) throw new Error('--minutes is required');
    options = {
      minutes: bounded('minutes', values.minutes, 1, 0.01, 1440, false),
      targets: parseTargets(values.target),
      seed: bounded('seed', values.seed, randomInt(2 ** 31 - 1), 0, 2 ** 31 - 1),
      workers: bounded('workers', values.workers, 2, 1, 16),
      timeoutMs: bounded('timeout-ms', values['timeout-ms'], 10_000, 100, 600_000),
      heapMb: bounded('heap-mb', values['heap-mb'], 256, 32, 4096),
    };
  } catch (error) {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n${USAGE}\n`);
    return 2;
  }
  const stop = new AbortController();
  process.once('SIGINT', () => stop.abort());
  process.once('SIGTERM', () => stop.abort());
  const report = await runFuzz({
    durationMs: options.minutes * 60_000,
    targets: options.targets,
    seed: options.seed,
    workers: options.workers,
    timeoutMs: options.timeoutMs,
    workerHeapMb: options.heapMb,
    regressionsDir: fileURLToPath(new URL('test/fixtures/fuzz-regressions/', ROOT)),
    mailFixturesDir: fileURLToPath(new URL('test/fixtures/mail/', ROOT)),
    log: (line) => process.stderr.write(`fuzz: ${line}\n`),
    signal: stop.signal,
  });
  for (const [target, counts] of Object.entries(report.byTarget)) {
    process.stdout.write(`  ${target}: executions ${counts.executions}, crashes ${counts.crashes}, timeouts ${counts.timeouts}\n`);
  }
  process.stdout.write(`seed ${report.seed}, ${report.seconds.toFixed(0)} s, ${(report.executions / Math.max(report.seconds, 0.001)).toFixed(1)} exec/s\n`);
  process.stdout.write(`executions ${report.executions}, crashes ${report.crashes}, timeouts ${report.timeouts}\n`);
  for (const path of report.saved) process.stdout.write(`new regression fixture: ${path}\n`);
  return report.crashes + report.timeouts === 0 ? 0 : 1;
}

process.exitCode = await main();
