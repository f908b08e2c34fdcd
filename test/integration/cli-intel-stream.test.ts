/**
 * `moat intel import` of a big STIX bundle: a generated 200,000-indicator
 * bundle (about 145 MB, written by the test) is streamed, not read whole.
 * Its parse (the CLI's own path, readIndicatorImport) completes in a worker
 * whose old generation is capped below the file's size, and the CLI imports
 * all of it, with the attribution of a relationship that comes before its
 * indicator; the main thread's heap grows by much less than the file.
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Worker } from 'node:worker_threads';
import { runCliInProcess } from '../support/cli.js';
import { writeOperatorConfig } from '../support/gateway.js';

const INDICATORS = 200_000;
/** Below the file's size: a reader that held the file (or its parsed tree) would run out of memory. */
const WORKER_OLD_GENERATION_MB = 96;
const INTEL_IMPORT_URL = new URL('../../src/app/intel-import.js', import.meta.url).href;

/** The sha256-shaped value of indicator n (distinct, lower-case hex). */
const hashOf = (n: number): string => n.toString(16).padStart(8, '0').repeat(8);

/** Writes the bundle: a threat actor and a relationship first, then the indicators (each about 720 bytes, as feeds write them). */
async function writeBundle(path: string): Promise<void> {
  const out = createWriteStream(path);
  const write = async (text: string): Promise<void> => {
    if (!out.write(text)) await once(out, 'drain');
  };
  await write('{"type": "bundle", "id": "bundle--5d0092c5-5f74-4287-9642-33f4c354e56d", "objects": [\n');
  await write('{"type": "threat-actor", "spec_version": "2.1", "id": "threat-actor--00000000-0000-4000-8000-000000000001", "name": "UNC-STREAM"},\n');
  await write('{"type": "relationship", "spec_version": "2.1", "id": "relationship--00000000-0000-4000-8000-000000000002", "relationship_type": "indicates", "source_ref": "indicator--00000000-0000-4000-8000-000000030d3f", "target_ref": "threat-actor--00000000-0000-4000-8000-000000000001"}');
  let batch = '';
  for (let n = 0; n < INDICATORS; n++) {
    const id = `indicator--00000000-0000-4000-8000-${n.toString(16).padStart(12, '0')}`;
    batch += `,\n{"type": "indicator", "spec_version": "2.1", "id": "${id}", "created": "2024-03-01T10:00:00.000Z", "modified": "2024-03-02T10:00:00.000Z", "valid_from": "2024-03-01T10:00:00Z", "pattern_type": "stix", "pattern": "[file:hashes.'SHA-256' = '${hashOf(n)}']", "indicator_types": ["malicious-activity"], "confidence": 85, "created_by_ref": "identity--b3bca3c2-1f3d-4b54-b44f-dac42c3a8f01", "object_marking_refs": ["marking-definition--f88d31f6-486f-44da-b317-01333bde0b82"], "kill_chain_phases": [{"kill_chain_name": "mitre-attack", "phase_name": "initial-access"}], "external_references": [{"source_name": "feed", "url": "https://feed.example/indicators/${String(n)}"}]}`;
    if (batch.length > 1 << 20) {
      await write(batch);
      batch = '';
    }
  }
  await write(`${batch}\n]}\n`);
  out.end();
  await once(out, 'finish');
}

/** Runs the CLI's parse of `file` in a worker with a capped heap; resolves with what it found or how it died. */
function parseInSmallWorker(file: string): Promise<{ ok: boolean; rows: number; refused?: string } | { error: string }> {
  const code = `
    const { parentPort, workerData } = require('node:worker_threads');
    import(workerData.module)
      .then((m) => m.readIndicatorImport(workerData.file, { maxBytes: 1024 }))
      .then((p) => parentPort.postMessage({ ok: p.ok, rows: p.ok ? p.rows.length : 0, ...(p.ok ? {} : { refused: p.refused }) }));
  `;
  const worker = new Worker(code, { eval: true, workerData: { file, module: INTEL_IMPORT_URL }, resourceLimits: { maxOldGenerationSizeMb: WORKER_OLD_GENERATION_MB } });
  return new Promise((resolve) => {
    worker.once('message', (message: { ok: boolean; rows: number; refused?: string }) => {
      resolve(message);
      void worker.terminate();
    });
    worker.once('error', (error) => resolve({ error: `${error.name}: ${error.message}` }));
  });
}

describe('moat intel import of a big STIX bundle (streamed)', () => {
  let dir: string;
  let configPath: string;
  let bundle: string;
  let size: number;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'moat-cli-intel-stream-'));
    configPath = await writeOperatorConfig(dir);
    bundle = join(dir, 'big-feed.json');
    await writeBundle(bundle);
    size = (await stat(bundle)).size;
    assert.ok(size > 100 * 1024 * 1024, `the bundle is ${String(size)} bytes`);
  });

  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it(`parses in a worker whose old generation (${String(WORKER_OLD_GENERATION_MB)} MB) is smaller than the file`, async () => {
    // maxBytes 1 KiB: a STIX file is streamed, so intel.maxFileBytes (for files read whole) does not apply.
    const result = await parseInSmallWorker(bundle);
    assert.deepEqual(result, { ok: true, rows: INDICATORS });
  });

  it('imports all 200,000 indicators through the CLI with heap growth below the file size', async (t) => {
    const before = process.memoryUsage().heapUsed;
    let peak = before;
    const sample = setInterval(() => {
      peak = Math.max(peak, process.memoryUsage().heapUsed);
    }, 25);
    let run;
    try {
      run = await runCliInProcess(['intel', 'import', bundle, '--config', configPath, '--source', 'big-feed'], { USER: 'alice' });
    } finally {
      clearInterval(sample);
    }
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /big-feed\.json: 200000 added, 0 updated, 0 problem\(s\)/u);
    assert.match(run.stdout, /actors \[UNC-STREAM\].*1 relationship\(s\) used/u);
    const growth = peak - before;
    t.diagnostic(`file ${(size / 1048576).toFixed(1)} MB, heap growth at most ${(growth / 1048576).toFixed(1)} MB (sampled every 25 ms)`);
    // Read whole, the file would be on the heap as a string (its size, or twice that in UTF-16) and again as the
    // parsed tree (several times its size). Streamed, what grows is the stored rows (~200 B each, ~40 MB) and the
    // retro-hunt of them that the import runs: well under the file, though not by a fixed margin on a busy machine.
    assert.ok(growth < size, `heap grew by ${(growth / 1048576).toFixed(1)} MB for a ${(size / 1048576).toFixed(1)} MB file`);

    // The newest row is the last indicator (0x30d3f), which the relationship at the start of the stream named.
    const listed = await runCliInProcess(['intel', 'list', '--json', '--limit', '1', '--config', configPath]);
    assert.equal(listed.code, 0, listed.stderr);
    const newest = JSON.parse(listed.stdout) as { value: string; actor?: string; source: string };
    assert.deepEqual([newest.value, newest.actor, newest.source], [hashOf(0x30d3f), 'UNC-STREAM', 'big-feed']);
  });
});
