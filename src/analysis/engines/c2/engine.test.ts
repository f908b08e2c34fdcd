import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Artifact } from '../../../core/index.js';
import type { EngineSubject } from '../../engine.js';
import { createC2Engine } from './engine.js';
import { compileImplantTriggerPack } from './implant-triggers.js';

const artifact = (path: string): Artifact => ({ path, declaredType: 'application/octet-stream', size: 3, sha256: '0'.repeat(64) });
const subject = (over: Partial<EngineSubject> & { contentId?: string } = {}): EngineSubject => ({ artifact: artifact('2'), content: new Uint8Array(3), ...over });

test('an attachment named with the SEASPRAY trigger gives ATTACHMENT_IMPLANT_TRIGGER with the rule score', async () => {
  const findings = await createC2Engine().inspect(subject({ rawName: 'Report-obt075.pdf' }));
  assert.equal(findings.length, 1);
  assert.deepEqual({ ...findings[0], detail: undefined }, {
    engine: 'c2',
    symbol: 'ATTACHMENT_IMPLANT_TRIGGER',
    score: 20,
    severity: 'high',
    detail: undefined,
    artifact: '2',
  });
  assert.match(findings[0]?.detail ?? '', /SEASPRAY implant trigger seaspray-obt075/);
});

test('an archive member (depth 1, in a container) is judged by its member name', async () => {
  const findings = await createC2Engine().inspect(
    subject({ artifact: artifact('2/payload/mod_content.lua'), rawName: 'payload/mod_content.lua', depth: 1, container: { path: '2', detectedExtension: 'tar' } }),
  );
  assert.deepEqual(findings.map((f) => [f.symbol, f.artifact]), [['ATTACHMENT_IMPLANT_TRIGGER', '2/payload/mod_content.lua']]);
});

test('ordinary names and unnamed parts give nothing', async () => {
  const engine = createC2Engine();
  assert.deepEqual(await engine.inspect(subject({ rawName: 'invoice-2024.pdf' })), []);
  assert.deepEqual(await engine.inspect(subject()), []);
});

test('a Content-ID blob on the subject gives MIME_CONTENT_ID_BLOB', async () => {
  const blob = Buffer.alloc(60, 0xa5).toString('base64');
  const findings = await createC2Engine().inspect(subject({ contentId: blob }));
  assert.deepEqual(findings.map((f) => f.symbol), ['MIME_CONTENT_ID_BLOB']);
  assert.deepEqual(await createC2Engine().inspect(subject({ contentId: '<a@b>' })), []);
});

test('a custom pack replaces the shipped one; names in details are escaped', async () => {
  const triggers = compileImplantTriggerPack({ version: 1, triggers: [{ id: 'x-1', pattern: 'zz9', family: 'TEST', reference: 'unit test', score: 4 }] });
  const findings = await createC2Engine({ triggers }).inspect(subject({ rawName: 'a\u202ezz9\nb' }));
  assert.equal(findings[0]?.severity, 'low');
  assert.equal(findings[0]?.score, 4);
  assert.ok(findings[0]?.detail.includes('\\u{202e}zz9\\x0ab'));
  assert.deepEqual(await createC2Engine({ triggers }).inspect(subject({ rawName: 'obt075' })), []);
});
