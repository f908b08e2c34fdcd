/**
 * A bounded reader for OLE compound files ([MS-CFB]): header, DIFAT, FAT,
 * directory tree, mini stream. Written for hostile input instead of using the
 * `cfb` package's parser, which follows some sector chains without a cycle
 * check and copies chains that merge into one another (quadratic memory):
 * here every sector belongs to at most one chain, every chain stops at a
 * sector it has seen, and the directory walk is iterative, so the work and
 * the bytes read are linear in the file size. What the file gets wrong is
 * reported as a problem, never thrown.
 */
import { Buffer } from 'node:buffer';

export const OLE_MAGIC: Uint8Array = Uint8Array.from([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1]);

// [MS-CFB] 2.1 special sector numbers.
const MAXREGSECT = 0xfffffffa;
const ENDOFCHAIN = 0xfffffffe;
const FREESECT = 0xffffffff;
const NOSTREAM = 0xffffffff;
const MINI_SECTOR = 64;
const MINI_CUTOFF = 4096;
const DIR_ENTRY = 128;
// Office writes a few hundred directory entries; a bound keeps path building cheap on a crafted tree.
const MAX_DIR_ENTRIES = 20_000;
// Storages nest a handful of levels (ObjectPool/_123/...); deeper trees exist only to exhaust parsers.
const MAX_TREE_DEPTH = 32;

export type EntryType = 'storage' | 'stream' | 'root';

export interface CompoundEntry {
  /** Path from the root, `/`-separated, names raw (UTF-16 decoded, not escaped). */
  readonly path: string;
  readonly name: string;
  readonly type: EntryType;
  /** CLSID as `xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx`, lower-case; all zeros when unset. */
  readonly clsid: string;
  /** Size the directory entry declares. */
  readonly declaredSize: number;
  /** Stream content (streams only); shorter than `declaredSize` when the chain ends early. */
  readonly content?: Buffer;
}

export type ProblemKind =
  /** Structure that two readers would read differently: shared sectors, cycles, a tree that is not one. */
  | 'confusion'
  /** Damage or truncation: a broken header field, a chain that ends early. */
  | 'malformed';

export interface CompoundProblem {
  readonly kind: ProblemKind;
  readonly detail: string;
}

export interface CompoundFile {
  /** Reachable entries in tree order; the root first. Empty when the header is unusable. */
  readonly entries: readonly CompoundEntry[];
  readonly problems: readonly CompoundProblem[];
}

interface RawEntry {
  readonly name: string;
  readonly type: number;
  readonly left: number;
  readonly right: number;
  readonly child: number;
  readonly clsid: string;
  readonly start: number;
  readonly size: number;
}

/** True when `bytes` starts with the compound file signature. */
export function hasOleMagic(bytes: Uint8Array): boolean {
  if (bytes.length < OLE_MAGIC.length) return false;
  for (let i = 0; i < OLE_MAGIC.length; i++) if (bytes[i] !== OLE_MAGIC[i]) return false;
  return true;
}

/** Reads a compound file; never throws on hostile input (problems are returned). */
export function readCompoundFile(bytes: Uint8Array): CompoundFile {
  const file = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length);
  const problems: CompoundProblem[] = [];
  const problem = (kind: ProblemKind, detail: string): void => {
    // One line per kind of damage is enough for an analyst; a crafted file could produce thousands.
    if (problems.length < 20 && !problems.some((p) => p.detail === detail)) problems.push({ kind, detail });
  };
  if (file.length < 512 || !hasOleMagic(file)) {
    problem('malformed', 'shorter than a compound file header or wrong signature');
    return { entries: [], problems };
  }
  const major = file.readUInt16LE(0x1a);
  const sectorShift = file.readUInt16LE(0x1e);
  if (!((major === 3 && sectorShift === 9) || (major === 4 && sectorShift === 12))) {
    // Readers disagree here: some trust the version, some the shift. Report, then follow the shift if sane.
    problem('malformed', `version ${major} with sector shift ${sectorShift}`);
    if (sectorShift !== 9 && sectorShift !== 12) return { entries: [], problems };
  }
  const ssz = 1 << sectorShift;
  const sectorCount = Math.max(0, Math.ceil((file.length - ssz) / ssz));
  const sector = (n: number): Buffer | undefined => (n < sectorCount ? file.subarray((n + 1) * ssz, Math.min(file.length, (n + 2) * ssz)) : undefined);
  const u32 = (b: Buffer, off: number): number => (off + 4 <= b.length ? b.readUInt32LE(off) : ENDOFCHAIN);

  // Sector ownership: a sector in two chains means two readers may see two different files.
  const owner = new Uint8Array(sectorCount);
  const claim = (n: number, what: string): boolean => {
    if (owner[n] === 1) {
      problem('confusion', `sector ${n} is used twice (${what})`);
      return false;
    }
    owner[n] = 1;
    return true;
  };

  // FAT sector list: 109 in the header, the rest in the DIFAT chain.
  const fatSectors: number[] = [];
  for (let i = 0; i < 109; i++) {
    const s = file.readUInt32LE(0x4c + i * 4);
    if (s <= MAXREGSECT) fatSectors.push(s);
  }
  let difat = file.readUInt32LE(0x44);
  const perDifat = ssz / 4 - 1;
  while (difat <= MAXREGSECT) {
    const block = sector(difat);
    if (block === undefined || !claim(difat, 'DIFAT')) {
      if (block === undefined) problem('malformed', 'DIFAT chain points past the end of the file');
      break;
    }
    for (let i = 0; i < perDifat; i++) {
      const s = u32(block, i * 4);
      if (s <= MAXREGSECT) fatSectors.push(s);
    }
    difat = u32(block, perDifat * 4);
  }

  // The FAT: one next-sector number per sector of the file; entries past the file end are ignored.
  const fat = new Uint32Array(sectorCount).fill(FREESECT);
  let fatIndex = 0;
  for (const s of fatSectors) {
    const block = sector(s);
    if (block === undefined) {
      problem('malformed', 'FAT sector past the end of the file');
      break;
    }
    if (!claim(s, 'FAT')) continue;
    for (let i = 0; i + 4 <= block.length && fatIndex < sectorCount; i += 4) fat[fatIndex++] = block.readUInt32LE(i);
    if (fatIndex >= sectorCount) break;
  }

  /** Follows a FAT chain from `start`, at most `maxSectors` long; claims each sector. */
  const readChain = (start: number, maxSectors: number, what: string): Buffer => {
    const parts: Buffer[] = [];
    let n = start;
    while (n !== ENDOFCHAIN && parts.length < maxSectors) {
      const block = n <= MAXREGSECT ? sector(n) : undefined;
      if (block === undefined) {
        problem('malformed', `${what} chain leaves the file`);
        break;
      }
      if (!claim(n, what)) break;
      parts.push(block);
      n = fat[n] ?? ENDOFCHAIN;
    }
    return Buffer.concat(parts);
  };

  const directory = readChain(file.readUInt32LE(0x30), Math.min(sectorCount, Math.ceil((MAX_DIR_ENTRIES * DIR_ENTRY) / ssz)), 'directory');
  const raw: RawEntry[] = [];
  for (let off = 0; off + DIR_ENTRY <= directory.length; off += DIR_ENTRY) raw.push(parseDirEntry(directory.subarray(off, off + DIR_ENTRY), major));
  const root = raw[0];
  if (root === undefined || root.type !== 5) {
    problem('malformed', 'no root directory entry');
    return { entries: [], problems };
  }

  // Mini stream (in the root entry's chain) and mini FAT hold every stream under the 4096-byte cutoff.
  // The cutoff is fixed by the spec; a file that states another one is read as Office reads it (4096).
  const statedCutoff = file.readUInt32LE(0x38);
  if (statedCutoff !== MINI_CUTOFF) problem('malformed', `mini stream cutoff ${statedCutoff} instead of ${MINI_CUTOFF}`);
  const cutoff = MINI_CUTOFF;
  const ministream = readChain(root.start, Math.ceil(root.size / ssz), 'mini stream');
  const minifatBytes = readChain(file.readUInt32LE(0x3c), sectorCount, 'mini FAT');
  const miniCount = Math.floor(ministream.length / MINI_SECTOR);
  const miniOwner = new Uint8Array(miniCount);
  const readMini = (start: number, size: number, what: string): Buffer => {
    const parts: Buffer[] = [];
    let n = start;
    let got = 0;
    while (n !== ENDOFCHAIN && got < size) {
      if (n >= miniCount) {
        problem('malformed', `${what} mini chain leaves the mini stream`);
        break;
      }
      if (miniOwner[n] === 1) {
        problem('confusion', `mini sector ${n} is used twice (${what})`);
        break;
      }
      miniOwner[n] = 1;
      parts.push(ministream.subarray(n * MINI_SECTOR, (n + 1) * MINI_SECTOR));
      got += MINI_SECTOR;
      n = n * 4 + 4 <= minifatBytes.length ? minifatBytes.readUInt32LE(n * 4) : ENDOFCHAIN;
    }
    return Buffer.concat(parts).subarray(0, size);
  };

  const entries: CompoundEntry[] = [{ path: '', name: root.name, type: 'root', clsid: root.clsid, declaredSize: root.size }];
  const visited = new Uint8Array(raw.length);
  visited[0] = 1;
  // Iterative walk: each storage's children form a red-black tree of siblings (left/right) under `child`.
  const stack: { readonly id: number; readonly parent: string; readonly depth: number }[] = [];
  if (root.child !== NOSTREAM) stack.push({ id: root.child, parent: '', depth: 1 });
  while (stack.length > 0) {
    const item = stack.pop();
    if (item === undefined) break;
    const { id, parent, depth } = item;
    const entry = raw[id];
    if (entry === undefined) {
      problem('malformed', `directory link to missing entry ${id}`);
      continue;
    }
    if (visited[id] === 1) {
      problem('confusion', `directory entry ${id} is linked twice`);
      continue;
    }
    visited[id] = 1;
    if (entry.left !== NOSTREAM) stack.push({ id: entry.left, parent, depth });
    if (entry.right !== NOSTREAM) stack.push({ id: entry.right, parent, depth });
    const path = parent === '' ? entry.name : `${parent}/${entry.name}`;
    if (entry.type === 1) {
      entries.push({ path, name: entry.name, type: 'storage', clsid: entry.clsid, declaredSize: 0 });
      if (entry.child !== NOSTREAM) {
        if (depth >= MAX_TREE_DEPTH) problem('confusion', `storages nested deeper than ${MAX_TREE_DEPTH}`);
        else stack.push({ id: entry.child, parent: path, depth: depth + 1 });
      }
    } else if (entry.type === 2) {
      const content = entry.size < cutoff ? readMini(entry.start, entry.size, 'stream') : readChain(entry.start, Math.ceil(entry.size / ssz), 'stream').subarray(0, entry.size);
      if (content.length < entry.size) problem('malformed', 'a stream is shorter than its directory entry says');
      entries.push({ path, name: entry.name, type: 'stream', clsid: entry.clsid, declaredSize: entry.size, content });
    } else if (entry.type !== 0) {
      problem('malformed', `directory entry of unknown type ${entry.type}`);
    }
  }
  // Live entries outside the tree are invisible to Office but not to every scanner: say so.
  for (let id = 1; id < raw.length; id++) {
    const t = raw[id]?.type;
    if (visited[id] !== 1 && (t === 1 || t === 2)) problem('malformed', 'a directory entry is not reachable from the root');
  }
  return { entries, problems };
}

function parseDirEntry(b: Buffer, major: number): RawEntry {
  const nameBytes = Math.min(b.readUInt16LE(0x40), 64);
  // The length counts the terminating NUL; a name without one is still read, up to 32 characters.
  let name = b.toString('utf16le', 0, nameBytes - (nameBytes % 2));
  const nul = name.indexOf('\0');
  if (nul >= 0) name = name.slice(0, nul);
  const low = b.readUInt32LE(0x78);
  const high = b.readUInt32LE(0x7c);
  // Version 3 files may carry garbage in the high half of the size ([MS-CFB] 2.6.3): ignore it there.
  const size = major === 4 ? high * 0x1_0000_0000 + low : low;
  return {
    name,
    type: b[0x42] ?? 0,
    left: b.readUInt32LE(0x44),
    right: b.readUInt32LE(0x48),
    child: b.readUInt32LE(0x4c),
    clsid: formatClsid(b.subarray(0x50, 0x60)),
    start: b.readUInt32LE(0x74),
    size,
  };
}

/** Formats a 16-byte GUID as Windows shows it (first three fields little-endian). */
export function formatClsid(g: Buffer): string {
  const hex = (from: number, to: number): string => g.subarray(from, to).toString('hex');
  const le = (from: number, to: number): string => Buffer.from(g.subarray(from, to)).reverse().toString('hex');
  return `${le(0, 4)}-${le(4, 6)}-${le(6, 8)}-${hex(8, 10)}-${hex(10, 16)}`;
}
