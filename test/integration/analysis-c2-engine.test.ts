/**
 * The C2 engine inside the real pipeline (analyzeMessage with the engine
 * added): implant triggers on attachment names and on tar members.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { analyzeMessage } from '../../src/analysis/index.js';
import { createC2Engine } from '../../src/analysis/engines/c2/index.js';
import { createFileTypeEngine } from '../../src/analysis/engines/file-type/index.js';
import { buildMessage, buildTar } from '../../fuzz/archives.js';

const LIMITS = { maxMessageBytes: 10_000_000, maxMimeParts: 1000, maxMimeDepth: 30 };
const engines = [createFileTypeEngine(), createC2Engine()];

test('an attachment whose name carries obt075 gives ATTACHMENT_IMPLANT_TRIGGER on that part', async () => {
  const message = buildMessage('hello', [{ fileName: 'scan_obt075_2023.pdf', contentType: 'application/pdf', content: Buffer.from('%PDF-1.4\n%%EOF\n') }]);
  const result = await analyzeMessage(message, LIMITS, { engines });
  const hits = result.findings.filter((f) => f.symbol === 'ATTACHMENT_IMPLANT_TRIGGER');
  assert.deepEqual(hits.map((f) => [f.artifact, f.score, f.severity]), [['2', 20, 'high']]);
});

test('a tar member named as an implant component is flagged on the member', async () => {
  const tar = buildTar([
    { name: 'readme.txt', content: Buffer.from('echo hello\n') },
    { name: 'payload/mod_require_helo.lua', content: Buffer.from('-- inert\n') },
  ]);
  const message = buildMessage('logs', [{ fileName: 'logs.dat', contentType: 'application/octet-stream', content: tar }]);
  const result = await analyzeMessage(message, LIMITS, { engines });
  const hits = result.findings.filter((f) => f.symbol === 'ATTACHMENT_IMPLANT_TRIGGER');
  assert.equal(hits.length, 1, JSON.stringify(result.findings));
  assert.equal(hits[0]?.artifact, '2/2', 'the second member of part 2');
  assert.match(hits[0]?.detail ?? '', /SEASIDE/);
});

test('an ordinary message gives no C2 findings', async () => {
  const message = buildMessage('hello', [{ fileName: 'report.pdf', contentType: 'application/pdf', content: Buffer.from('%PDF-1.4\n%%EOF\n'), contentId: '<part1.abc@example.com>' }]);
  const result = await analyzeMessage(message, LIMITS, { engines });
  assert.deepEqual(result.findings.filter((f) => f.engine === 'c2'), []);
});
