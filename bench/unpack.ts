/**
 * `npm run bench:unpack [-- --workers N --rounds N --scale F --json]`:
 * decompressed MB/s (with hashing and type detection), artifacts/s and peak
 * RSS of the analysis pipeline over a fixed generated attachment corpus.
 * Works with whatever dissectors are registered; formats nobody unpacks yet
 * show 0 MB/s and `complete: NO`. Exits 0 after a run, 1 on failure.
 */
import { parseArgs } from 'node:util';
import { formatUnpackReport, runUnpackBench } from './unpack-run.js';

const USAGE = `usage: npm run bench:unpack -- [--workers N (2)] [--rounds N (3)] [--scale F (1)] [--heap-mb M (256)] [--json]`;

function bounded(name: string, raw: string | undefined, fallback: number, min: number, max: number): number {
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value < min || value > max) throw new Error(`--${name} must be from ${min} to ${max}`);
  return value;
}

async function main(): Promise<number> {
  let options;
  let json = false;
  try {
    const { values } = parseArgs({
      args: process.argv.slice(2),
      options: { workers: { type: 'string' }, rounds: { type: 'string' }, scale: { type: 'string' }, 'heap-mb': { type: 'string' }, json: { type: 'boolean', default: false } },
      strict: true,
      allowPositionals: false,
    });
    json = values.json;
    options = {
      workers: Math.round(bounded('workers', values.workers, 2, 1, 64)),
      rounds: Math.round(bounded('rounds', values.rounds, 3, 1, 100)),
      scale: bounded('scale', values.scale, 1, 0.001, 8),
      workerHeapMb: Math.round(bounded('heap-mb', values['heap-mb'], 256, 32, 8192)),
      timeBudgetMs: 120_000,
    };
  } catch (error) {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n${USAGE}\n`);
    return 1;
  }
  try {
    const result = await runUnpackBench(options, (line) => process.stderr.write(`bench:unpack: ${line}\n`));
    const table = formatUnpackReport(result);
    if (json) {
      process.stderr.write(`${table}\n`);
      process.stdout.write(`${JSON.stringify(result)}\n`);
    } else {
      process.stdout.write(`${table}\n`);
    }
    return 0;
  } catch (error) {
    process.stderr.write(`bench:unpack failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    return 1;
  }
}

process.exitCode = await main();
