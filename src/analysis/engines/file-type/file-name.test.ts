import { test } from 'node:test';
import assert from 'node:assert/strict';
import { examineFileName } from './file-name.js';

test('final and inner extension, lower-cased', () => {
  assert.deepEqual(examineFileName('Invoice.PDF.Exe'), { extension: 'exe', innerExtension: 'pdf', bidi: false });
  assert.deepEqual(examineFileName('report.docx'), { extension: 'docx', bidi: false });
  assert.deepEqual(examineFileName('README'), { bidi: false });
  assert.deepEqual(examineFileName(''), { bidi: false });
});

test('directories are dropped, trailing dots and spaces ignored', () => {
  assert.equal(examineFileName('..\\..\\Startup\\run.bat').extension, 'bat');
  assert.equal(examineFileName('/tmp/x.pdf/evil.js').extension, 'js');
  assert.equal(examineFileName('evil.exe . .').extension, 'exe');
});

test('padding before the final extension is removed from the decoy only', () => {
  assert.equal(examineFileName('doc.docx \u2003\u3000 .js').innerExtension, 'docx');
  assert.equal(examineFileName('doc.docx. js').extension, ' js');
});

test('bidi controls are noticed', () => {
  assert.equal(examineFileName('photo\u202egpj.exe').bidi, true);
  assert.equal(examineFileName('a\u2066b.txt').bidi, true);
  assert.equal(examineFileName('a\u200fb.txt').bidi, true);
  assert.equal(examineFileName('plain.txt').bidi, false);
});

test('absurdly long extensions are not extensions', () => {
  assert.equal(examineFileName(`x.${'a'.repeat(100)}`).extension, undefined);
});
