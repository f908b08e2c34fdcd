import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import type { AnalysisResult } from '../../src/core/index.js';
import { createAnalysisPool, DEFAULT_EXPANSION_LIMITS } from '../../src/analysis/index.js';
import type { AnalysisPool } from '../../src/analysis/index.js';
import { buildTar } from '../../src/analysis/archive/tar/index.js';
import { loadConfig } from '../../src/config/index.js';
import type { MoatConfig } from '../../src/config/index.js';
import { createPolicyResolver, decide, EMPTY_POLICY_DOCUMENT } from '../../src/policy/index.js';
import { messageWithAttachment, plainMessage } from '../support/messages.js';

const scratch = mkdtempSync(join(tmpdir(), 'moat-unpack-'));
test.after(() => rmSync(scratch, { recursive: true, force: true }));
const symbols = (r: AnalysisResult): string[] => [...new Set(r.findings.map((f) => f.symbol))].sort();

function write(name: string, content: string): string {
  const file = join(scratch, name);
  writeFileSync(file, content);
  return file;
}

/** The shipped defaults (config/default.yaml), exactly as the gateway builds its pool from them. */
async function startDefaultPool(t: { after: (fn: () => Promise<void>) => void }): Promise<{ pool: AnalysisPool; config: MoatConfig }> {
  const { config } = await loadConfig({ env: {}, cwd: scratch });
  const pool = createAnalysisPool({
    workers: 1,
    timeBudgetMs: config.analysis.timeBudgetMs,
    workerHeapMb: config.analysis.workerHeapMb,
    limits: {
      maxMessageBytes: config.smtp.limits.maxMessageBytes,
      maxMimeParts: config.analysis.maxMimeParts,
      maxMimeDepth: config.analysis.maxMimeDepth,
      expansion: config.analysis.expansion,
    },
  });
  t.after(() => pool.close());
  return { pool, config };
}

test('default limits: a >1 GiB gzip bomb is stopped with ARCHIVE_BOMB inside the worker, which stays alive', async (t) => {
  const { pool, config } = await startDefaultPool(t);
  assert.deepEqual(config.analysis.expansion, DEFAULT_EXPANSION_LIMITS, 'default.yaml and the code defaults agree');
  // 1100 gzip members of 1 MiB of zeros each: about 1 MB on the wire, 1.07 GiB inflated.
  const member = gzipSync(Buffer.alloc(1024 * 1024));
  const bomb = Buffer.concat(Array.from({ length: 1100 }, () => member));
  assert.ok(bomb.length < 2_000_000 && member.length * 1100 === bomb.length);
  const file = write('bomb.eml', messageWithAttachment({ filename: 'report.gz', content: bomb }));

  const result = await pool.analyze(file);
  assert.deepEqual(symbols(result), ['ARCHIVE_BOMB']);
  const finding = result.findings.find((f) => f.symbol === 'ARCHIVE_BOMB');
  assert.equal(finding?.artifact, '2');
  assert.equal(finding?.score, 15);
  // Nothing of the bomb became an artifact; the message still has its two MIME parts.
  assert.deepEqual(result.artifacts.map((a) => a.path), ['1', '2']);
  // Same worker (one thread), next job: it was neither killed for heap nor stuck.
  const next = await pool.analyze(write('plain.eml', plainMessage()));
  assert.deepEqual(next.findings, []);
});

test('through the pool and policy: a CVE-2023-2868-style tar is rejected, a normal tar.gz delivered', async (t) => {
  const { pool, config } = await startDefaultPool(t);
  const settings = { onIncompleteAnalysis: config.analysis.onTimeout };
  const policy = createPolicyResolver({ base: config.policy, domains: config.domains, document: EMPTY_POLICY_DOCUMENT, revision: 0 }).resolve();
  const input = (findings: AnalysisResult['findings'], artifacts: AnalysisResult['artifacts']) => ({ findings, artifacts, sender: { mailFrom: 'a@example.org' }, queueId: 'test' });
  const hostile = buildTar([{ name: '`echo hello`.txt', content: 'x' }, { name: 'notes.txt', content: 'x' }]);
  const r = await pool.analyze(write('cve.eml', messageWithAttachment({ filename: 'logs.tar', content: hostile })));
  assert.ok(symbols(r).includes('ARCHIVE_NAME_SHELL_META'));
  assert.equal(decide(input(r.findings, r.artifacts), policy, settings).action, 'reject');

  const benign = gzipSync(buildTar([{ name: "John's report (final).txt", content: 'quarterly numbers' }, { name: 'Q&A.txt', content: 'x' }]));
  const ok = await pool.analyze(write('ok.eml', messageWithAttachment({ filename: 'reports.tar.gz', content: benign })));
  assert.deepEqual(ok.artifacts.map((a) => a.path), ['1', '2', '2/1', '2/1/1', '2/1/2']);
  assert.equal(decide(input(ok.findings, ok.artifacts), policy, settings).action, 'deliver');
});
