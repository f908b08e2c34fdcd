/**
 * Cross-checks the zip dissector and its test writer against Info-ZIP
 * (`zip`/`unzip`, Debian packages zip and unzip): archives Info-ZIP writes
 * (ZipCrypto included) open, and every fixture layout our writer makes is one
 * Info-ZIP accepts. Skipped when the tools are not installed.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createExpansionBudget } from '../../src/analysis/dissect/budget.js';
import { createZipDissector } from '../../src/analysis/archive/zip/index.js';
import { GENEROUS_LIMITS } from '../../src/analysis/archive/zip/test-support/run.js';
import { writeZip } from '../../src/analysis/archive/zip/test-support/zip-writer.js';

const ZIP = '/usr/bin/zip';
const UNZIP = '/usr/bin/unzip';
const missing = !existsSync(ZIP) || !existsSync(UNZIP);
// CI installs them (.ci/run): there a missing tool is a failure, not a skip.
if (missing && process.env['CI'] === 'true') throw new Error('Info-ZIP zip/unzip are required in CI (.ci/run installs them)');
const skip = missing ? 'Info-ZIP zip/unzip not installed' : false;

test('archives Info-ZIP writes, plain and ZipCrypto-encrypted, are extracted', { skip }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'moat-zip-'));
  try {
    writeFileSync(join(dir, 'hello.txt'), 'echo hello\n'.repeat(100));
    writeFileSync(join(dir, 'data.bin'), Buffer.alloc(5000, 3));
    execFileSync(ZIP, ['-q', '-X', join(dir, 'plain.zip'), 'hello.txt', 'data.bin'], { cwd: dir });
    execFileSync(ZIP, ['-q', '-X', '-P', 'S3cret!', join(dir, 'enc.zip'), 'hello.txt', 'data.bin'], { cwd: dir });
    // From stdin: Info-ZIP streams it with a data descriptor.
    execFileSync(ZIP, ['-q', '-X', join(dir, 'stream.zip'), '-'], { cwd: dir, input: 'streamed\n' });
    for (const [file, passwords] of [['plain.zip', []], ['enc.zip', ['nope', 'S3cret!']], ['stream.zip', []]] as const) {
      const budget = createExpansionBudget(GENEROUS_LIMITS);
      const result = await createZipDissector().dissect({ path: '1', content: readFileSync(join(dir, file)) }, { budget, passwords });
      const texts = new Map(result.members.map((m) => [m.name, m.content === undefined ? undefined : Buffer.from(m.content)]));
      if (file === 'stream.zip') {
        assert.equal(texts.get('-')?.toString(), 'streamed\n');
        assert.deepEqual(result.findings, []);
        continue;
      }
      assert.equal(texts.get('hello.txt')?.toString(), 'echo hello\n'.repeat(100), file);
      assert.deepEqual(texts.get('data.bin'), Buffer.alloc(5000, 3), file);
      assert.deepEqual(result.findings.map((f) => f.symbol), file === 'enc.zip' ? ['ENCRYPTED_ARCHIVE_OPENED'] : []);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('every honest layout the test writer makes passes unzip -t', { skip }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'moat-zip-'));
  try {
    const { bytes } = writeZip([
      { name: 'a.txt', data: 'deflated '.repeat(100) },
      { name: 'b.bin', data: 'stored', method: 0 },
      { name: 'c.txt', data: 'signed descriptor', descriptor: 'signed' },
      { name: 'd.txt', data: 'bare descriptor', descriptor: 'unsigned' },
      { name: 'e.txt', data: 'zip64', zip64: true },
      { name: 'f.txt', data: 'zip64 descriptor', zip64: true, descriptor: 'signed' },
      { name: 'g.txt', data: 'zipcrypto', encrypt: { kind: 'zipcrypto', password: 'pw' } },
      { name: 'h.txt', data: 'zipcrypto descriptor', descriptor: 'signed', encrypt: { kind: 'zipcrypto', password: 'pw' } },
      { name: 'résumé.txt', data: 'utf-8 name' },
    ]);
    writeFileSync(join(dir, 'fixture.zip'), bytes);
    const out = execFileSync(UNZIP, ['-P', 'pw', '-t', join(dir, 'fixture.zip')], { encoding: 'utf8' });
    assert.match(out, /No errors detected/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
