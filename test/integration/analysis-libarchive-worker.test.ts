// The libarchive dissector inside a worker thread with a small V8 heap limit,
// as the analysis pool runs it: the WebAssembly decoder starts and runs on that
// thread, a member larger than the V8 heap limit comes out intact, and 7z extraction throughput is measured (decompressed MB/s,
// SHA-256 included).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createHash, randomBytes } from 'node:crypto';
import { Worker } from 'node:worker_threads';
import { build7z } from '../../src/analysis/archive/libarchive/fixtures/seven-zip.js';

interface Summary {
  readonly bytes: number;
  readonly members: number;
  readonly digests: readonly string[];
  readonly elapsedMs: number;
}

const WORKER = new URL('../../src/analysis/archive/libarchive/fixtures/dissect-in-worker.js', import.meta.url);
const limits = { maxTotalBytes: 512 * 1024 * 1024, maxEntries: 100, maxDepth: 5, maxRatio: 1000, maxMemberBytes: 256 * 1024 * 1024 };

async function runInWorker(content: Uint8Array, repeat: number): Promise<Summary> {
  const worker = new Worker(WORKER, { workerData: { content, limits, repeat }, resourceLimits: { maxOldGenerationSizeMb: 48 } });
  try {
    const [summary] = (await once(worker, 'message')) as [Summary];
    return summary;
  } finally {
    await worker.terminate();
  }
}

/** Compressible but not trivial text: words drawn from a small vocabulary. */
function corpus(size: number): Buffer {
  const words = ['invoice', 'payment', 'attached', 'report', 'quarterly', 'hello', 'world', 'gateway', 'mail', 'scan'];
  const seed = randomBytes(size);
  const out = Buffer.alloc(size);
  let at = 0;
  for (let i = 0; at < size; i++) {
    const word = `${words[(seed[i % size] ?? 0) % words.length]} `;
    at += out.write(word, at, 'latin1');
  }
  return out;
}

test('runs inside a worker with a 48 MB heap limit: a 96 MiB member comes out intact', async () => {
  const big = corpus(96 * 1024 * 1024);
  const archive = build7z([{ name: 'big.txt', data: big }, { name: 'small.txt', data: Buffer.from('echo hello') }], { method: 'deflate' });
  const summary = await runInWorker(archive, 1);
  assert.equal(summary.members, 2);
  assert.equal(summary.bytes, big.length + 10);
  assert.equal(summary.digests[0], createHash('sha256').update(big).digest('hex'));
});

test('7z extraction throughput (deflate and copy coders, SHA-256 included)', async (t) => {
  const data = corpus(32 * 1024 * 1024);
  for (const method of ['deflate', 'copy'] as const) {
    const archive = build7z([{ name: 'a.txt', data: data.subarray(0, 16 * 1024 * 1024) }, { name: 'b.txt', data: data.subarray(16 * 1024 * 1024) }], { method });
    const summary = await runInWorker(archive, 3);
    const mbPerSecond = summary.bytes / 1024 / 1024 / (summary.elapsedMs / 1000);
    t.diagnostic(`7z ${method}: ${(archive.length / 1024 / 1024).toFixed(1)} MiB in, ${summary.bytes / 1024 / 1024} MiB out, ${mbPerSecond.toFixed(0)} MiB/s`);
    assert.equal(summary.bytes, 3 * data.length);
    // A sanity floor only (the machine is shared); the figure goes to docs/PERFORMANCE.md.
    assert.ok(mbPerSecond > 5, `${mbPerSecond} MB/s`);
  }
});
