// The ioc engine inside the real analysis pipeline: a zip member's hash and
// name are matched after unpacking, and a store snapshot sent through a real
// worker thread (structured clone, as piscina does) matches the same.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { Worker } from 'node:worker_threads';
import { buildZip } from '../../fuzz/archives.js';
import { analyzeMessage } from '../../src/analysis/index.js';
import type { AnalysisLimits } from '../../src/analysis/index.js';
import { createIocEngine } from '../../src/analysis/engines/ioc/index.js';
import type { IndicatorSnapshot } from '../../src/intel/index.js';
import { createHashReputation, createIndicatorStore, createIndicatorStoreFromSnapshot, parseIndicatorCsv } from '../../src/intel/index.js';
import { messageWithAttachment } from '../support/messages.js';

const LIMITS: AnalysisLimits = {
  maxMessageBytes: 26_214_400,
  maxMimeParts: 1000,
  maxMimeDepth: 30,
  expansion: { maxTotalBytes: 2_000_000, maxEntries: 200, maxDepth: 5, maxRatio: 100, maxMemberBytes: 1_000_000 },
};
const payload = Buffer.from('second-stage loader, not really');
const sha256 = createHash('sha256').update(payload).digest('hex');
const inner = buildZip([{ name: 'stage2/loader.bin', content: payload }]);
const outer = buildZip([{ name: 'docs/readme.txt', content: Buffer.from('hello') }, { name: 'inner.zip', content: inner }]);
const raw = Buffer.from(messageWithAttachment({ filename: 'invoice.zip', content: outer, contentType: 'application/zip' }));

const csv = [
  'type,value,source,confidence,severity,expires,description',
  `sha256,${sha256},test-feed,100,critical,,"loader, stage 2"`,
  'filename,README.TXT,test-feed,60,low,,',
].join('\n');

test('a nested zip member whose sha256 is an indicator gives IOC_HASH_MATCH on that member', async () => {
  const { indicators, errors } = parseIndicatorCsv(csv, { file: 'feed.csv' });
  assert.deepEqual(errors, []);
  const store = createIndicatorStore(indicators);
  const result = await analyzeMessage(raw, LIMITS, { engines: [createIocEngine(store)] });
  const ioc = result.findings.filter((f) => f.engine === 'ioc');
  const member = result.artifacts.find((a) => a.sha256 === sha256);
  assert.ok(member, 'the nested member is an artifact');
  // Part 2, the outer zip's second member (inner.zip), its first member: depth 2.
  assert.equal(member.path.split('/').length, 3);
  assert.deepEqual(ioc.map((f) => [f.symbol, f.artifact, f.score]).sort(), [
    ['IOC_FILENAME_MATCH', '2/1', 2],
    ['IOC_HASH_MATCH', member.path, 40],
  ]);
  assert.match(ioc.find((f) => f.symbol === 'IOC_HASH_MATCH')?.detail ?? '', /from test-feed \(confidence 100\): loader, stage 2/u);
});

test('hash block-list through the pipeline; a store without the hash finds nothing', async () => {
  const blocked = await analyzeMessage(raw, LIMITS, { engines: [createIocEngine(createIndicatorStore([]), { reputation: createHashReputation({ allow: [], block: [sha256] }) })] });
  assert.deepEqual(blocked.findings.filter((f) => f.engine === 'ioc').map((f) => f.symbol), ['HASH_BLOCKLISTED']);
  const clean = await analyzeMessage(raw, LIMITS, { engines: [createIocEngine(createIndicatorStore([]))] });
  assert.deepEqual(clean.findings.filter((f) => f.engine === 'ioc'), []);
});

test('a snapshot crosses a worker thread boundary and the rebuilt store matches', async () => {
  const store = createIndicatorStore(parseIndicatorCsv(csv).indicators);
  // An eval worker keeps the test self-contained: it echoes what it received, so we see the structured-clone copy.
  const worker = new Worker("require('node:worker_threads').parentPort.once('message', (m) => require('node:worker_threads').parentPort.postMessage(m))", { eval: true });
  try {
    worker.postMessage(store.toSnapshot());
    const [echoed] = (await once(worker, 'message')) as [IndicatorSnapshot];
    const copy = createIndicatorStoreFromSnapshot(echoed);
    assert.equal(copy.match('sha256', sha256.toUpperCase()).length, 1);
    assert.equal(copy.match('filename', 'readme.txt').length, 1);
  } finally {
    await worker.terminate();
  }
});
