// URL extraction inside analyzeMessage on the calling thread (the worker pool runs the same; see
// test/integration/analysis-urls.test.ts): result.urls, URL_LIMIT and IOC_URL_MATCH with the part path.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createIndicatorStore } from '../../intel/index.js';
import { analyzeMessage } from '../index.js';
import type { AnalysisLimits } from '../index.js';

const LIMITS: AnalysisLimits = { maxMessageBytes: 26_214_400, maxMimeParts: 1000, maxMimeDepth: 30 };
const plain = (body: string): Buffer =>
  Buffer.from(['From: a@sender.example', 'To: b@example.test', 'Subject: links', 'MIME-Version: 1.0', 'Content-Type: text/plain; charset=utf-8', '', body, ''].join('\r\n'));

test('a text body with 1,200 distinct links: 1,000 URLs kept, one URL_LIMIT on part 1', async () => {
  const body = Array.from({ length: 1200 }, (_, i) => `https://h${i}.example/`).join('\r\n');
  const result = await analyzeMessage(plain(body), LIMITS);
  assert.equal(result.urls.length, 1000);
  assert.equal(result.urls[999], 'https://h999.example/');
  assert.deepEqual(result.findings.map((f) => [f.symbol, f.artifact]), [['URL_LIMIT', '1']]);
});

test('indicators given to analyzeMessage match the URLs; without them nothing matches; too large means no URLs', async () => {
  const raw = plain('Pay at https://pay.evil.example/now and https://pay.evil.example/again');
  const store = createIndicatorStore([{ type: 'domain', value: 'evil.example', source: 'feed', confidence: 100, severity: 'critical' }]);
  const matched = await analyzeMessage(raw, LIMITS, { indicators: store });
  assert.deepEqual(matched.findings.map((f) => [f.symbol, f.artifact, f.score]), [['IOC_URL_MATCH', '1', 40]]);
  const unmatched = await analyzeMessage(raw, LIMITS);
  assert.deepEqual(unmatched.urls, ['https://pay.evil.example/now', 'https://pay.evil.example/again']);
  assert.deepEqual(unmatched.findings, []);
  const tooLarge = await analyzeMessage(raw, { ...LIMITS, maxMessageBytes: 10 });
  assert.deepEqual(tooLarge.urls, []);
});
