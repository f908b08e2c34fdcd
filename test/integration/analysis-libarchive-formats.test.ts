// 7z, rar 4/5, cab and ISO 9660 / UDF through the libarchive WebAssembly
// dissector, with fixtures built byte by byte in code (no archiver is
// installed on CI): nested content, names, kinds, and the image findings.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { gzipSync } from 'node:zlib';
import { createLibarchiveDissector } from '../../src/analysis/archive/libarchive/index.js';
import { build7z } from '../../src/analysis/archive/libarchive/fixtures/seven-zip.js';
import { buildRar4, buildRar5 } from '../../src/analysis/archive/libarchive/fixtures/rar.js';
import { buildCab } from '../../src/analysis/archive/libarchive/fixtures/cab.js';
import { buildIso } from '../../src/analysis/archive/libarchive/fixtures/iso.js';
import { createExpansionBudget } from '../../src/analysis/dissect/budget.js';
import type { DissectResult, Member } from '../../src/analysis/dissect/dissector.js';

const dissector = createLibarchiveDissector();
const limits = { maxTotalBytes: 64 * 1024 * 1024, maxEntries: 1000, maxDepth: 5, maxRatio: 1000, maxMemberBytes: 32 * 1024 * 1024 };

async function dissect(content: Uint8Array, passwords: readonly string[] = []): Promise<DissectResult> {
  const subject = { path: '2', content };
  assert.ok(dissector.accepts(subject), 'the dissector must accept its own format by content');
  return dissector.dissect(subject, { budget: createExpansionBudget(limits), passwords });
}

const text = (member: Member | undefined): string => Buffer.from(member?.content ?? []).toString('utf8');
const byName = (result: DissectResult, name: string): Member | undefined => result.members.find((m) => m.name === name);
const symbols = (result: DissectResult): string[] => result.findings.map((f) => f.symbol);

const inner = build7z([{ name: 'deeper/payload.txt', data: Buffer.from('echo hello') }]);
const hello = Buffer.from('hello world\n'.repeat(40));

/** The inner archive must come out intact and open again (the pipeline recurses on it). */
async function assertNestedOpens(member: Member | undefined): Promise<void> {
  assert.ok(member?.content, 'nested archive extracted');
  assert.deepEqual(Buffer.from(member.content), Buffer.from(inner));
  const again = await dissect(member.content);
  assert.equal(text(byName(again, 'deeper/payload.txt')), 'echo hello');
}

test('7z (copy and deflate coders): directories, files, nested 7z, UTF-16 names, symlink kind', async () => {
  for (const method of ['copy', 'deflate'] as const) {
    const archive = build7z(
      [
        { name: 'docs', directory: true },
        { name: 'docs/readme.txt', data: hello },
        { name: 'docs/inner.7z', data: inner },
        { name: 'naïve €.txt', data: Buffer.from('unicode') },
        { name: 'link', data: Buffer.from('../../etc/passwd'), unixMode: 0o120777 },
      ],
      { method },
    );
    const result = await dissect(archive);
    assert.deepEqual(symbols(result), [], method);
    assert.equal(byName(result, 'docs/')?.kind, 'directory');
    assert.equal(text(byName(result, 'docs/readme.txt')), hello.toString());
    assert.equal(byName(result, 'docs/readme.txt')?.declaredSize, hello.length);
    assert.equal(text(byName(result, 'naïve €.txt')), 'unicode');
    const link = byName(result, 'link');
    assert.equal(link?.kind, 'symlink');
    assert.equal(link.content, undefined, 'links are listed, never extracted');
    await assertNestedOpens(byName(result, 'docs/inner.7z'));
  }
});

test('rar 4 (Windows names) and rar 5 (UTF-8 names): directories, files, nested 7z', async () => {
  const entries = [{ name: 'dir', directory: true }, { name: 'dir/a.txt', data: hello }, { name: 'dir/inner.7z', data: inner }];
  for (const archive of [buildRar4(entries), buildRar5(entries)]) {
    const result = await dissect(archive);
    assert.deepEqual(symbols(result), []);
    assert.deepEqual(
      result.members.map((m) => [m.name, m.kind]),
      [['dir', 'directory'], ['dir/a.txt', 'file'], ['dir/inner.7z', 'file']],
    );
    assert.equal(text(byName(result, 'dir/a.txt')), hello.toString());
    await assertNestedOpens(byName(result, 'dir/inner.7z'));
  }
});

test('cab, stored and MSZIP over several 32 KiB blocks: files and a nested 7z', async () => {
  const big = Buffer.alloc(100_000, 'abcdefgh');
  for (const compression of ['none', 'mszip'] as const) {
    const result = await dissect(buildCab([{ name: 'dir/big.txt', data: big }, { name: 'inner.7z', data: inner }], { compression }));
    assert.deepEqual(symbols(result), [], compression);
    assert.deepEqual(Buffer.from(byName(result, 'dir/big.txt')?.content ?? []), big);
    await assertNestedOpens(byName(result, 'inner.7z'));
  }
});

test('ISO 9660: root and subdirectory files, nested 7z', async () => {
  const result = await dissect(buildIso([{ path: 'A.TXT', data: hello }, { path: 'DIR/INNER.7Z', data: inner }]));
  assert.deepEqual(symbols(result), []);
  assert.equal(byName(result, 'DIR')?.kind, 'directory');
  assert.equal(text(byName(result, 'A.TXT')), hello.toString());
  await assertNestedOpens(byName(result, 'DIR/INNER.7Z'));
});

test('images with a UDF file system are left to the UDF dissector (the tree Windows mounts)', () => {
  for (const image of [buildIso([{ path: 'A.TXT', data: hello }], { udfBridge: true }), buildIso([], { udfOnly: true })]) {
    assert.equal(dissector.accepts({ path: '2', content: image }), false);
  }
  assert.equal(dissector.accepts({ path: '2', content: buildIso([{ path: 'A.TXT', data: hello }]) }), true);
});

test('ISO whose system area also holds a tar header: PARSER_CONFUSION', async () => {
  const tarHead = Buffer.concat([Buffer.alloc(257), Buffer.from('ustar\x0000')]);
  const result = await dissect(buildIso([{ path: 'A.TXT', data: hello }], { systemArea: tarHead }));
  assert.deepEqual(symbols(result), ['PARSER_CONFUSION']);
  assert.ok((result.findings[0]?.score ?? 0) >= 15);
});

test('chooses by content only: zip, tar, gzip and text are not accepted whatever their name', () => {
  const tar = Buffer.alloc(1024);
  tar.write('ustar\x0000', 257, 'latin1');
  for (const content of [Buffer.from('PK\x03\x04rest', 'latin1'), tar, gzipSync('hello'), Buffer.from('Rar! is a word')]) {
    assert.equal(dissector.accepts({ path: '2', content, rawName: 'looks.7z' }), false);
  }
  assert.equal(dissector.accepts({ path: '2', content: inner, rawName: 'invoice.pdf' }), true);
});
