/**
 * Shell Link (.lnk) parser, [MS-SHLLINK]: header, LinkTargetIDList (only its
 * strings), LinkInfo, StringData and the environment ExtraData blocks —
 * everything that says what the shortcut runs and with which arguments.
 * Every offset and count is checked against the bytes present.
 */
import { Buffer } from 'node:buffer';

export interface ShellLink {
  /** Paths the link may point at: LinkInfo base path + suffix, environment target, relative path. */
  readonly targets: string[];
  /** Strings found in the shell item ID list (item names such as `powershell.exe`). */
  readonly idListStrings: string[];
  readonly networkShare?: string;
  readonly arguments?: string;
  readonly workingDir?: string;
  readonly iconLocation?: string;
  readonly name?: string;
  readonly problems: string[];
}

const HEADER_SIZE = 0x4c;
const LINK_CLSID = Buffer.from('0114020000000000c000000000000046', 'hex');
const FLAG = {
  hasIdList: 0x1,
  hasLinkInfo: 0x2,
  hasName: 0x4,
  hasRelativePath: 0x8,
  hasWorkingDir: 0x10,
  hasArguments: 0x20,
  hasIconLocation: 0x40,
  isUnicode: 0x80,
} as const;
const ENVIRONMENT_BLOCKS = new Set([0xa0000001, 0xa0000007]);
// ExtraData blocks in real shortcuts number a handful; more is a crafted file.
const MAX_EXTRA_BLOCKS = 64;
const MAX_ID_STRINGS = 32;

/** True for a Shell Link header (HeaderSize 0x4C and the ShellLink CLSID). */
export function isShellLink(content: Uint8Array): boolean {
  if (content.length < HEADER_SIZE) return false;
  const buf = Buffer.from(content.buffer, content.byteOffset, content.length);
  return buf.readUInt32LE(0) === HEADER_SIZE && buf.subarray(4, 20).equals(LINK_CLSID);
}

/** Parses a Shell Link; structure errors stop parsing and are listed in `problems`. */
export function parseShellLink(content: Uint8Array): ShellLink {
  const buf = Buffer.from(content.buffer, content.byteOffset, content.length);
  const problems: string[] = [];
  const targets: string[] = [];
  const idListStrings: string[] = [];
  const strings: { name?: string; relativePath?: string; workingDir?: string; arguments?: string; iconLocation?: string } = {};
  let networkShare: string | undefined;
  const flags = buf.readUInt32LE(20);
  let offset = HEADER_SIZE;

  const finish = (): ShellLink => ({
    targets: targets.filter((t) => t !== ''),
    idListStrings,
    problems,
    ...(networkShare === undefined ? {} : { networkShare }),
    ...strings,
  });

  if (flags & FLAG.hasIdList) {
    if (offset + 2 > buf.length) return fail('ID list size past the end');
    const size = buf.readUInt16LE(offset);
    if (offset + 2 + size > buf.length) return fail('ID list past the end');
    collectStrings(buf.subarray(offset + 2, offset + 2 + size), idListStrings);
    offset += 2 + size;
  }
  if (flags & FLAG.hasLinkInfo) {
    if (offset + 28 > buf.length) return fail('LinkInfo header past the end');
    const size = buf.readUInt32LE(offset);
    if (size < 28 || offset + size > buf.length) return fail('LinkInfo size out of range');
    const info = buf.subarray(offset, offset + size);
    const infoFlags = info.readUInt32LE(8);
    const base = cString(info, info.readUInt32LE(16));
    const suffix = cString(info, info.readUInt32LE(24)) ?? '';
    if (infoFlags & 0x1 && base !== undefined) targets.push(base + suffix);
    if (infoFlags & 0x2) {
      const cnrl = info.readUInt32LE(20);
      if (cnrl + 12 <= info.length) {
        const share = cString(info, cnrl + info.readUInt32LE(cnrl + 8));
        if (share !== undefined) {
          networkShare = share;
          targets.push(suffix === '' ? share : `${share}\\${suffix}`);
        }
      }
    }
    offset += size;
  }
  const unicode = (flags & FLAG.isUnicode) !== 0;
  const order = [
    [FLAG.hasName, 'name'],
    [FLAG.hasRelativePath, 'relativePath'],
    [FLAG.hasWorkingDir, 'workingDir'],
    [FLAG.hasArguments, 'arguments'],
    [FLAG.hasIconLocation, 'iconLocation'],
  ] as const;
  for (const [flag, key] of order) {
    if (!(flags & flag)) continue;
    if (offset + 2 > buf.length) return fail('StringData past the end');
    const count = buf.readUInt16LE(offset);
    const bytes = unicode ? count * 2 : count;
    if (offset + 2 + bytes > buf.length) return fail('StringData past the end');
    strings[key] = buf.toString(unicode ? 'utf16le' : 'latin1', offset + 2, offset + 2 + bytes);
    offset += 2 + bytes;
  }
  if (strings.relativePath !== undefined) targets.push(strings.relativePath);
  for (let block = 0; block < MAX_EXTRA_BLOCKS && offset + 4 <= buf.length; block++) {
    const size = buf.readUInt32LE(offset);
    if (size < 4) break;
    if (size < 8 || offset + size > buf.length) return fail('ExtraData block past the end');
    const signature = buf.readUInt32LE(offset + 4);
    // EnvironmentVariableDataBlock / IconEnvironmentDataBlock: TargetAnsi[260], TargetUnicode[520].
    if (ENVIRONMENT_BLOCKS.has(signature) && size >= 0x314) {
      const unicodeTarget = buf.toString('utf16le', offset + 268, offset + 788).split('\0')[0] ?? '';
      const ansiTarget = buf.toString('latin1', offset + 8, offset + 268).split('\0')[0] ?? '';
      const target = unicodeTarget !== '' ? unicodeTarget : ansiTarget;
      if (signature === 0xa0000001) targets.push(target);
      else if (strings.iconLocation === undefined && target !== '') strings.iconLocation = target;
    }
    offset += size;
  }
  return finish();

  function fail(problem: string): ShellLink {
    problems.push(problem);
    return finish();
  }
}

function cString(buf: Buffer, offset: number): string | undefined {
  if (offset <= 0 || offset >= buf.length) return undefined;
  const end = buf.indexOf(0, offset);
  return buf.toString('latin1', offset, end < 0 ? buf.length : end);
}

/** Printable ASCII and UTF-16LE runs of at least four characters (shell item names). */
function collectStrings(bytes: Buffer, out: string[]): void {
  const runs = (text: string): string[] => (text.match(/[\x20-\x7e]+/g) ?? []).filter((s) => s.length >= 4);
  const ascii = runs(bytes.toString('latin1'));
  const wide = runs(bytes.toString('utf16le'));
  const wideOdd = bytes.length > 1 ? runs(bytes.subarray(1).toString('utf16le')) : [];
  for (const s of [...ascii, ...wide, ...wideOdd]) if (out.length < MAX_ID_STRINGS && !out.includes(s)) out.push(s);
}
