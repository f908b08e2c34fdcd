/**
 * The fuzzer's parts and its regression corpus: every crashing input the
 * fuzzer ever saved (test/fixtures/fuzz-regressions/*.bin) is replayed
 * through the real worker pool and must now analyse cleanly; the mutators
 * are deterministic and bounded; a short real fuzz run counts executions.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { createAnalysisPool } from '../../src/analysis/index.js';
import type { Finding } from '../../src/core/index.js';
import { buildTar, buildZip, createRng, textBytes } from '../../fuzz/archives.js';
import { classifyFindings } from '../../fuzz/classify.js';
import { applyMutations, MAX_MUTATED_BYTES, mutationArb } from '../../fuzz/mutate.js';
import { discoverDissectors } from '../../fuzz/registry.js';
import { FUZZ_LIMITS, runFuzz, saveRegression } from '../../fuzz/run-fuzz.js';
import { caseArb, tarSeeds, zipSeeds } from '../../fuzz/targets.js';

const REGRESSIONS = fileURLToPath(new URL('../../../test/fixtures/fuzz-regressions/', import.meta.url));
const MAIL = fileURLToPath(new URL('../../../test/fixtures/mail/', import.meta.url));
const finding = (symbol: string): Finding => ({ engine: 'x', symbol, score: 0, severity: 'high', detail: symbol });

test('every saved fuzz regression analyses without crash, engine failure or timeout', async (t) => {
  const files = readdirSync(REGRESSIONS).filter((n) => n.endsWith('.bin')).sort();
  const pool = createAnalysisPool({ workers: 1, timeBudgetMs: 20_000, workerHeapMb: 256, limits: FUZZ_LIMITS });
  t.after(() => pool.close());
  for (const name of files) {
    const result = await pool.analyze(join(REGRESSIONS, name));
    assert.deepEqual(classifyFindings(result.findings), { kind: 'ok' }, name);
  }
});

test('classification: crash, engine failure and timeout findings are failures; others are not', () => {
  assert.equal(classifyFindings([finding('ANALYSIS_CRASH')]).kind, 'crash');
  assert.equal(classifyFindings([finding('TAR_FAIL')]).kind, 'crash');
  assert.equal(classifyFindings([finding('ANALYSIS_TIMEOUT'), finding('ZIP_FAIL')]).kind, 'timeout');
  assert.equal(classifyFindings([finding('ARCHIVE_BOMB'), finding('MIME_MALFORMED')]).kind, 'ok');
});

test('mutations are deterministic, never touch the seed, and stay under the size bound', () => {
  const seed = buildTar([{ name: 'a.txt', content: textBytes(createRng(1), 2000) }]);
  const copy = Buffer.from(seed);
  fc.assert(
    fc.property(fc.array(mutationArb, { maxLength: 12 }), (mutations) => {
      const a = applyMutations(seed, mutations, [seed]);
      const b = applyMutations(seed, mutations, [seed]);
      return a.equals(b) && a.length <= MAX_MUTATED_BYTES && seed.equals(copy);
    }),
  );
});

test('structure-aware mutations hit the fields parsers trust', () => {
  const tar = tarSeeds()[0] as Buffer;
  const sized = applyMutations(tar, [{ op: 'tar-field', header: 0, field: 'size', choice: 0 }]);
  assert.equal(sized.toString('latin1', 124, 135), '77777777777');
  const zip = buildZip([{ name: 'a.txt', content: Buffer.from('hello') }]);
  const corrupted = applyMutations(zip, [{ op: 'zip-field', record: 0, field: 2, value: 0xffffffff }]);
  assert.equal(corrupted.readUInt32LE(18), 0xffffffff, 'local header compressed size');
});

test('generated cases differ from one another and carry the archive', () => {
  const cases = fc.sample(caseArb('zip', []), { seed: 5, numRuns: 30 });
  assert.ok(new Set(cases.map((c) => c.message.toString('base64'))).size > 20);
  assert.ok(cases.every((c) => c.archive !== undefined && c.message.includes('Content-Transfer-Encoding: base64')));
  assert.ok(zipSeeds().every((z) => z.readUInt32LE(0) === 0x04034b50));
});

test('the pipeline registry is discovered (the fuzzer targets the dissectors that exist)', async () => {
  const names = (await discoverDissectors()).map((d) => d.name);
  assert.ok(names.includes('tar'), names.join(','));
});

test('a crashing input is saved once, named by its SHA-256', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'moat-fuzz-save-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const first = await saveRegression(dir, Buffer.from('Subject: x\r\n\r\nbody'));
  assert.match(first ?? '', /[0-9a-f]{64}\.bin$/);
  assert.equal(await saveRegression(dir, Buffer.from('Subject: x\r\n\r\nbody')), undefined);
  assert.deepEqual(readFileSync(first ?? ''), Buffer.from('Subject: x\r\n\r\nbody'));
});

test('a short real fuzz run executes cases in the worker pool and counts them', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'moat-fuzz-run-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const lines: string[] = [];
  const report = await runFuzz({
    durationMs: 2000,
    targets: ['mime', 'tar', 'zip'],
    seed: 1,
    workers: 1,
    timeoutMs: 20_000,
    workerHeapMb: 256,
    regressionsDir: dir,
    mailFixturesDir: MAIL,
    log: (line) => lines.push(line),
  });
  assert.ok(report.executions > 10, `executions ${report.executions}`);
  assert.equal(report.crashes, 0, lines.join('\n'));
  assert.equal(report.timeouts, 0, lines.join('\n'));
  assert.deepEqual(Object.keys(report.byTarget).filter((k) => !k.includes('/')).sort(), ['mime', 'tar', 'zip']);
  assert.ok(report.dissectors.includes('tar'));
});

test('a time budget too small to analyse anything: every execution is counted as a timeout and saved', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'moat-fuzz-timeout-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const report = await runFuzz({
    durationMs: 500,
    targets: ['mime'],
    seed: 2,
    workers: 1,
    timeoutMs: 1,
    workerHeapMb: 256,
    regressionsDir: dir,
    mailFixturesDir: MAIL,
    log: () => undefined,
  });
  assert.ok(report.executions > 0);
  assert.equal(report.timeouts, report.executions);
  assert.ok(report.saved.length > 0 && readdirSync(dir).length === report.saved.length);
});
