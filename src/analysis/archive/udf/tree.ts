/**
 * Walks the UDF directory tree from the root ICB: file entries (ECMA-167
 * 4/14.9, extended 4/14.17), file identifier descriptors (4/14.4),
 * allocation descriptors and allocation extent descriptors (4/14.5), and
 * embedded data. Bounded by the budget (entries, bytes), depth, a visited-ICB
 * set and the real buffer length; problems are reported, never thrown
 * (except BudgetExceededError).
 */
import { escapeForDisplay } from '../../../core/index.js';
import type { ExpansionBudget } from '../../dissect/budget.js';
import type { Member, MemberKind } from '../../dissect/dissector.js';
import { SECTOR, TAG, decodeOstaName, readLongAd, readShortAd, readTag, readU16, readU32, readU64 } from './descriptors.js';
import type { Extent } from './descriptors.js';
import type { UdfSymbol } from './findings.js';
import type { UdfVolume } from './volume.js';

/** Directory nesting we follow; deeper trees exist only to exhaust parsers. */
export const MAX_DEPTH = 64;
// Allocation descriptors per file and allocation-extent hops: far beyond any real
// fragmentation, small enough that a crafted chain cannot spin.
const MAX_EXTENTS = 65_536;
const MAX_AED_HOPS = 1_024;
// Across the whole image: files may share one long allocation chain, so the per-file cap alone
// would let a small image cost (files x extents) work.
const MAX_TOTAL_EXTENTS = 262_144;
// Symlink targets are a few path components; more is not a link anyone follows.
const MAX_SYMLINK_BYTES = 4_096;

// ECMA-167 4/14.6.6 file types.
const FILE_TYPE = { DIRECTORY: 4, FILE: 5, BLOCK: 6, CHAR: 7, FIFO: 9, SOCKET: 10, SYMLINK: 12 } as const;

export interface WalkOutput {
  readonly members: Member[];
  /** Physical placement of every file read: for overlap checks and the ISO 9660 comparison. */
  readonly files: { readonly path: string; readonly sector: number; readonly size: number }[];
}

export type Report = (symbol: UdfSymbol, detail: string) => void;

interface Icb {
  readonly fileType: number;
  readonly infoLength: number;
  readonly embedded?: Uint8Array;
  readonly extents: readonly Extent[];
  readonly physicalSector: number;
}

interface Piece {
  readonly start: number;
  readonly end: number;
  readonly path: string;
}

/** Walks the whole tree; returns members in directory order (parents before children). */
export function walkTree(content: Uint8Array, volume: UdfVolume, budget: ExpansionBudget, report: Report): WalkOutput {
  const out: WalkOutput = { members: [], files: [] };
  const visitedDirs = new Set<number>();
  const seenFiles = new Map<number, string>();
  const pieces: Piece[] = [];
  const reported = new Set<string>();
  let totalExtents = 0;
  // One finding per kind of problem keeps a hostile image from flooding the report.
  const once = (symbol: UdfSymbol, key: string, detail: string): void => {
    if (reported.has(key)) return;
    reported.add(key);
    report(symbol, detail);
  };

  function physicalSector(ad: Extent): number | undefined {
    const mapping = volume.partitions[ad.partition];
    if (mapping === undefined) {
      once('UDF_UNSUPPORTED', `partition-${ad.partition}`, `data in partition reference ${ad.partition}, which is not read`);
      return undefined;
    }
    return mapping.start + ad.block;
  }

  function readIcb(ad: Extent, path: string): Icb | undefined {
    const sector = physicalSector(ad);
    if (sector === undefined) return undefined;
    const o = sector * SECTOR;
    if (o + SECTOR > content.length) {
      once('UDF_EXTENT_OUTSIDE', `icb-outside`, `file entry of ${escapeForDisplay(path)} lies outside the image`);
      return undefined;
    }
    const tag = readTag(content, o, ad.block);
    if (!tag.ok) {
      once('UDF_MALFORMED', `icb-tag`, `file entry of ${escapeForDisplay(path)}: ${tag.reason}`);
      return undefined;
    }
    const extended = tag.tag.id === TAG.EXTENDED_FILE_ENTRY;
    if (!extended && tag.tag.id !== TAG.FILE_ENTRY) {
      once('UDF_MALFORMED', `icb-id`, `descriptor ${tag.tag.id} where the file entry of ${escapeForDisplay(path)} should be`);
      return undefined;
    }
    const fileType = content[o + 27] ?? 0;
    const adType = readU16(content, o + 34) & 7;
    const infoLength = readU64(content, o + 56);
    const eaLength = readU32(content, o + (extended ? 208 : 168));
    const adLength = readU32(content, o + (extended ? 212 : 172));
    const adStart = o + (extended ? 216 : 176) + eaLength;
    if (adStart + adLength > o + SECTOR) {
      once('UDF_MALFORMED', `icb-ad`, `file entry of ${escapeForDisplay(path)} declares descriptors past its block`);
      return undefined;
    }
    const area = content.subarray(adStart, adStart + adLength);
    if (adType === 3) return { fileType, infoLength, embedded: area, extents: [], physicalSector: sector };
    if (adType !== 0 && adType !== 1) {
      once('UDF_UNSUPPORTED', `ad-${adType}`, `allocation descriptor type ${adType} in ${escapeForDisplay(path)} is not read`);
      return undefined;
    }
    const extents = readExtents(area, adType === 1, ad.partition, path);
    return extents === undefined ? undefined : { fileType, infoLength, extents, physicalSector: sector };
  }

  function readExtents(first: Uint8Array, long: boolean, partition: number, path: string): Extent[] | undefined {
    const extents: Extent[] = [];
    const size = long ? 16 : 8;
    const seenAed = new Set<number>();
    let area = first;
    for (let hop = 0; hop <= MAX_AED_HOPS; hop++) {
      let next: Extent | undefined;
      for (let i = 0; i + size <= area.length; i += size) {
        const e = long ? readLongAd(area, i) : readShortAd(area, i, partition);
        if (e.length === 0) break;
        if (e.type === 'continuation') {
          next = e;
          break;
        }
        if (++totalExtents > MAX_TOTAL_EXTENTS) {
          once('UDF_LIMIT', 'total-extents', `more than ${MAX_TOTAL_EXTENTS} allocation descriptors in the image; the rest were not read`);
          return undefined;
        }
        if (extents.length >= MAX_EXTENTS) {
          once('UDF_LIMIT', 'extents', `${escapeForDisplay(path)} has more than ${MAX_EXTENTS} extents`);
          return undefined;
        }
        extents.push(e);
      }
      if (next === undefined) return extents;
      const sector = physicalSector(next);
      if (sector === undefined) return undefined;
      if (seenAed.has(sector)) {
        once('PARSER_CONFUSION', 'aed-loop', `allocation extent chain of ${escapeForDisplay(path)} loops`);
        return undefined;
      }
      seenAed.add(sector);
      const o = sector * SECTOR;
      const tag = readTag(content, o);
      if (!tag.ok || tag.tag.id !== TAG.ALLOCATION_EXTENT) {
        once('UDF_MALFORMED', 'aed', `allocation extent of ${escapeForDisplay(path)}: ${tag.ok ? `descriptor ${tag.tag.id}` : tag.reason}`);
        return undefined;
      }
      // ECMA-167 4/14.5: length of descriptors at 20, descriptors from 24, within the block.
      const length = Math.min(readU32(content, o + 20), SECTOR - 24);
      area = content.subarray(o + 24, o + 24 + length);
    }
    once('UDF_LIMIT', 'aed-hops', `allocation extent chain of ${escapeForDisplay(path)} is too long`);
    return undefined;
  }

  /**
   * The bytes an ICB describes: a subarray view when one recorded extent holds
   * them all, otherwise a copy charged to the budget first. `file` charges the
   * whole member (it becomes analysable content).
   */
  function readData(icb: Icb, path: string, file: boolean): Uint8Array | undefined {
    const size = icb.infoLength;
    if (icb.embedded !== undefined) {
      if (size > icb.embedded.length) {
        once('UDF_MALFORMED', 'embedded', `${escapeForDisplay(path)} declares ${size} bytes but embeds ${icb.embedded.length}`);
      }
      const data = icb.embedded.subarray(0, Math.min(size, icb.embedded.length));
      if (file) {
        budget.checkMember(data.length, data.length);
        budget.chargeBytes(data.length);
      }
      return data;
    }
    let recorded = 0;
    let described = 0;
    const ranges: { readonly start: number; readonly length: number; readonly zero: boolean }[] = [];
    for (const e of icb.extents) {
      if (described >= size) break;
      const length = Math.min(e.length, size - described);
      if (e.type === 'recorded') {
        const sector = physicalSector(e);
        if (sector === undefined) return undefined;
        const start = sector * SECTOR;
        if (start + length > content.length) {
          once('UDF_EXTENT_OUTSIDE', `outside-${path}`, `${escapeForDisplay(path)} has data outside the image (at byte ${start}, image is ${content.length} bytes)`);
          return undefined;
        }
        ranges.push({ start, length, zero: false });
        recorded += length;
        if (file) pieces.push({ start, end: start + length, path });
      } else {
        ranges.push({ start: 0, length, zero: true });
      }
      described += length;
    }
    if (described < size) {
      once('UDF_MALFORMED', `short-${path}`, `${escapeForDisplay(path)} declares ${size} bytes but its extents hold ${described}`);
    }
    const total = described;
    if (file) {
      budget.checkMember(recorded, total);
      budget.chargeBytes(total);
    }
    const only = ranges[0];
    if (ranges.length === 1 && only !== undefined && !only.zero) return content.subarray(only.start, only.start + only.length);
    if (!file) budget.chargeBytes(total);
    const data = new Uint8Array(total);
    let at = 0;
    for (const r of ranges) {
      if (!r.zero) data.set(content.subarray(r.start, r.start + r.length), at);
      at += r.length;
    }
    return data;
  }

  function firstSector(icb: Icb): number {
    const e = icb.extents[0];
    if (icb.embedded !== undefined || e === undefined || e.type !== 'recorded') return -1;
    return physicalSector(e) ?? -1;
  }

  function walkDirectory(ad: Extent, path: string, depth: number): void {
    const icb = readIcb(ad, path === '' ? '/' : path);
    if (icb === undefined) return;
    if (visitedDirs.has(icb.physicalSector)) {
      once('PARSER_CONFUSION', 'dir-loop', `directory ${escapeForDisplay(path === '' ? '/' : path)} is reached twice (a directory loop or aliased directory)`);
      return;
    }
    visitedDirs.add(icb.physicalSector);
    if (icb.fileType !== FILE_TYPE.DIRECTORY) {
      once('UDF_MALFORMED', 'not-dir', `${escapeForDisplay(path === '' ? '/' : path)} is listed as a directory but its entry has file type ${icb.fileType}`);
    }
    const data = readData(icb, path === '' ? '/' : path, false);
    if (data === undefined) return;
    for (let pos = 0; pos + 38 <= data.length; ) {
      const tag = readTag(data, pos);
      if (!tag.ok || tag.tag.id !== TAG.FILE_ID) {
        once('UDF_MALFORMED', 'fid', `directory ${escapeForDisplay(path === '' ? '/' : path)}: ${tag.ok ? `descriptor ${tag.tag.id} where a file identifier should be` : tag.reason}`);
        return;
      }
      const characteristics = data[pos + 18] ?? 0;
      const nameLength = data[pos + 19] ?? 0;
      const childAd = readLongAd(data, pos + 20);
      const iuLength = readU16(data, pos + 36);
      const nameStart = pos + 38 + iuLength;
      const rawName = data.subarray(nameStart, nameStart + nameLength);
      pos += Math.ceil((38 + iuLength + nameLength) / 4) * 4;
      // Bit 2 deleted, bit 3 parent (ECMA-167 4/14.4.3).
      if (characteristics & 0x0c) continue;
      budget.chargeEntry();
      let name = decodeOstaName(rawName);
      if (name === undefined || name === '' || nameStart + nameLength > data.length) {
        once('UDF_MALFORMED', 'name', `a name in ${escapeForDisplay(path === '' ? '/' : path)} is not valid OSTA compressed Unicode`);
        name = name || '?';
      }
      const childPath = path === '' ? name : `${path}/${name}`;
      visitChild(childAd, childPath, (characteristics & 0x02) !== 0, depth);
    }
  }

  function visitChild(ad: Extent, path: string, isDirectory: boolean, depth: number): void {
    if (isDirectory) {
      out.members.push({ name: path, kind: 'directory' });
      if (depth + 1 > MAX_DEPTH) {
        once('UDF_TOO_DEEP', 'depth', `directories nest deeper than ${MAX_DEPTH} levels; ${escapeForDisplay(path)} and below were not read`);
        return;
      }
      walkDirectory(ad, path, depth + 1);
      return;
    }
    const icb = readIcb(ad, path);
    if (icb === undefined) {
      out.members.push({ name: path, kind: 'file' });
      return;
    }
    const size = Number.isFinite(icb.infoLength) ? icb.infoLength : Number.MAX_SAFE_INTEGER;
    if (icb.fileType === FILE_TYPE.DIRECTORY) {
      once('UDF_MALFORMED', 'dir-mismatch', `${escapeForDisplay(path)} is a directory entry not marked as one in its parent`);
    }
    if (icb.fileType === FILE_TYPE.SYMLINK) {
      const target = icb.infoLength <= MAX_SYMLINK_BYTES ? readData(icb, path, false) : undefined;
      const linkTarget = target === undefined ? undefined : decodeSymlink(target);
      out.members.push(linkTarget === undefined ? { name: path, kind: 'symlink' } : { name: path, kind: 'symlink', linkTarget });
      return;
    }
    const kind = kindOf(icb.fileType);
    if (kind !== 'file') {
      out.members.push({ name: path, kind, declaredSize: size });
      return;
    }
    const earlier = seenFiles.get(icb.physicalSector);
    if (earlier !== undefined) {
      // Several identifiers naming one entry are hard links; the content was read once.
      out.members.push({ name: path, kind: 'hardlink', linkTarget: earlier, declaredSize: size });
      return;
    }
    seenFiles.set(icb.physicalSector, path);
    const content = readData(icb, path, true);
    out.members.push(content === undefined ? { name: path, kind: 'file', declaredSize: size } : { name: path, kind: 'file', content, declaredSize: size });
    if (content !== undefined) out.files.push({ path, sector: firstSector(icb), size: content.length });
  }

  walkDirectory(volume.rootIcb, '', 0);
  reportOverlaps(pieces, report);
  return out;
}

function kindOf(fileType: number): MemberKind {
  if (fileType === FILE_TYPE.FILE || fileType === 0) return 'file';
  if (fileType === FILE_TYPE.BLOCK || fileType === FILE_TYPE.CHAR) return 'device';
  if (fileType === FILE_TYPE.FIFO) return 'fifo';
  return 'other';
}

/** Two different files sharing data bytes: only a crafted image does that. */
function reportOverlaps(pieces: Piece[], report: Report): void {
  pieces.sort((a, b) => a.start - b.start);
  let last: Piece | undefined;
  for (const p of pieces) {
    if (last !== undefined && p.start < last.end && p.path !== last.path) {
      report('PARSER_CONFUSION', `files ${escapeForDisplay(last.path)} and ${escapeForDisplay(p.path)} share data blocks`);
      return;
    }
    if (last === undefined || p.end > last.end) last = p;
  }
}

/** Path components of a UDF symlink (ECMA-167 4/14.16). */
function decodeSymlink(data: Uint8Array): string | undefined {
  const parts: string[] = [];
  let absolute = false;
  for (let pos = 0; pos + 4 <= data.length; ) {
    const type = data[pos] ?? 0;
    const length = data[pos + 1] ?? 0;
    const ident = data.subarray(pos + 4, pos + 4 + length);
    pos += 4 + length;
    if (type === 1 || type === 2) absolute = true;
    else if (type === 3) parts.push('..');
    else if (type === 4) parts.push('.');
    else if (type === 5) {
      const name = decodeOstaName(ident);
      if (name === undefined) return undefined;
      parts.push(name);
    } else return undefined;
  }
  return (absolute ? '/' : '') + parts.join('/');
}
