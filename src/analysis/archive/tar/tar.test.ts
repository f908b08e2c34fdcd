import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Buffer } from 'node:buffer';
import fc from 'fast-check';
import { BudgetExceededError, createExpansionBudget } from '../../dissect/budget.js';
import type { ExpansionBudget } from '../../dissect/budget.js';
import { buildTar, createTarDissector, looksLikeTar, paxEntry, parseTar } from './index.js';
import type { TarParse } from './index.js';

const LIMITS = { maxTotalBytes: 1_000_000, maxEntries: 100, maxDepth: 5, maxRatio: 100, maxMemberBytes: 500_000 };
const budget = (overrides = {}): ExpansionBudget => createExpansionBudget({ ...LIMITS, ...overrides });
const parse = (tar: Uint8Array, b: ExpansionBudget = budget()): TarParse => parseTar(tar, b, '2');
const names = (r: TarParse): string[] => r.members.map((m) => m.name);
const symbols = (r: TarParse): string[] => r.findings.map((f) => f.symbol).sort();
const text = (m: TarParse['members'][number] | undefined): string => Buffer.from(m?.content ?? []).toString('utf8');

test('ustar, GNU and v7 headers: names, contents, kinds, prefix', () => {
  const tar = buildTar([
    { name: 'hello.txt', content: 'hello\n' },
    { name: 'gnu.txt', content: 'gnu', format: 'gnu' },
    { name: 'old.txt', content: 'v7', format: 'v7' },
    { name: 'olddir/', format: 'v7' },
    { name: 'deep.txt', prefix: 'a/b', content: 'x' },
    { name: 'dir', type: '5' },
    { name: 'empty.txt' },
  ]);
  const r = parse(tar);
  assert.deepEqual(names(r), ['hello.txt', 'gnu.txt', 'old.txt', 'olddir/', 'a/b/deep.txt', 'dir', 'empty.txt']);
  assert.deepEqual(r.members.map((m) => m.kind), ['file', 'file', 'file', 'directory', 'file', 'directory', 'file']);
  assert.equal(text(r.members[0]), 'hello\n');
  assert.equal(text(r.members[2]), 'v7');
  assert.deepEqual(r.findings, []);
  assert.ok(looksLikeTar(tar));
  assert.ok(looksLikeTar(buildTar([{ name: 'x', content: 'y', format: 'v7' }])));
  assert.ok(!looksLikeTar(Buffer.alloc(1024)));
  assert.ok(!looksLikeTar(Buffer.alloc(1024, 0x41)));
});

test('pax path/linkpath/size and GNU long names win over the header', () => {
  const long = `${'d/'.repeat(80)}file.txt`;
  const tar = buildTar([
    paxEntry({ path: long, linkpath: 'ignored-for-files' }),
    { name: 'short', content: 'pax' },
    { name: '././@LongLink', type: 'L', content: `${long}.gnu\0` },
    { name: 'short2', content: 'gnu' },
    { name: '././@LongLink', type: 'K', content: 'target/of/a/very/long/link\0' },
    { name: 'lnk', type: '2', linkName: 'short-target' },
    paxEntry({ size: '3' }),
    { name: 'sized', content: 'abc', declaredSize: 999 },
  ]);
  const r = parse(tar);
  assert.deepEqual(names(r), [long, `${long}.gnu`, 'lnk', 'sized']);
  assert.equal(r.members[2]?.linkTarget, 'target/of/a/very/long/link');
  assert.equal(text(r.members[3]), 'abc');
  assert.deepEqual(r.findings, []);
});

test('links and devices come back as such, without content', () => {
  const r = parse(buildTar([
    { name: 'sym', type: '2', linkName: '../../etc/passwd' },
    { name: 'hard', type: '1', linkName: 'sym' },
    { name: 'dev', type: '3' },
    { name: 'fifo', type: '6' },
  ]));
  assert.deepEqual(r.members.map((m) => [m.kind, m.linkTarget, m.content]), [
    ['symlink', '../../etc/passwd', undefined],
    ['hardlink', 'sym', undefined],
    ['device', undefined, undefined],
    ['fifo', undefined, undefined],
  ]);
});

test('bad checksum after valid headers: TAR_BAD_CHECKSUM, then resynchronised: PARSER_CONFUSION', () => {
  const good = buildTar([{ name: 'a.txt', content: 'a' }], { noEnd: true });
  const bad = buildTar([{ name: 'hidden.sh', content: 'echo hello', badChecksum: true }], { noEnd: true });
  const after = buildTar([{ name: 'c.txt', content: 'c' }]);
  const r = parse(Buffer.concat([good, bad, after]));
  assert.deepEqual(symbols(r), ['PARSER_CONFUSION', 'TAR_BAD_CHECKSUM']);
  assert.deepEqual(names(r), ['a.txt', 'c.txt']);
  // A lone bad checksum with garbage after it: only the checksum finding.
  const lone = parse(Buffer.concat([good, bad]));
  assert.deepEqual(symbols(lone), ['TAR_BAD_CHECKSUM']);
});

test('members after the end-of-archive marker: PARSER_CONFUSION and they are read', () => {
  const first = buildTar([{ name: 'a.txt', content: 'a' }]);
  const second = buildTar([{ name: 'after-end.txt', content: 'b' }]);
  const r = parse(Buffer.concat([first, second]));
  assert.deepEqual(names(r), ['a.txt', 'after-end.txt']);
  assert.deepEqual(symbols(r), ['PARSER_CONFUSION']);
  const padded = parse(buildTar([{ name: 'a', content: 'a' }], { trailer: Buffer.alloc(8192) }));
  assert.deepEqual(padded.findings, []);
  const garbage = parse(buildTar([{ name: 'a', content: 'a' }], { trailer: Buffer.from('not a header') }));
  assert.deepEqual(symbols(garbage), ['TAR_TRAILING_DATA']);
});

test('sizes are bounded by the buffer: a lying size is TAR_TRUNCATED, not an over-read', () => {
  const tar = buildTar([{ name: 'big', content: 'abc', declaredSize: 2 ** 33 }], { noEnd: true });
  const r = parse(tar);
  assert.deepEqual(symbols(r), ['TAR_TRUNCATED']);
  assert.equal(r.members[0]?.content?.length, 512);
  const linkWithData = parse(buildTar([{ name: 'l', type: '2', linkName: 't', content: 'smuggled' }]));
  assert.deepEqual(symbols(linkWithData), ['PARSER_CONFUSION']);
});

test('budget: members and bytes are charged; past the limit the budget error escapes', () => {
  const b = budget();
  parse(buildTar([{ name: 'a', content: 'x'.repeat(1000) }, { name: 'd', type: '5' }]), b);
  assert.equal(b.usedEntries, 2);
  assert.equal(b.usedBytes, 1000);
  const many = buildTar(Array.from({ length: 101 }, (_, i) => ({ name: `f${i}`, content: 'x' })));
  assert.throws(() => parse(many), (e: unknown) => e instanceof BudgetExceededError && e.kind === 'entries');
  assert.throws(() => parse(buildTar([{ name: 'a', content: 'x'.repeat(2000) }]), budget({ maxTotalBytes: 1000 })), BudgetExceededError);
});

test('dissector accepts by content only', async () => {
  const d = createTarDissector();
  const tar = buildTar([{ name: 'a', content: 'b' }]);
  assert.ok(d.accepts({ path: '1', content: tar, rawName: 'invoice.pdf' }));
  assert.ok(!d.accepts({ path: '1', content: Buffer.from('hello'), rawName: 'x.tar' }));
  const r = await d.dissect({ path: '1', content: tar }, { budget: budget(), passwords: [] });
  assert.deepEqual(names(r as TarParse), ['a']);
});

test('property: random bytes never throw (except the budget) and never exceed the budget', () => {
  fc.assert(
    fc.property(fc.uint8Array({ minLength: 0, maxLength: 4096 }), (bytes) => {
      const b = budget({ maxTotalBytes: 2048, maxEntries: 5 });
      try {
        parse(bytes, b);
      } catch (err) {
        assert.ok(err instanceof BudgetExceededError, String(err));
      }
      assert.ok(b.usedBytes <= 2048 && b.usedEntries <= 5);
    }),
    { numRuns: 500 },
  );
});

test('property: mutated valid tars never throw (except the budget) and never exceed the budget', () => {
  const base = buildTar([
    paxEntry({ path: 'p/long-name.txt', size: '5' }),
    { name: 'x', content: 'hello' },
    { name: '././@LongLink', type: 'L', content: 'gnu-long\0' },
    { name: 'y', content: 'world'.repeat(200) },
    { name: 'l', type: '2', linkName: '../t' },
  ]);
  fc.assert(
    fc.property(fc.array(fc.record({ at: fc.nat(base.length - 1), value: fc.integer({ min: 0, max: 255 }) }), { minLength: 1, maxLength: 20 }), fc.nat(base.length), (edits, cut) => {
      const bytes = Buffer.from(base.subarray(0, Math.max(cut, 512)));
      for (const { at, value } of edits) if (at < bytes.length) bytes[at] = value;
      const b = budget({ maxTotalBytes: 1500, maxEntries: 4 });
      try {
        const r = parse(bytes, b);
        for (const m of r.members) assert.ok((m.content?.length ?? 0) <= bytes.length);
      } catch (err) {
        assert.ok(err instanceof BudgetExceededError, String(err));
      }
      assert.ok(b.usedBytes <= 1500 && b.usedEntries <= 4);
    }),
    { numRuns: 500 },
  );
});
