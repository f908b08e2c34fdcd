import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import type { AnalysisResult } from '../../../core/index.js';
import { buildTar } from '../../archive/tar/index.js';
import { analyzeMessage } from '../../index.js';
import type { AnalysisLimits } from '../../index.js';
import { compileYaraRules, createYaraEngine, createYaraRuleSet, getWorkerRules, loadYaraRules, YaraRulesError, yaraSymbol } from './index.js';
import type { CompiledRules } from './index.js';

const LIMITS: AnalysisLimits = {
  maxMessageBytes: 10_000_000,
  maxMimeParts: 100,
  maxMimeDepth: 20,
  expansion: { maxTotalBytes: 2_000_000, maxEntries: 100, maxDepth: 5, maxRatio: 100, maxMemberBytes: 1_000_000 },
};

const MARKER_RULE = `
rule Moat_Test_Marker : test demo {
  meta:
    score = 33
    severity = "critical"
    description = "test marker \u202e found"
  strings:
    $m = "MOAT-YARA-MARKER"
  condition:
    $m
}
rule plain_defaults { strings: $d = "DEFAULTS-ONLY" condition: $d }
`;

function message(name: string, content: Uint8Array): Buffer {
  const b = 'yara-test-boundary';
  return Buffer.from(
    `From: a@sender.example\r\nTo: b@example.test\r\nSubject: t\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary="${b}"\r\n\r\n` +
      `--${b}\r\nContent-Type: text/plain\r\n\r\nhello\r\n` +
      `--${b}\r\nContent-Type: application/octet-stream\r\nContent-Disposition: attachment; filename="${name}"\r\nContent-Transfer-Encoding: base64\r\n\r\n` +
      `${Buffer.from(content).toString('base64').replace(/.{76}/gu, '$&\r\n')}\r\n--${b}--\r\n`,
  );
}

async function withDir<T>(files: Record<string, string>, run: (dir: string) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(join(tmpdir(), 'moat-yara-'));
  try {
    for (const [name, text] of Object.entries(files)) await writeFile(join(dir, name), text);
    return await run(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

const yaraFindings = (r: AnalysisResult) => r.findings.filter((f) => f.engine === 'yara');

test('rules compile from a directory and match a member nested in tar.gz through analyzeMessage', async () => {
  await withDir({ 'a.yar': MARKER_RULE, 'ignored.txt': 'not a rule {' }, async (dir) => {
    const loaded = await loadYaraRules(dir);
    assert.deepEqual(loaded.files, ['a.yar']);
    assert.equal(loaded.ruleCount, 2);
    const inner = buildTar([{ name: 'docs/readme.txt', content: 'prefix MOAT-YARA-MARKER suffix' }]);
    const raw = message('bundle.tgz', gzipSync(buildTar([{ name: 'inner.tar', content: inner }])));
    const result = await analyzeMessage(raw, LIMITS, { engines: [createYaraEngine(loaded.rules)] });
    const hits = yaraFindings(result).filter((f) => f.symbol === 'YARA_MOAT_TEST_MARKER');
    assert.ok(hits.length >= 1, JSON.stringify(result.findings));
    // The member itself (deepest artifact holding the marker as its own content) is among the hits.
    const member = result.artifacts.find((a) => a.path === hits.at(-1)?.artifact);
    assert.ok(member !== undefined && member.path.split('/').length >= 3, `nested artifact path ${member?.path}`);
  });
});

test('meta maps to score and severity, detail names rule, tags, escaped description and string ids, never the data', () => {
  const rules = compileYaraRules([{ file: 'a.yar', text: MARKER_RULE }]);
  const engine = createYaraEngine(rules);
  const content = Buffer.from('xx MOAT-YARA-MARKER DEFAULTS-ONLY');
  const findings = engine.inspect({ artifact: { path: '1.2', sha256: '', size: content.length, declaredType: 'text/plain' } as never, content });
  assert.ok(Array.isArray(findings));
  const list = findings as readonly { symbol: string; score: number; severity: string; detail: string }[];
  const marker = list.find((f) => f.symbol === 'YARA_MOAT_TEST_MARKER');
  assert.ok(marker);
  assert.equal(marker.score, 33);
  assert.equal(marker.severity, 'critical');
  assert.match(marker.detail, /^part 1\.2: YARA rule Moat_Test_Marker \[test, demo\] matched \(strings \$m\): test marker \\u\{202e\} found$/u);
  assert.doesNotMatch(marker.detail, /MOAT-YARA-MARKER/u);
  const plain = list.find((f) => f.symbol === 'YARA_PLAIN_DEFAULTS');
  assert.ok(plain);
  assert.equal(plain.score, 10);
  assert.equal(plain.severity, 'high');
  assert.equal(yaraSymbol('a-b.c'), 'YARA_A_B_C');
});

test('matches per artifact are bounded and the excess is reported', () => {
  const text = Array.from({ length: 5 }, (_, i) => `rule r${i} { strings: $a = "SAME" condition: $a }`).join('\n');
  const engine = createYaraEngine(compileYaraRules([{ file: 'm.yar', text }]), { maxMatchesPerArtifact: 3 });
  const findings = engine.inspect({ artifact: { path: '2' } as never, content: Buffer.from('SAME') }) as readonly { symbol: string }[];
  assert.equal(findings.filter((f) => f.symbol.startsWith('YARA_R')).length, 3);
  assert.ok(findings.some((f) => f.symbol === 'YARA_MATCH_LIMIT'));
});

test('content beyond maxScanBytes is not scanned and the truncation is a finding', () => {
  const engine = createYaraEngine(compileYaraRules([{ file: 'a.yar', text: MARKER_RULE }]), { maxScanBytes: 8 });
  const findings = engine.inspect({ artifact: { path: '3' } as never, content: Buffer.from('01234567MOAT-YARA-MARKER') }) as readonly { symbol: string }[];
  assert.deepEqual(findings.map((f) => f.symbol), ['YARA_SCAN_TRUNCATED']);
});

test('a broken rule file is a YaraRulesError naming the file and line', async () => {
  const broken = 'rule ok_one { condition: true }\n\nrule broken {\n  strings: $a = "x"\n  condition: $b\n}\n';
  await withDir({ 'a-good.yar': MARKER_RULE, 'b-broken.yara': broken }, async (dir) => {
    const err = await loadYaraRules(dir).then(
      () => undefined,
      (e: unknown) => e,
    );
    assert.ok(err instanceof YaraRulesError, String(err));
    assert.equal(err.code, 'YARA_RULES_INVALID');
    assert.equal(err.file, 'b-broken.yara');
    assert.equal(err.line, 5);
    assert.match(err.message, /b-broken\.yara:5 .*unknown pattern `\$b`/su);
  });
});

test('a rule name defined in two files is an error naming the second file', async () => {
  await withDir({ 'a.yar': 'rule dup { condition: true }\n', 'b.yar': '// second\nrule dup { condition: true }\n' }, async (dir) => {
    await assert.rejects(loadYaraRules(dir), (e: unknown) => e instanceof YaraRulesError && e.file === 'b.yar' && e.line === 2);
  });
});

test('a missing directory is a YaraRulesError', async () => {
  await assert.rejects(loadYaraRules(join(tmpdir(), 'moat-yara-does-not-exist')), YaraRulesError);
});

test('reload keeps the old set on failure and swaps on success', async () => {
  await withDir({ 'a.yar': MARKER_RULE }, async (dir) => {
    const set = await createYaraRuleSet(dir);
    assert.equal(set.generation(), 1);
    const old = set.rules();
    const scan = (rules: CompiledRules, s: string): string[] => rules.scanner.scan(Buffer.from(s)).map((m) => m.ruleIdentifier);

    await writeFile(join(dir, 'a.yar'), 'rule replaced { strings: $n = "NEW-MARKER" condition: $n }\nrule bad { condition: $x }\n');
    const failed = await set.reload();
    assert.equal(failed.ok, false);
    assert.ok(!failed.ok && failed.error.file === 'a.yar');
    assert.equal(set.generation(), 1);
    assert.equal(set.rules(), old);
    assert.deepEqual(scan(set.rules(), 'MOAT-YARA-MARKER'), ['Moat_Test_Marker']);

    await writeFile(join(dir, 'a.yar'), 'rule replaced { strings: $n = "NEW-MARKER" condition: $n }\n');
    const ok = await set.reload();
    assert.deepEqual(ok, { ok: true, generation: 2, ruleCount: 1, files: ['a.yar'] });
    assert.deepEqual(scan(set.rules(), 'MOAT-YARA-MARKER NEW-MARKER'), ['replaced']);
    assert.equal(set.snapshot().generation, 2);
    assert.match(set.snapshot().sources[0]?.text ?? '', /NEW-MARKER/u);
  });
});

test('getWorkerRules compiles once per generation and recompiles when it changes', () => {
  let calls = 0;
  const loader = (text: string) => () => {
    calls += 1;
    return compileYaraRules([{ file: 'w.yar', text }]);
  };
  const g1 = getWorkerRules(101, loader('rule one { condition: true }'));
  assert.equal(getWorkerRules(101, loader('rule unused { condition: true }')), g1);
  assert.equal(calls, 1);
  const g2 = getWorkerRules(102, loader('rule two { condition: true }'));
  assert.notEqual(g2, g1);
  assert.equal(calls, 2);
  assert.deepEqual(g2.scanner.scan(Buffer.from('x')).map((m) => m.ruleIdentifier), ['two']);
  assert.throws(() => getWorkerRules(103, loader('rule { broken')), YaraRulesError);
  assert.equal(getWorkerRules(102, loader('rule unused { condition: true }')), g2);
});
