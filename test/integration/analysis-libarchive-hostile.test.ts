// Hostile and broken input for the libarchive dissector: encryption (with and
// without quoted passwords), truncation and corruption, bombs and lying sizes,
// a decoder asking for a huge dictionary, and random mutations. Findings, never
// crashes; the budget is charged before anything is read.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { crc32 } from 'node:zlib';
import { createLibarchiveDissector } from '../../src/analysis/archive/libarchive/index.js';
import { openArchive } from '../../src/analysis/archive/libarchive/archive-reader.js';
import { createLibarchiveInstance } from '../../src/analysis/archive/libarchive/wasm.js';
import { build7z } from '../../src/analysis/archive/libarchive/fixtures/seven-zip.js';
import { buildRar4, buildRar5 } from '../../src/analysis/archive/libarchive/fixtures/rar.js';
import { buildCab } from '../../src/analysis/archive/libarchive/fixtures/cab.js';
import { buildIso } from '../../src/analysis/archive/libarchive/fixtures/iso.js';
import { buildEncryptedZip } from '../../src/analysis/archive/libarchive/fixtures/zip-crypto.js';
import { BudgetExceededError, createExpansionBudget } from '../../src/analysis/dissect/budget.js';
import type { ExpansionBudget, ExpansionLimits } from '../../src/analysis/dissect/budget.js';
import type { DissectResult } from '../../src/analysis/dissect/dissector.js';

const dissector = createLibarchiveDissector();
const LIMITS: ExpansionLimits = { maxTotalBytes: 16 * 1024 * 1024, maxEntries: 200, maxDepth: 5, maxRatio: 1_000_000, maxMemberBytes: 128 * 1024 * 1024 };

function budgetOf(overrides: Partial<ExpansionLimits> = {}): ExpansionBudget {
  return createExpansionBudget({ ...LIMITS, ...overrides });
}

async function dissect(content: Uint8Array, passwords: readonly string[] = [], budget = budgetOf()): Promise<DissectResult> {
  return dissector.dissect({ path: '3', content }, { budget, passwords });
}

const symbols = (result: DissectResult): string[] => result.findings.map((f) => f.symbol);
const secretFiles = [
  { name: 'invoice', directory: true },
  { name: 'invoice/invoice.exe', data: Buffer.from('MZ inert test payload') },
  { name: 'invoice/readme.txt', data: Buffer.from('echo hello') },
];

test('encrypted 7z without a password: names listed, no content, ENCRYPTED_ARCHIVE', async () => {
  const budget = budgetOf();
  const result = await dissect(build7z(secretFiles, { password: 'infected' }), [], budget);
  assert.deepEqual(symbols(result), ['ENCRYPTED_ARCHIVE']);
  assert.match(result.findings[0]?.detail ?? '', /invoice\/invoice\.exe/);
  const exe = result.members.find((m) => m.name === 'invoice/invoice.exe');
  assert.equal(exe?.encrypted, true);
  assert.equal(exe.content, undefined);
  assert.equal(exe.declaredSize, 21);
  assert.equal(budget.usedBytes, 0, 'nothing was extracted, nothing charged');
});

test('encrypted 7z with the password quoted: libarchive 3.7 cannot decrypt 7zAES, so it stays ENCRYPTED_ARCHIVE at no budget cost', async () => {
  const budget = budgetOf();
  const passwords = Array.from({ length: 19 }, (_, i) => `guess${i}`).concat('infected');
  const result = await dissect(build7z(secretFiles, { password: 'infected' }), passwords, budget);
  // If a libarchive.js upgrade adds 7zAES, this fails: then expect ENCRYPTED_ARCHIVE_OPENED here.
  assert.deepEqual(symbols(result), ['ENCRYPTED_ARCHIVE']);
  assert.ok(result.members.every((m) => m.content === undefined && m.openedWithPassword !== true));
  assert.equal(budget.usedBytes, 0);
});

test('7z with encrypted headers: no names at all, ENCRYPTED_ARCHIVE + LIBARCHIVE_NAMES_ENCRYPTED', async () => {
  const result = await dissect(build7z(secretFiles, { password: 'infected', encryptHeader: true }), ['infected']);
  assert.deepEqual(result.members, []);
  assert.deepEqual(symbols(result), ['ENCRYPTED_ARCHIVE', 'LIBARCHIVE_NAMES_ENCRYPTED']);
});

test('the password path: a quoted password opens what libarchive can decrypt (ZipCrypto) and says so', async () => {
  const zip = buildEncryptedZip([{ name: 'a.txt', data: Buffer.from('secret content') }], 'infected');
  const locked = await dissect(zip, ['wrong', 'nope']);
  assert.deepEqual(symbols(locked), ['ENCRYPTED_ARCHIVE']);
  assert.equal(locked.members[0]?.content, undefined);
  const budget = budgetOf();
  const opened = await dissect(zip, ['wrong', 'infected'], budget);
  assert.deepEqual(symbols(opened), ['ENCRYPTED_ARCHIVE_OPENED']);
  assert.equal(Buffer.from(opened.members[0]?.content ?? []).toString(), 'secret content');
  assert.equal(opened.members[0]?.openedWithPassword, true);
  assert.equal(budget.usedBytes, 14, 'only the opened member is charged, not the failed attempts');
});

test('truncated and corrupt archives of every format give findings, never a throw', async () => {
  const data = Buffer.from('some content to cut '.repeat(200));
  const archives = {
    '7z': build7z([{ name: 'a.txt', data }, { name: 'b.txt', data }], { method: 'deflate' }),
    rar4: buildRar4([{ name: 'a.txt', data }, { name: 'b.txt', data }]),
    rar5: buildRar5([{ name: 'a.txt', data }, { name: 'b.txt', data }]),
    cab: buildCab([{ name: 'a.txt', data }, { name: 'b.txt', data }], { compression: 'mszip' }),
    iso: buildIso([{ path: 'A.TXT', data }, { path: 'B.TXT', data }]),
  };
  for (const [format, archive] of Object.entries(archives)) {
    for (const keep of [0.25, 0.5, 0.9]) {
      const cut = archive.subarray(0, Math.floor(archive.length * keep));
      if (!dissector.accepts({ path: '3', content: cut })) continue;
      const result = await dissect(cut);
      const complete = result.members.filter((m) => m.content !== undefined && m.content.length === data.length).length;
      if (complete < 2 && cut.length > 64) {
        // Something was not scanned: that must be visible, at the quarantine threshold.
        assert.ok(result.findings.some((f) => f.score >= 15), `${format} cut to ${keep}: ${JSON.stringify(symbols(result))}`);
      }
    }
  }
});

test('a 7z whose start header is zeroed (7-Zip recovers it, libarchive lists nothing): LIBARCHIVE_NOTHING_LISTED', async () => {
  const archive = Buffer.from(build7z([{ name: 'payload.exe', data: Buffer.alloc(4000, 'MZ') }]));
  archive.fill(0, 8, 32);
  const zeroed = await dissect(archive);
  assert.deepEqual(zeroed.members, []);
  assert.deepEqual(symbols(zeroed), ['LIBARCHIVE_NOTHING_LISTED']);
  // The same with a valid "empty archive" start header in front of real data.
  archive.writeUInt32LE(crc32(archive.subarray(12, 32)), 8);
  assert.deepEqual(symbols(await dissect(archive)), ['LIBARCHIVE_NOTHING_LISTED']);
  // A genuinely empty 7z (the 32-byte signature header alone) is not reported.
  assert.deepEqual(symbols(await dissect(build7z([]))), []);
});

test('a member whose data is missing is listed without content and reported', async () => {
  const rar = buildRar4([{ name: 'a.txt', data: Buffer.from('x'.repeat(500)) }]);
  const result = await dissect(rar.subarray(0, 200));
  assert.equal(result.members[0]?.name, 'a.txt');
  assert.equal(result.members[0]?.content, undefined);
  assert.deepEqual(symbols(result), ['LIBARCHIVE_DATA_ERROR']);
});

test('rar 5 "unknown unpacked size" (content libarchive will not size) is reported, not passed', async () => {
  const result = await dissect(buildRar5([{ name: 'u.txt', data: Buffer.from('hidden'), unknownSize: true }]));
  assert.deepEqual(symbols(result), ['LIBARCHIVE_UNREADABLE']);
});

test('bomb: a 64 MiB member from a 64 KiB 7z stops at the budget before it is read', async () => {
  const bomb = build7z([{ name: 'zeros.bin', data: Buffer.alloc(64 * 1024 * 1024) }], { method: 'deflate' });
  assert.ok(bomb.length < 128 * 1024);
  const total = budgetOf();
  await assert.rejects(dissect(bomb, [], total), (err: unknown) => err instanceof BudgetExceededError && err.kind === 'bytes');
  assert.equal(total.usedBytes, 0, 'refused before a byte was produced');
  await assert.rejects(dissect(bomb, [], budgetOf({ maxTotalBytes: 1e9, maxRatio: 100 })), (err: unknown) => err instanceof BudgetExceededError && err.kind === 'ratio');
  await assert.rejects(dissect(bomb, [], budgetOf({ maxTotalBytes: 1e9, maxMemberBytes: 1e6 })), (err: unknown) => err instanceof BudgetExceededError && err.kind === 'member-bytes');
});

test('lying sizes: a 10 GiB declared member is refused; a 3 GiB one too, although this build sees only 32 bits', async () => {
  for (const declared of [10 * 2 ** 30, 3 * 2 ** 30]) {
    const budget = budgetOf({ maxTotalBytes: 2 ** 40, maxMemberBytes: 2 ** 31 - 1 });
    const archive = build7z([{ name: 'a.bin', data: Buffer.from('abc') }], { declaredUnpackSize: declared });
    await assert.rejects(dissect(archive, [], budget), (err: unknown) => err instanceof BudgetExceededError && err.kind === 'member-bytes');
    assert.equal(budget.usedBytes, 0);
  }
  // Declared larger than the data really is: charged as declared, then the read fails as truncated.
  const result = await dissect(build7z([{ name: 'a.bin', data: Buffer.from('abc') }], { declaredUnpackSize: 1000 }));
  assert.deepEqual(symbols(result), ['LIBARCHIVE_DATA_ERROR']);
});

test('too many members: the entry budget stops the listing', async () => {
  const many = build7z(Array.from({ length: 50 }, (_, i) => ({ name: `f${i}.txt`, data: Buffer.from(`${i}`) })));
  await assert.rejects(dissect(many, [], budgetOf({ maxEntries: 10 })), (err: unknown) => err instanceof BudgetExceededError && err.kind === 'entries');
});

test('a decoder that wants a 1.5 GiB LZMA dictionary hits the WebAssembly heap cap: LIBARCHIVE_MEMORY_LIMIT', async () => {
  const dict = 0x60000000;
  const archive = build7z([{ name: 'big.bin', data: Buffer.alloc(4096, 1) }], {
    coder: { id: [3, 1, 1], props: [0x5d, dict & 0xff, (dict >>> 8) & 0xff, (dict >>> 16) & 0xff, dict >>> 24] },
  });
  const result = await dissect(archive);
  assert.deepEqual(symbols(result), ['LIBARCHIVE_MEMORY_LIMIT']);
  assert.equal(result.members[0]?.content, undefined);

  // The cap itself: the heap of an instance never passes 1.2 x the configured maximum.
  const cap = 32 * 1024 * 1024;
  const instance = await createLibarchiveInstance(cap);
  const reader = openArchive(instance, archive, 1024 * 1024);
  const next = reader.next();
  assert.equal(next.type, 'entry');
  const data = reader.readData(4096);
  assert.equal(data.type, 'failure');
  assert.equal(data.type === 'failure' ? data.failure.kind : '', 'memory');
  assert.ok(instance.memoryRefused);
  assert.ok(instance.module.HEAPU8.length <= cap * 1.2, `heap ${instance.module.HEAPU8.length}`);
  reader.close();
});

test('property: mutated archives never throw anything but a budget error and never pass the budget', async () => {
  const data = Buffer.from('property test content '.repeat(30));
  const seeds = [
    build7z([{ name: 'd', directory: true }, { name: 'd/a.txt', data }, { name: 'b', data }], { method: 'deflate' }),
    build7z([{ name: 'a.txt', data }], { password: 'pw' }),
    buildRar4([{ name: 'a.txt', data }, { name: 'b.txt', data }]),
    buildRar5([{ name: 'a.txt', data }, { name: 'b.txt', data }]),
    buildCab([{ name: 'a.txt', data }, { name: 'b.txt', data }], { compression: 'mszip' }),
    buildIso([{ path: 'A.TXT', data }, { path: 'D/B.TXT', data }]),
  ];
  const limits = { maxTotalBytes: 256 * 1024, maxEntries: 50, maxMemberBytes: 128 * 1024 };
  await fc.assert(
    fc.asyncProperty(
      fc.nat({ max: seeds.length - 1 }),
      fc.array(fc.tuple(fc.nat(), fc.nat({ max: 255 })), { minLength: 1, maxLength: 8 }),
      fc.option(fc.nat(), { nil: undefined }),
      async (which, flips, cutAt) => {
        const seed = seeds[which] ?? new Uint8Array();
        const mutated = Buffer.from(seed);
        for (const [at, value] of flips) mutated[at % mutated.length] = value;
        const content = cutAt === undefined ? mutated : mutated.subarray(0, cutAt % (mutated.length + 1));
        const budget = budgetOf(limits);
        try {
          const result = await dissect(content, ['pw'], budget);
          const produced = result.members.reduce((sum, m) => sum + (m.content?.length ?? 0), 0);
          assert.ok(produced <= budget.usedBytes);
          assert.ok(result.findings.every((f) => f.artifact === '3' && f.engine === 'libarchive'));
        } catch (err) {
          if (!(err instanceof BudgetExceededError)) throw err;
        }
        assert.ok(budget.usedBytes <= limits.maxTotalBytes);
      },
    ),
    { numRuns: 300, seed: 20230524 },
  );
});
