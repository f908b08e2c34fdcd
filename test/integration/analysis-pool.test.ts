import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { AnalysisResult } from '../../src/core/index.js';
import type { AnalysisLimits, AnalysisPool, AnalysisPoolOptions } from '../../src/analysis/index.js';
import { analyzeMessage, createAnalysisPool } from '../../src/analysis/index.js';

// dist/test/integration/ -> repository root
const FIXTURES = new URL('../../../test/fixtures/mail/', import.meta.url);
const fixturePath = (name: string): string => fileURLToPath(new URL(name, FIXTURES));
const LIMITS: AnalysisLimits = { maxMessageBytes: 26_214_400, maxMimeParts: 1000, maxMimeDepth: 30 };
const symbols = (r: AnalysisResult): string[] => r.findings.map((f) => f.symbol).sort();
const withoutTime = (r: AnalysisResult): Omit<AnalysisResult, 'elapsedMs'> => ({ headers: r.headers, artifacts: r.artifacts, findings: r.findings, urls: r.urls });

const scratch = mkdtempSync(join(tmpdir(), 'moat-analysis-pool-'));
test.after(() => rmSync(scratch, { recursive: true, force: true }));

function startPool(t: { after: (fn: () => Promise<void>) => void }, options: Partial<AnalysisPoolOptions> = {}): AnalysisPool {
  const pool = createAnalysisPool({ workers: 1, timeBudgetMs: 10_000, workerHeapMb: 256, limits: LIMITS, ...options });
  t.after(() => pool.close());
  return pool;
}

test('a job in the pool gives the same result as the pipeline on this thread', async (t) => {
  const pool = startPool(t);
  for (const name of ['attachment-pe.eml', 'nested-rfc822.eml', 'rtlo-name.eml']) {
    const viaPool = await pool.analyze(fixturePath(name));
    const direct = await analyzeMessage(readFileSync(fixturePath(name)), LIMITS);
    assert.deepEqual(withoutTime(viaPool), withoutTime(direct), name);
  }
});

test('jobs run in parallel across workers', async (t) => {
  const pool = startPool(t, { workers: 2 });
  const names = ['plain-text.eml', 'attachment-pe.eml', 'double-extension.eml', 'too-many-parts.eml'];
  const results = await Promise.all(Array.from({ length: 20 }, (_, i) => pool.analyze(fixturePath(names[i % names.length] ?? ''))));
  assert.deepEqual(symbols(results[1] as AnalysisResult), ['FILETYPE_EXECUTABLE']);
  assert.deepEqual(symbols(results[3] as AnalysisResult), ['MIME_TOO_MANY_PARTS']);
  assert.equal(results.filter((r) => symbols(r).some((s) => s.startsWith('ANALYSIS_'))).length, 0);
});

test('over the time budget: ANALYSIS_TIMEOUT, the stuck worker is replaced, the next job works', async (t) => {
  // 60 MB of bare line breaks takes mailsplit seconds to walk (measured ~3 s); the budget is 1.5 s,
  // which also leaves a loaded machine time to load the worker for the first, plain message.
  const slow = join(scratch, 'slow.eml');
  writeFileSync(slow, Buffer.concat([Buffer.from('Subject: slow\r\n\r\n'), Buffer.alloc(60_000_000, 0x0a)]));
  const pool = startPool(t, { timeBudgetMs: 1500, limits: { ...LIMITS, maxMessageBytes: 64_000_000 } });
  assert.deepEqual(symbols(await pool.analyze(fixturePath('plain-text.eml'))), []);

  const timedOut = await pool.analyze(slow);
  assert.deepEqual(timedOut.findings, [
    { engine: 'analysis', symbol: 'ANALYSIS_TIMEOUT', score: 0, severity: 'high', detail: 'analysis exceeded its time budget of 1500 ms' },
  ]);
  assert.deepEqual(timedOut.artifacts, []);

  // One worker: if the stuck one still ran, this job would wait behind it and time out too.
  const next = await pool.analyze(fixturePath('attachment-pe.eml'));
  assert.deepEqual(symbols(next), ['FILETYPE_EXECUTABLE']);
});

test('a budget too small even to start: queued jobs time out too', async (t) => {
  const pool = startPool(t, { timeBudgetMs: 1 });
  const r = await pool.analyze(fixturePath('plain-text.eml'));
  assert.deepEqual(symbols(r), ['ANALYSIS_TIMEOUT']);
});

test('worker heap exhausted: ANALYSIS_CRASH, the worker is replaced, the next job works', async (t) => {
  // A 24 MB HTML body: the HTML dissector scans it as a string, which lives in the V8 heap
  // (far more than 32 MB with its tokens), while an ordinary job needs well under half of that.
  const html = `<html><body>${'<div class="a">x</div>'.repeat(1_100_000)}</body></html>`;
  const heavy = join(scratch, 'heavy.eml');
  writeFileSync(heavy, `Subject: heavy\r\nContent-Type: text/html\r\n\r\n${html}\r\n`);

  const pool = startPool(t, { workerHeapMb: 32 });
  assert.deepEqual(symbols(await pool.analyze(fixturePath('plain-text.eml'))), []);
  const crashed = await pool.analyze(heavy);
  assert.equal(crashed.findings.length, 1);
  assert.deepEqual({ ...crashed.findings[0], detail: '' }, { engine: 'analysis', symbol: 'ANALYSIS_CRASH', score: 0, severity: 'high', detail: '' });
  assert.match(crashed.findings[0]?.detail ?? '', /ran out of memory \(heap limit 32 MB\)/);
  assert.deepEqual(symbols(await pool.analyze(fixturePath('attachment-pe.eml'))), ['FILETYPE_EXECUTABLE']);
});

test('an unreadable file is ANALYSIS_CRASH, not a rejection', async (t) => {
  const pool = startPool(t);
  const r = await pool.analyze(join(scratch, 'does-not-exist.eml'));
  assert.deepEqual(symbols(r), ['ANALYSIS_CRASH']);
  assert.match(r.findings[0]?.detail ?? '', /ENOENT/);
  assert.deepEqual(symbols(await pool.analyze(fixturePath('plain-text.eml'))), []);
});

test('a file larger than maxMessageBytes is refused in the worker', async (t) => {
  const pool = startPool(t, { limits: { ...LIMITS, maxMessageBytes: 100 } });
  const r = await pool.analyze(fixturePath('attachment-pdf.eml'));
  assert.deepEqual(symbols(r), ['ANALYSIS_TOO_LARGE']);
});

test('a closed pool rejects; close is idempotent', async () => {
  const pool = createAnalysisPool({ workers: 1, timeBudgetMs: 10_000, workerHeapMb: 256, limits: LIMITS });
  assert.deepEqual(symbols(await pool.analyze(fixturePath('plain-text.eml'))), []);
  await pool.close();
  await pool.close();
  await assert.rejects(pool.analyze(fixturePath('plain-text.eml')), { code: 'ANALYSIS_POOL_CLOSED' });
});
