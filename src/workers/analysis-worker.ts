/**
 * Entry point of an analysis worker thread (loaded by piscina from the
 * compiled `dist/src/workers/analysis-worker.js`). It reads the spooled
 * message itself, so message bytes never cross the thread boundary, and runs
 * the pipeline. Importing it has no side effects.
 */
import { Buffer } from 'node:buffer';
import { open } from 'node:fs/promises';
import type { AnalysisResult } from '../core/index.js';
import type { AnalysisTask } from '../analysis/index.js';
import { analyzeMessage, engineSetFor } from '../analysis/index.js';

/**
 * Reads the message at `task.path` (never more than maxMessageBytes + 1 bytes)
 * and analyses it. An unreadable file rejects; the pool records that as ANALYSIS_CRASH.
 */
export async function analyzeMessageFile(task: AnalysisTask): Promise<AnalysisResult> {
  const raw = await readBounded(task.path, task.limits.maxMessageBytes);
  // One byte past the limit is enough for analyzeMessage to refuse it with ANALYSIS_TOO_LARGE.
  // The engine set is the pipeline's options: the worker's engines and its indicator store (for URLs).
  const set = await engineSetFor(task.engines);
  const skip = task.skipEngines ?? [];
  const vips = task.vips === undefined || task.vips.length === 0 ? {} : { vips: task.vips };
  if (skip.length === 0) return analyzeMessage(raw, task.limits, { ...set, ...vips });
  // The links pass is message-level, not an engine in the list: it goes with its findings' engines.
  const { links, ...rest } = set;
  const keepLinks = links !== undefined && !skip.includes('links') && !skip.includes('impersonation');
  return analyzeMessage(raw, task.limits, { ...rest, engines: set.engines.filter((engine) => !skip.includes(engine.name)), ...(keepLinks ? { links } : {}), ...vips });
}

async function readBounded(path: string, maxBytes: number): Promise<Buffer> {
  const handle = await open(path, 'r');
  try {
    const { size } = await handle.stat();
    const want = Math.min(size, maxBytes) + 1;
    const buffer = Buffer.allocUnsafe(want);
    let filled = 0;
    while (filled < want) {
      const { bytesRead } = await handle.read(buffer, filled, want - filled, filled);
      if (bytesRead === 0) break;
      filled += bytesRead;
    }
    return buffer.subarray(0, filled);
  } finally {
    await handle.close();
  }
}
