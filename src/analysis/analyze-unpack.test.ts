import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Buffer } from 'node:buffer';
import { gzipSync } from 'node:zlib';
import type { AnalysisResult, Finding } from '../core/index.js';
import { buildTar } from './archive/tar/index.js';
import type { TarEntrySpec } from './archive/tar/index.js';
import type { Dissector, DissectContext } from './dissect/index.js';
import { DISSECTORS } from './dissect/index.js';
import type { Engine, EngineSubject } from './engine.js';
import { createFileTypeEngine } from './engines/file-type/index.js';
import { analyzeMessage } from './index.js';
import type { AnalysisLimits } from './index.js';

const EXPANSION = { maxTotalBytes: 2_000_000, maxEntries: 200, maxDepth: 5, maxRatio: 100, maxMemberBytes: 1_000_000 };
const LIMITS: AnalysisLimits = { maxMessageBytes: 26_214_400, maxMimeParts: 1000, maxMimeDepth: 30, expansion: EXPANSION };
const symbols = (r: AnalysisResult): string[] => [...new Set(r.findings.map((f) => f.symbol))].sort();
const finding = (r: AnalysisResult, symbol: string): Finding | undefined => r.findings.find((f) => f.symbol === symbol);
const paths = (r: AnalysisResult): string[] => r.artifacts.map((a) => a.path);

interface Attachment {
  readonly name: string;
  readonly content: Uint8Array;
  readonly type?: string;
}

function message(attachments: readonly Attachment[], options: { subject?: string; body?: string } = {}): Buffer {
  const boundary = 'moat-unpack-boundary';
  const parts = [
    `--${boundary}\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n${options.body ?? 'See attached.'}\r\n`,
    ...attachments.map(
      (a) =>
        `--${boundary}\r\nContent-Type: ${a.type ?? 'application/octet-stream'}; name="${a.name}"\r\nContent-Disposition: attachment; filename="${a.name}"\r\n` +
        `Content-Transfer-Encoding: base64\r\n\r\n${Buffer.from(a.content).toString('base64').replace(/.{76}/gu, '$&\r\n')}\r\n`,
    ),
  ];
  const head = `From: a@sender.example\r\nTo: b@example.test\r\nSubject: ${options.subject ?? 'files'}\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary="${boundary}"\r\n\r\n`;
  return Buffer.from(`${head}${parts.join('')}--${boundary}--\r\n`);
}

const analyze = (attachments: readonly Attachment[], limits: AnalysisLimits = LIMITS, options = {}): Promise<AnalysisResult> =>
  analyzeMessage(message(attachments), limits, options);

/** A tar.gz holding `inner` as its one member, `depth` times over (each level adds two: gzip and tar). */
function nestedTarGz(levels: number, inner: TarEntrySpec): Buffer {
  let entry = inner;
  let archive = Buffer.alloc(0);
  for (let i = 0; i < levels; i++) {
    archive = gzipSync(buildTar([entry]));
    entry = { name: `level${levels - i}.tar.gz`, content: archive };
  }
  return archive;
}

test('CVE-2023-2868-style tar, disguised as a PDF: every member listed, names flagged at reject level', async () => {
  const b64 = Buffer.from('echo hello from an inert test').toString('base64');
  const tar = buildTar([
    { name: '`echo hello`.txt', content: 'x' },
    { name: '$(id).txt', content: 'x' },
    { name: 'a;echo ok|sh', content: 'x' },
    { name: `'\`echo ${b64} | base64 -d | sh\`.tar'`, content: 'x' },
    { name: "John's report (final).docx", content: 'x' },
  ]);
  const r = await analyze([{ name: 'invoice.pdf', content: tar, type: 'application/pdf' }]);
  assert.deepEqual(paths(r), ['1', '2', '2/1', '2/2', '2/3', '2/4', '2/5']);
  const meta = finding(r, 'ARCHIVE_NAME_SHELL_META');
  assert.equal(meta?.score, 40);
  assert.equal(meta?.artifact, '2/1');
  assert.match(meta?.detail ?? '', /4 times, parts 2\/1, 2\/2, 2\/3, 2\/4\)/u);
  const member = r.artifacts.find((a) => a.path === '2/3');
  assert.equal(member?.declaredName, 'a;echo ok|sh');
  assert.equal(member?.declaredType, 'application/octet-stream');
  assert.equal(r.artifacts.find((a) => a.path === '2')?.detectedExtension, 'tar');
  assert.equal(r.findings.filter((f) => f.symbol === 'ARCHIVE_NAME_SHELL_META').length, 1);
});

test('tar.gz: gzip member named from the outer name, tar inside, engines see container and depth', async () => {
  const seen: EngineSubject[] = [];
  const recorder: Engine = { name: 'recorder', inspect: (s) => (seen.push(s), []) };
  const tgz = gzipSync(buildTar([{ name: 'docs/readme.txt', content: 'hello' }, { name: 'docs', type: '5' }]));
  const r = await analyze([{ name: 'bundle.tgz', content: tgz }], LIMITS, { engines: [createFileTypeEngine(), recorder] });
  assert.deepEqual(paths(r), ['1', '2', '2/1', '2/1/1', '2/1/2']);
  assert.equal(r.artifacts[2]?.declaredName, 'bundle.tar');
  const readme = seen.find((s) => s.artifact.path === '2/1/1');
  assert.equal(readme?.depth, 2);
  assert.equal(readme?.rawName, 'docs/readme.txt');
  const tar = r.artifacts.find((a) => a.path === '2/1');
  assert.deepEqual(readme?.container, { path: '2/1', memberNames: ['docs/readme.txt', 'docs'], sha256: tar?.sha256, detectedType: 'application/x-tar', detectedExtension: 'tar' });
  assert.equal(readme?.via, 'tar');
  assert.equal(Buffer.from(readme?.content ?? []).toString(), 'hello');
  assert.equal(seen.find((s) => s.artifact.path === '2')?.depth, 0);
  // Directories are listed, not extracted: size 0, empty sha256, inode type.
  assert.deepEqual(r.artifacts[4], { path: '2/1/2', declaredType: 'inode/directory', size: 0, sha256: '', declaredName: 'docs' });
  assert.deepEqual(symbols(r), []);
});

test('members go through the engines: an executable inside a tar, a double extension on an unextracted link', async () => {
  const pe = Buffer.alloc(512);
  pe.write('MZ', 0, 'latin1');
  pe.writeUInt32LE(0x80, 0x3c);
  pe.write('PE\0\0', 0x80, 'latin1');
  const tar = buildTar([{ name: 'setup.pdf.exe', content: pe }, { name: 'l.pdf.exe', type: '2', linkName: 'x' }]);
  const r = await analyze([{ name: 'a.tar', content: tar }]);
  assert.equal(finding(r, 'FILETYPE_EXECUTABLE')?.artifact, '2/1');
  assert.ok(r.findings.some((f) => f.symbol === 'FILETYPE_DOUBLE_EXTENSION' && f.artifact === '2/2'));
  assert.equal(finding(r, 'ARCHIVE_LINK_MEMBER')?.artifact, '2/2');
});

test('traversal, duplicates, devices through the pipeline', async () => {
  const tar = buildTar([
    { name: '../../etc/cron.d/x', content: 'a' },
    { name: 'same.txt', content: 'one' },
    { name: 'SAME.txt', content: 'two' },
    { name: 'null', type: '3' },
  ]);
  const r = await analyze([{ name: 'a.tar', content: tar }]);
  assert.deepEqual(symbols(r), ['ARCHIVE_DEVICE_MEMBER', 'ARCHIVE_DUPLICATE_NAME', 'ARCHIVE_PATH_TRAVERSAL']);
  assert.equal(finding(r, 'ARCHIVE_DUPLICATE_NAME')?.artifact, '2/3');
});

test('nesting: depth 5 opens at maxDepth 5; deeper stops with NESTING_TOO_DEEP', async () => {
  // 2 levels of tar.gz = members at depth 4; 3 levels reach depth 6.
  const two = nestedTarGz(2, { name: 'inner.txt', content: 'deep' });
  const ok = await analyze([{ name: 'n.tgz', content: two }]);
  assert.equal(ok.artifacts.at(-1)?.path, '2/1/1/1/1');
  assert.deepEqual(symbols(ok), []);
  // depth 5: a gzip at depth 4 holding a text file.
  const five = gzipSync(buildTar([{ name: 'l2.gz', content: gzipSync(buildTar([{ name: 'i.gz', content: gzipSync('leaf') }])) }]));
  // Exactly at the limit (maxDepth 5): opened; one below the limit: the innermost gzip is not.
  const atFive = await analyze([{ name: 'x.gz', content: five }]);
  assert.deepEqual(symbols(atFive), []);
  assert.equal(atFive.artifacts.at(-1)?.path, '2/1/1/1/1/1');
  const atFour = await analyze([{ name: 'x.gz', content: five }], { ...LIMITS, expansion: { ...EXPANSION, maxDepth: 4 } });
  assert.deepEqual(symbols(atFour), ['NESTING_TOO_DEEP']);
  assert.equal(finding(atFour, 'NESTING_TOO_DEEP')?.artifact, '2/1/1/1/1');
  const tooDeep = await analyze([{ name: 'n.tgz', content: nestedTarGz(4, { name: 'inner.txt', content: 'deep' }) }]);
  const deep = finding(tooDeep, 'NESTING_TOO_DEEP');
  assert.equal(deep?.score, 15);
  assert.equal(deep?.artifact, '2/1/1/1/1/1');
  assert.ok(!tooDeep.artifacts.some((a) => a.path.split('/').length > 6));
});

test('gzip bomb: ARCHIVE_BOMB, other attachments still analysed', async () => {
  const bomb = gzipSync(Buffer.alloc(50_000_000));
  const r = await analyze([{ name: 'bomb.gz', content: bomb }, { name: 'ok.tar', content: buildTar([{ name: 'fine.txt', content: 'fine' }]) }]);
  assert.deepEqual(symbols(r), ['ARCHIVE_BOMB']);
  assert.equal(finding(r, 'ARCHIVE_BOMB')?.artifact, '2');
  assert.ok(r.artifacts.some((a) => a.path === '3/1'));
  assert.ok(!r.artifacts.some((a) => a.path === '2/1'));
});

test('total budget shared across the message: the second archive breaks it', async () => {
  const data = Buffer.alloc(600_000, 0x61);
  const tar = buildTar([{ name: 'a', content: data }, { name: 'b', content: data }]);
  const r = await analyze([{ name: '1.tar', content: tar }, { name: '2.tar', content: tar }]);
  assert.deepEqual(symbols(r), ['ARCHIVE_BOMB']);
  assert.equal(finding(r, 'ARCHIVE_BOMB')?.artifact, '3');
});

test('too many entries: ARCHIVE_TOO_MANY_ENTRIES', async () => {
  const tar = buildTar(Array.from({ length: 201 }, (_, i) => ({ name: `f${i}.txt` })));
  const r = await analyze([{ name: 'many.tar', content: tar }]);
  assert.deepEqual(symbols(r), ['ARCHIVE_TOO_MANY_ENTRIES']);
  assert.equal(finding(r, 'ARCHIVE_TOO_MANY_ENTRIES')?.score, 15);
});

test('a dissector that throws is <NAME>_FAIL (fail closed); passwords from the message reach dissectors', async () => {
  let context: DissectContext | undefined;
  const boom: Dissector = {
    name: 'boom',
    accepts: (s) => Buffer.from(s.content).toString('latin1').startsWith('BOOM'),
    dissect: async (_s, ctx) => {
      context = ctx;
      throw new Error('bug in \u001b dissector');
    },
  };
  const picky: Dissector = { name: 'picky', accepts: () => { throw new Error('accepts broke'); }, dissect: async () => ({ members: [], findings: [] }) };
  const raw = message([{ name: 'x.bin', content: Buffer.from('BOOM!') }], { subject: 'Secure (password: Subj123)', body: 'Das Passwort lautet: Body456' });
  const r = await analyzeMessage(raw, LIMITS, { dissectors: [picky, boom, ...DISSECTORS] });
  const fail = finding(r, 'BOOM_FAIL');
  assert.equal(fail?.score, 15);
  assert.equal(fail?.severity, 'high');
  assert.match(fail?.detail ?? '', /\\x1b/u);
  assert.ok(r.findings.some((f) => f.symbol === 'PICKY_FAIL'));
  assert.ok(context?.passwords.includes('Subj123'));
  assert.ok(context?.passwords.includes('Body456'));
});

test('without expansion limits the shipped defaults apply', async () => {
  const { expansion: _unused, ...legacy } = LIMITS;
  const r = await analyzeMessage(message([{ name: 'a.tgz', content: gzipSync(buildTar([{ name: 'x', content: 'y' }])) }]), legacy);
  assert.deepEqual(paths(r), ['1', '2', '2/1', '2/1/1']);
});
