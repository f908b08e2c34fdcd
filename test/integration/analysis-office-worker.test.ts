import assert from 'node:assert/strict';
import { once } from 'node:events';
import { describe, it } from 'node:test';
import { Worker } from 'node:worker_threads';

interface Outcome {
  readonly size: number;
  readonly symbols?: readonly string[];
  readonly error?: string;
}

/** Runs one fixture in a worker with a small heap; resolves with its message or rejects when it dies. */
async function runInWorker(kind: string): Promise<Outcome> {
  const worker = new Worker(new URL('./analysis-office-worker.js', import.meta.url), {
    workerData: kind,
    resourceLimits: { maxOldGenerationSizeMb: 96, maxYoungGenerationSizeMb: 16 },
  });
  try {
    const [message] = (await Promise.race([once(worker, 'message'), once(worker, 'error').then(([err]) => Promise.reject(err))])) as [Outcome];
    return message;
  } finally {
    await worker.terminate();
  }
}

describe('Office dissection inside a memory-limited worker', () => {
  it('reads a compound file of merging sector chains in linear memory and names the confusion', async () => {
    const outcome = await runInWorker('merging-chains');
    assert.ok(outcome.size > 4_000_000);
    assert.ok(outcome.symbols?.includes('PARSER_CONFUSION'), JSON.stringify(outcome));
  });

  it('stops a VBA decompression bomb at the budget instead of running out of heap', async () => {
    const outcome = await runInWorker('vba-bomb');
    // ~20 MB of source compresses to well under 1 MB; the 4 MiB member limit stops it.
    assert.ok(outcome.size < 1_000_000, String(outcome.size));
    assert.equal(outcome.error, 'BudgetExceededError');
  });
});
