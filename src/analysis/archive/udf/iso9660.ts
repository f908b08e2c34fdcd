/**
 * Just enough ISO 9660 (ECMA-119) to list a bridge image's files as
 * (first sector, size) pairs, so the two readings can be compared: the
 * tools that write bridge images point both trees at the same data, and an
 * image whose trees disagree shows Windows (UDF) something else than what
 * an ISO 9660 reader scanned.
 */
import { SECTOR, readU32 } from './descriptors.js';

// Records examined before giving up the comparison; a real image stays far below.
const MAX_RECORDS = 100_000;
const MAX_DEPTH = 64;

export interface IsoFile {
  readonly sector: number;
  readonly size: number;
}

/** Files of the ISO 9660 primary tree, or undefined when it cannot be read within bounds. */
export function listIso9660Files(content: Uint8Array): IsoFile[] | undefined {
  let pvd: number | undefined;
  for (let i = 16; i < 48; i++) {
    const o = i * SECTOR;
    if (o + SECTOR > content.length) break;
    if (String.fromCharCode(...content.subarray(o + 1, o + 6)) !== 'CD001') break;
    if (content[o] === 1) {
      pvd = o;
      break;
    }
  }
  if (pvd === undefined) return undefined;
  const files: IsoFile[] = [];
  const visited = new Set<number>();
  let records = 0;
  // Root directory record at 156 (ECMA-119 8.4.18): extent at +2, size at +10.
  const stack: { readonly sector: number; readonly size: number; readonly depth: number }[] = [
    { sector: readU32(content, pvd + 158), size: readU32(content, pvd + 166), depth: 0 },
  ];
  while (stack.length > 0) {
    const dir = stack.pop();
    if (dir === undefined) break;
    if (visited.has(dir.sector) || dir.depth > MAX_DEPTH) return undefined;
    visited.add(dir.sector);
    const start = dir.sector * SECTOR;
    const end = Math.min(start + dir.size, content.length);
    let pos = start;
    while (pos < end) {
      const length = content[pos] ?? 0;
      if (length === 0) {
        // Records do not cross sectors; zero padding runs to the next one.
        pos = (Math.floor((pos - start) / SECTOR) + 1) * SECTOR + start;
        continue;
      }
      if (length < 34 || pos + length > end || ++records > MAX_RECORDS) return undefined;
      const nameLength = content[pos + 32] ?? 0;
      const first = content[pos + 33] ?? 0;
      const flags = content[pos + 25] ?? 0;
      const sector = readU32(content, pos + 2);
      const size = readU32(content, pos + 10);
      // Names 0x00 and 0x01 are "." and "..".
      if (!(nameLength === 1 && first <= 1)) {
        if (flags & 0x02) stack.push({ sector, size, depth: dir.depth + 1 });
        else files.push({ sector, size });
      }
      pos += length;
    }
  }
  return files;
}
