import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Artifact, Finding } from '../../../core/index.js';
import { createFileTypeEngine } from './index.js';

const engine = createFileTypeEngine();

async function inspect(rawName: string | undefined, detectedExtension?: string, detectedType = 'application/x-test'): Promise<readonly Finding[]> {
  const artifact: Artifact = {
    path: '2',
    declaredType: 'application/octet-stream',
    size: 1,
    sha256: '00',
    ...(detectedExtension === undefined ? {} : { detectedExtension, detectedType }),
  };
  return engine.inspect(rawName === undefined ? { artifact, content: new Uint8Array(1) } : { artifact, content: new Uint8Array(1), rawName });
}
const symbolsOf = async (...args: Parameters<typeof inspect>): Promise<string[]> => (await inspect(...args)).map((f) => f.symbol).sort();

test('executables by content, whatever the name', async () => {
  assert.deepEqual(await symbolsOf(undefined, 'exe'), ['FILETYPE_EXECUTABLE']);
  assert.deepEqual(await symbolsOf(undefined, 'elf'), ['FILETYPE_EXECUTABLE']);
  assert.deepEqual(await symbolsOf('setup.exe', 'exe'), ['FILETYPE_EXECUTABLE']);
  const [finding] = await inspect(undefined, 'macho');
  assert.deepEqual({ ...finding, detail: undefined }, { engine: 'filetype', symbol: 'FILETYPE_EXECUTABLE', score: 20, severity: 'high', detail: undefined, artifact: '2' });
});

test('scripts by extension or by content, reported once', async () => {
  for (const ext of ['js', 'jse', 'vbs', 'wsf', 'ps1', 'bat', 'cmd', 'hta', 'scr', 'pif', 'com', 'cpl', 'lnk', 'jar', 'msi', 'reg', 'iso', 'img']) {
    assert.deepEqual(await symbolsOf(`file.${ext}`), ['FILETYPE_SCRIPT'], ext);
  }
  assert.deepEqual(await symbolsOf('RUN.JS'), ['FILETYPE_SCRIPT']);
  assert.deepEqual(await symbolsOf(undefined, 'sh'), ['FILETYPE_SCRIPT']);
  assert.deepEqual(await symbolsOf('app.hta', 'hta'), ['FILETYPE_SCRIPT']);
  assert.equal((await inspect('x.js'))[0]?.score, 12);
});

test('dangerous extension only while the content is unknown', async () => {
  assert.deepEqual(await symbolsOf('tool.exe'), ['FILETYPE_DANGEROUS_EXTENSION']);
  assert.deepEqual(await symbolsOf('tool.dll'), ['FILETYPE_DANGEROUS_EXTENSION']);
  assert.deepEqual(await symbolsOf('tool.exe', 'exe'), ['FILETYPE_EXECUTABLE']);
  // Windows drops trailing dots and spaces when saving.
  assert.deepEqual(await symbolsOf('tool.exe. . '), ['FILETYPE_DANGEROUS_EXTENSION']);
  assert.equal((await inspect('tool.exe'))[0]?.score, 10);
});

test('double extension: document decoy before a runnable extension, padding included', async () => {
  assert.deepEqual(await symbolsOf('invoice.pdf.exe'), ['FILETYPE_DANGEROUS_EXTENSION', 'FILETYPE_DOUBLE_EXTENSION']);
  assert.deepEqual(await symbolsOf('doc.docx      .js'), ['FILETYPE_DOUBLE_EXTENSION', 'FILETYPE_SCRIPT']);
  assert.deepEqual(await symbolsOf('scan.JPG\u00a0\u00a0.scr'), ['FILETYPE_DOUBLE_EXTENSION', 'FILETYPE_SCRIPT']);
  assert.deepEqual(await symbolsOf('backup.tar.gz'), []);
  assert.deepEqual(await symbolsOf('report.2025.pdf'), []);
  assert.deepEqual(await symbolsOf('v1.2.js'), ['FILETYPE_SCRIPT']);
  assert.equal((await inspect('a.pdf.exe')).find((f) => f.symbol === 'FILETYPE_DOUBLE_EXTENSION')?.score, 15);
});

test('bidi controls in the name', async () => {
  assert.ok((await symbolsOf('photo\u202egpj.exe', 'exe')).includes('FILETYPE_RTLO_NAME'));
  assert.ok((await symbolsOf('report\u2067fdp.txt')).includes('FILETYPE_RTLO_NAME'));
  assert.deepEqual(await symbolsOf('photo.jpg', 'jpg'), []);
});

test('extension mismatch between families only', async () => {
  assert.deepEqual(await symbolsOf('contract.pdf', 'zip'), ['FILETYPE_EXTENSION_MISMATCH']);
  assert.deepEqual(await symbolsOf('contract.pdf', 'exe'), ['FILETYPE_EXECUTABLE', 'FILETYPE_EXTENSION_MISMATCH']);
  assert.deepEqual(await symbolsOf('letter.doc', 'rtf'), ['FILETYPE_EXTENSION_MISMATCH']);
  assert.deepEqual(await symbolsOf('notes.txt', 'tar'), ['FILETYPE_EXTENSION_MISMATCH']);
  // Harmless: same family, or nothing detected.
  assert.deepEqual(await symbolsOf('notes.txt'), []);
  assert.deepEqual(await symbolsOf('photo.jpg', 'png'), []);
  assert.deepEqual(await symbolsOf('report.docx', 'zip'), []);
  assert.deepEqual(await symbolsOf('page.htm', 'html'), []);
  assert.deepEqual(await symbolsOf('blob.unknownext', 'pdf'), []);
  assert.equal((await inspect('a.pdf', 'zip'))[0]?.severity, 'medium');
});

test('details quote names escaped, never raw control or bidi characters', async () => {
  const findings = await inspect('in\nvoice\u202e.pdf\u0007.exe', 'exe');
  assert.ok(findings.length >= 2);
  for (const f of findings) {
    assert.doesNotMatch(f.detail, /[\u0000-\u001f\u202a-\u202e]/u);
    assert.match(f.detail, /^part 2: /);
  }
  assert.ok(findings.some((f) => f.detail.includes('in\\x0avoice\\u{202e}.pdf\\x07.exe')));
});
