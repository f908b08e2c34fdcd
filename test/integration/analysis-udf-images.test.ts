// UDF disk images through the UDF dissector. Fixtures are made at test time
// by genisoimage (Debian package `genisoimage`; `-udf` writes an ISO 9660 +
// UDF bridge image) and mkudffs (package `udftools`), then turned into
// UDF-only and hostile variants by rewriting descriptors (fixtures/mutate.ts).
// A missing tool fails on CI and skips elsewhere.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createUdfDissector } from '../../src/analysis/archive/udf/index.js';
import { dataOffset, findFid, findLogicalVolume, firstAdPosition, resign, signedDescriptorAt, retargetFid, rootEntry, toUdfOnly } from '../../src/analysis/archive/udf/fixtures/mutate.js';
import { BudgetExceededError, createExpansionBudget } from '../../src/analysis/dissect/budget.js';
import type { ExpansionLimits } from '../../src/analysis/dissect/budget.js';
import type { DissectResult, Member } from '../../src/analysis/dissect/dissector.js';

const dissector = createUdfDissector();
const limits: ExpansionLimits = { maxTotalBytes: 64 * 1024 * 1024, maxEntries: 1000, maxDepth: 5, maxRatio: 1000, maxMemberBytes: 32 * 1024 * 1024 };

function hasTool(name: string): boolean {
  try {
    execFileSync('which', [name], { stdio: 'ignore' });
    return true;
  } catch {
    if (process.env['CI'] === 'true') throw new Error(`${name} is required on CI (apt-get install genisoimage udftools)`);
    return false;
  }
}
const skipGenisoimage = hasTool('genisoimage') ? false : 'genisoimage not installed';
const skipMkudffs = hasTool('mkudffs') ? false : 'mkudffs (udftools) not installed';

// A small PE-looking file (MZ header, PE signature at e_lfanew) — inert bytes.
const pe = Buffer.alloc(256);
pe.write('MZ', 0, 'latin1');
pe.writeUInt32LE(0x80, 0x3c);
pe.write('PE\0\0', 0x80, 'latin1');

/** Builds a bridge image from `files` (path -> content) with genisoimage. */
function buildBridge(files: Record<string, Buffer | string>, extraArgs: readonly string[] = []): Uint8Array {
  const dir = mkdtempSync(join(tmpdir(), 'moat-udf-'));
  try {
    const root = join(dir, 'root');
    mkdirSync(root);
    for (const [path, data] of Object.entries(files)) {
      const parts = path.split('/');
      mkdirSync(join(root, ...parts.slice(0, -1)), { recursive: true });
      writeFileSync(join(root, ...parts), data);
    }
    const out = join(dir, 'image.iso');
    execFileSync('genisoimage', ['-quiet', '-udf', '-D', ...extraArgs, '-o', out, root], { stdio: 'ignore' });
    return new Uint8Array(readFileSync(out));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const tree = {
  'readme.txt': 'echo hello\n',
  'docs/a/b/invoice.exe': pe,
  'docs/a/note.txt': 'nested note\n',
  'Résumé ünïcode.txt': 'latin-1 name\n',
  'ディレクトリ/名前.txt': 'utf-16 name\n',
};

async function dissect(content: Uint8Array, budgetLimits: ExpansionLimits = limits): Promise<DissectResult> {
  const subject = { path: '2', content };
  assert.ok(dissector.accepts(subject), 'the dissector must accept a UDF image by content');
  return dissector.dissect(subject, { budget: createExpansionBudget(budgetLimits), passwords: [] });
}

const byName = (r: DissectResult, name: string): Member | undefined => r.members.find((m) => m.name === name);
const symbols = (r: DissectResult): string[] => r.findings.map((f) => f.symbol);
const text = (m: Member | undefined): string => Buffer.from(m?.content ?? []).toString('utf8');

test('UDF-only image: nested directories, a PE inside, Latin-1 and UTF-16 names, content as views', { skip: skipGenisoimage }, async () => {
  const image = toUdfOnly(buildBridge(tree));
  const result = await dissect(image);
  assert.deepEqual(result.findings, []);
  const exe = byName(result, 'docs/a/b/invoice.exe');
  assert.equal(exe?.kind, 'file');
  assert.deepEqual(Buffer.from(exe?.content ?? []), pe);
  // Contiguous data is a view of the image, not a copy.
  assert.equal(exe?.content?.buffer, image.buffer);
  assert.equal(text(byName(result, 'readme.txt')), 'echo hello\n');
  assert.equal(text(byName(result, 'docs/a/note.txt')), 'nested note\n');
  assert.equal(text(byName(result, 'Résumé ünïcode.txt')), 'latin-1 name\n');
  assert.equal(text(byName(result, 'ディレクトリ/名前.txt')), 'utf-16 name\n');
  for (const dir of ['docs', 'docs/a', 'docs/a/b', 'ディレクトリ']) assert.equal(byName(result, dir)?.kind, 'directory', dir);
  assert.equal(result.members.length, 9);
});

test('bridge image: UDF tree read, agreeing with ISO 9660; a tree that disagrees is PARSER_CONFUSION', { skip: skipGenisoimage }, async () => {
  const image = buildBridge(tree);
  const result = await dissect(image);
  assert.deepEqual(result.findings, []);
  assert.equal(text(byName(result, 'docs/a/note.txt')), 'nested note\n');

  // Shrink readme.txt in the UDF tree only: Windows would now see other bytes than an ISO reader.
  const entry = findFid(image, 'readme.txt').entry;
  new DataView(image.buffer).setUint32(entry + 56, 5, true);
  resign(image, entry);
  const confused = await dissect(image);
  assert.deepEqual(symbols(confused), ['PARSER_CONFUSION']);
  assert.equal(confused.findings[0]?.score, 20);
  assert.equal(text(byName(confused, 'readme.txt')), 'echo ');
});

test('directory loop: a subdirectory pointing back at the root is PARSER_CONFUSION and the walk ends', { skip: skipGenisoimage }, async () => {
  const image = toUdfOnly(buildBridge(tree));
  retargetFid(image, findFid(image, 'b').offset, rootEntry(image).block);
  const result = await dissect(image);
  assert.ok(symbols(result).includes('PARSER_CONFUSION'), symbols(result).join());
  assert.equal(byName(result, 'docs/a/b/invoice.exe'), undefined);
  assert.equal(text(byName(result, 'readme.txt')), 'echo hello\n');
});

test('two files sharing data blocks are PARSER_CONFUSION', { skip: skipGenisoimage }, async () => {
  const image = toUdfOnly(buildBridge({ 'one.txt': 'first file\n', 'two.txt': 'second file\n' }));
  const one = findFid(image, 'one.txt').entry;
  const two = findFid(image, 'two.txt').entry;
  const view = new DataView(image.buffer);
  view.setUint32(firstAdPosition(image, two), view.getUint32(firstAdPosition(image, one), true), true);
  resign(image, two);
  const result = await dissect(image);
  assert.deepEqual(symbols(result), ['PARSER_CONFUSION']);
});

test('corrupt and truncated images are findings, never throws', { skip: skipGenisoimage }, async () => {
  const good = toUdfOnly(buildBridge(tree));

  // One flipped byte in the root file entry: the CRC no longer matches.
  const flipped = Uint8Array.from(good);
  const root = rootEntry(flipped).offset;
  flipped[root + 100] = (flipped[root + 100] ?? 0) ^ 0xff;
  const bad = await dissect(flipped);
  assert.deepEqual(symbols(bad), ['UDF_MALFORMED']);
  assert.match(bad.findings[0]?.detail ?? '', /CRC/);
  assert.equal(bad.members.length, 0);

  // A bad tag checksum on the anchor at 256: the reserve anchor at N-1 (genisoimage pads
  // the tail with anchors) still opens the volume, and the damage is reported.
  const badAnchor = Uint8Array.from(good);
  badAnchor[256 * 2048 + 4] = (badAnchor[256 * 2048 + 4] ?? 0) ^ 1;
  const reserve = await dissect(badAnchor);
  assert.deepEqual(symbols(reserve), ['UDF_MALFORMED']);
  assert.equal(text(byName(reserve, 'readme.txt')), 'echo hello\n');
  // With no other anchor (image cut right after it): nothing readable.
  assert.deepEqual(symbols(await dissect(badAnchor.slice(0, 257 * 2048))), ['UDF_UNREADABLE']);

  // Cut in the file data: entries past the end are reported, not read.
  const exeData = dataOffset(good, 'invoice.exe');
  for (const length of [260 * 2048, exeData + 100, exeData]) {
    const cut = await dissect(good.slice(0, length));
    assert.ok(cut.findings.some((f) => f.score >= 15 || f.symbol === 'UDF_MALFORMED'), `cut at ${length}: ${symbols(cut).join()}`);
    for (const m of cut.members) assert.ok((m.content?.length ?? 0) <= (m.declaredSize ?? 0));
    if (length > 260 * 2048) {
      assert.ok(symbols(cut).includes('UDF_EXTENT_OUTSIDE'), symbols(cut).join());
      assert.equal(byName(cut, 'docs/a/b/invoice.exe')?.content, undefined);
    }
  }

  // Recognition sequence followed by garbage.
  const garbage = new Uint8Array(400 * 2048).map((_, i) => (i * 7919) & 0xff);
  garbage.set(good.subarray(16 * 2048, 19 * 2048), 16 * 2048);
  assert.deepEqual(symbols(await dissect(garbage)), ['UDF_UNREADABLE']);
});

test('unsupported partition map type is UDF_UNSUPPORTED (content unscanned scores 15)', { skip: skipGenisoimage }, async () => {
  const image = toUdfOnly(buildBridge(tree));
  const lvd = findLogicalVolume(image);
  image[lvd + 440] = 2;
  resign(image, lvd);
  const result = await dissect(image);
  assert.ok(symbols(result).includes('UDF_UNSUPPORTED'));
  assert.ok(result.findings.every((f) => f.score >= 15));
});

test('budget: entries and bytes stop the walk with BudgetExceededError', { skip: skipGenisoimage }, async () => {
  const image = toUdfOnly(buildBridge({ ...tree, 'big.bin': Buffer.alloc(300_000, 0x41) }));
  await assert.rejects(dissect(image, { ...limits, maxEntries: 3 }), (e: unknown) => e instanceof BudgetExceededError && e.kind === 'entries');
  await assert.rejects(dissect(image, { ...limits, maxTotalBytes: 100_000 }), (e: unknown) => e instanceof BudgetExceededError && e.kind === 'bytes');
  await assert.rejects(dissect(image, { ...limits, maxMemberBytes: 200_000 }), (e: unknown) => e instanceof BudgetExceededError && e.kind === 'member-bytes');
});

test('directories nested deeper than 64 levels stop with UDF_TOO_DEEP', { skip: skipGenisoimage }, async () => {
  const deep = `${Array.from({ length: 70 }, () => 'd').join('/')}/f.txt`;
  const result = await dissect(toUdfOnly(buildBridge({ [deep]: 'x' })));
  assert.deepEqual(symbols(result), ['UDF_TOO_DEEP']);
  assert.equal(result.members.filter((m) => m.kind === 'directory').length, 65);
});

test('an empty file system made by mkudffs opens with no members and no findings', { skip: skipMkudffs }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'moat-udf-'));
  try {
    const path = join(dir, 'empty.img');
    execFileSync('truncate', ['-s', '4M', path]);
    execFileSync('mkudffs', ['--media-type=hd', '--blocksize=2048', path], { stdio: 'ignore' });
    const result = await dissect(new Uint8Array(readFileSync(path)));
    assert.deepEqual(result, { members: [], findings: [] });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('fuzz: re-signed random changes to descriptors never throw anything but a budget error', { skip: skipGenisoimage }, async () => {
  const good = toUdfOnly(buildBridge(tree));
  // Sectors holding a valid descriptor at their start: mutations there get re-signed so the
  // parser reads past the checksum into the structure itself.
  const signed: number[] = [];
  for (let s = 16; (s + 1) * 2048 <= good.length; s++) {
    // genisoimage pads the tail with copies of the anchor; one of them is enough.
    if (signedDescriptorAt(good, s * 2048) && (s === 256 || (good[s * 2048] ?? 0) !== 2)) signed.push(s * 2048);
  }
  assert.ok(signed.length > 5);
  let seed = 0x2545f491;
  const next = (n: number): number => {
    seed ^= seed << 13;
    seed ^= seed >>> 17;
    seed ^= seed << 5;
    return (seed >>> 0) % n;
  };
  let withFindings = 0;
  for (let round = 0; round < 400; round++) {
    const image = Uint8Array.from(good);
    const base = signed[next(signed.length)] ?? 0;
    for (let k = 0; k < 1 + next(4); k++) {
      const at = base + 16 + next(240);
      image[at] = next(3) === 0 ? 0xff : next(256);
    }
    resign(image, base);
    try {
      const result = await dissect(image, { ...limits, maxTotalBytes: 4 * 1024 * 1024, maxEntries: 200 });
      if (result.findings.length > 0) withFindings++;
      for (const m of result.members) {
        assert.ok((m.content?.length ?? 0) <= 4 * 1024 * 1024);
        assert.equal(typeof m.name, 'string');
      }
    } catch (error) {
      assert.ok(error instanceof BudgetExceededError, `round ${round}: ${String(error)}`);
    }
  }
  assert.ok(withFindings > 40, `mutations must reach the checks (${withFindings} of 400 had findings)`);
});

test('an allocation extent chain that loops is PARSER_CONFUSION; that file is not read', { skip: skipGenisoimage }, async () => {
  const image = toUdfOnly(buildBridge(tree));
  const root = rootEntry(image);
  const partitionStart = root.offset / 2048 - root.block;
  // Sector 300 is one of genisoimage's padding anchors: overwrite it with an allocation
  // extent descriptor whose only descriptor continues at itself.
  const aedSector = 300;
  const aedBlock = aedSector - partitionStart;
  assert.ok(aedBlock > 0);
  const aed = aedSector * 2048;
  image.fill(0, aed, aed + 2048);
  const view = new DataView(image.buffer);
  view.setUint16(aed, 258, true);
  view.setUint16(aed + 2, 2, true);
  view.setUint32(aed + 12, aedBlock, true);
  view.setUint32(aed + 20, 8, true);
  view.setUint32(aed + 24, ((3 << 30) | 2048) >>> 0, true);
  view.setUint32(aed + 28, aedBlock, true);
  view.setUint16(aed + 10, 16, true);
  resign(image, aed);
  // readme.txt's file entry now continues its allocation descriptors there.
  const entry = findFid(image, 'readme.txt').entry;
  const ad = firstAdPosition(image, entry) - 4;
  view.setUint32(ad, ((3 << 30) | 2048) >>> 0, true);
  view.setUint32(ad + 4, aedBlock, true);
  resign(image, entry);
  const result = await dissect(image);
  assert.deepEqual(symbols(result), ['PARSER_CONFUSION']);
  assert.match(result.findings[0]?.detail ?? '', /allocation extent chain of readme\.txt loops/);
  assert.equal(byName(result, 'readme.txt')?.content, undefined);
  assert.equal(text(byName(result, 'docs/a/note.txt')), 'nested note\n');
});
