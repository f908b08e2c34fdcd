/**
 * The UDF volume structure: recognition sequence (ECMA-167 2/9), anchor
 * (3/10.2), main volume descriptor sequence (partition and logical volume
 * descriptors, 3/10.5-10.6) and the file set descriptor (4/14.1) that names
 * the root directory. Failures are values, not throws.
 */
import { SECTOR, TAG, decodeDstring, readLongAd, readTag, readU16, readU32 } from './descriptors.js';
import type { Extent } from './descriptors.js';

const FIRST_VRS_SECTOR = 16;
// A real recognition sequence has a handful of descriptors (ISO 9660 ones first on a bridge image).
const MAX_VRS_DESCRIPTORS = 32;
const ANCHOR_SECTOR = 256;
// ECMA-167 3/8.4.2: a sequence ends with a terminating descriptor; bound it anyway.
const MAX_VDS_DESCRIPTORS = 64;
// Pointer descriptors chain sequences; a few hops suffice for any real image.
const MAX_VDS_HOPS = 8;

export interface RecognitionFacts {
  readonly udf: boolean;
  readonly iso9660: boolean;
}

/** Reads the volume recognition sequence from sector 16 on (bounded by the buffer and 32 descriptors). */
export function readRecognition(content: Uint8Array): RecognitionFacts {
  let udf = false;
  let iso9660 = false;
  let beaSeen = false;
  for (let i = 0; i < MAX_VRS_DESCRIPTORS; i++) {
    const o = (FIRST_VRS_SECTOR + i) * SECTOR;
    if (o + 6 > content.length) break;
    const id = String.fromCharCode(...content.subarray(o + 1, o + 6));
    if (id === 'CD001') iso9660 = true;
    else if (id === 'BEA01') beaSeen = true;
    // NSR only counts inside an extended area (ECMA-167 2/9.1): BEA01 first.
    else if ((id === 'NSR02' || id === 'NSR03') && beaSeen) udf = true;
    else if (id !== 'TEA01' && id !== 'BOOT2' && id !== 'CDW02') break;
  }
  return { udf, iso9660 };
}

export interface PartitionMapping {
  /** Partition number from the partition descriptor. */
  readonly number: number;
  /** First sector of the partition in the image. */
  readonly start: number;
  /** Length in sectors, as declared. */
  readonly length: number;
}

export interface UdfVolume {
  /** Partition maps by reference number; undefined entries are unsupported map types. */
  readonly partitions: readonly (PartitionMapping | undefined)[];
  readonly rootIcb: Extent;
  readonly volumeName?: string;
  /** Problems that did not stop the reading (bad reserve copies, unsupported maps). */
  readonly problems: readonly VolumeProblem[];
}

export interface VolumeProblem {
  readonly kind: 'malformed' | 'unsupported';
  readonly detail: string;
}

export type VolumeResult = { readonly ok: true; readonly volume: UdfVolume } | { readonly ok: false; readonly kind: 'malformed' | 'unsupported'; readonly detail: string };

function fail(kind: 'malformed' | 'unsupported', detail: string): VolumeResult {
  return { ok: false, kind, detail };
}

/** Finds a valid anchor at 256, N-256 or N-1 (ECMA-167 3/8.4.2.1) and returns its main sequence extent. */
function findAnchor(content: Uint8Array, problems: VolumeProblem[]): { readonly location: number; readonly length: number } | undefined {
  const sectors = Math.floor(content.length / SECTOR);
  const candidates = [ANCHOR_SECTOR, sectors - 256, sectors - 1].filter((s) => s > FIRST_VRS_SECTOR);
  for (const sector of candidates) {
    const o = sector * SECTOR;
    const tag = readTag(content, o, sector);
    if (!tag.ok) {
      if (sector === ANCHOR_SECTOR) problems.push({ kind: 'malformed', detail: `anchor at sector ${sector}: ${tag.reason}` });
      continue;
    }
    if (tag.tag.id !== TAG.ANCHOR) continue;
    return { length: readU32(content, o + 16), location: readU32(content, o + 20) };
  }
  return undefined;
}

interface SequenceParts {
  readonly partitions: Map<number, { readonly start: number; readonly length: number }>;
  logical?: number;
}

/** Walks one volume descriptor sequence, following pointer descriptors, collecting partition and logical volume descriptors. */
function readSequence(content: Uint8Array, location: number, length: number): SequenceParts | string {
  const parts: SequenceParts = { partitions: new Map() };
  let sector = location;
  let remaining = Math.min(length, MAX_VDS_DESCRIPTORS * SECTOR);
  let hops = 0;
  for (let read = 0; read < MAX_VDS_DESCRIPTORS && remaining > 0; read++) {
    const o = sector * SECTOR;
    const tag = readTag(content, o, sector);
    if (!tag.ok) return `volume descriptor at sector ${sector}: ${tag.reason}`;
    const id = tag.tag.id;
    if (id === TAG.TERMINATING) break;
    if (id === TAG.POINTER) {
      if (++hops > MAX_VDS_HOPS) return 'too many volume descriptor pointers';
      remaining = Math.min(readU32(content, o + 20), MAX_VDS_DESCRIPTORS * SECTOR);
      sector = readU32(content, o + 24);
      continue;
    }
    if (id === TAG.PARTITION) {
      // ECMA-167 3/10.5: number at 22, start at 188, length at 192.
      parts.partitions.set(readU16(content, o + 22), { start: readU32(content, o + 188), length: readU32(content, o + 192) });
    } else if (id === TAG.LOGICAL_VOLUME) {
      parts.logical = o;
    } else if (id === 0 || id > TAG.TERMINATING) {
      return `unexpected descriptor ${id} in the volume descriptor sequence at sector ${sector}`;
    }
    sector++;
    remaining -= SECTOR;
  }
  return parts;
}

/** Reads the volume: anchor, main sequence (reserve sequence when the main one is damaged), partition maps, file set descriptor. */
export function readVolume(content: Uint8Array): VolumeResult {
  const problems: VolumeProblem[] = [];
  const anchor = findAnchor(content, problems);
  if (anchor === undefined) return fail('malformed', 'no valid anchor volume descriptor pointer at sector 256, N-256 or N-1');
  const parts = readSequence(content, anchor.location, anchor.length);
  if (typeof parts === 'string') return fail('malformed', parts);
  const lvd = parts.logical;
  if (lvd === undefined) return fail('malformed', 'no logical volume descriptor');

  // ECMA-167 3/10.6: block size at 212, FSD long_ad at 248, map count at 268, maps from 440.
  const blockSize = readU32(content, lvd + 212);
  if (blockSize !== SECTOR) return fail('unsupported', `logical block size ${blockSize} (only ${SECTOR} is read)`);
  const volumeName = decodeDstring(content.subarray(lvd + 84, lvd + 212));
  const mapTableLength = readU32(content, lvd + 264);
  const mapCount = readU32(content, lvd + 268);
  const partitions: (PartitionMapping | undefined)[] = [];
  let m = lvd + 440;
  const mapsEnd = Math.min(lvd + 440 + mapTableLength, lvd + SECTOR, content.length);
  for (let i = 0; i < mapCount && m + 2 <= mapsEnd; i++) {
    const type = content[m] ?? 0;
    const mapLength = content[m + 1] ?? 0;
    if (mapLength < 2) return fail('malformed', `partition map ${i} has length ${mapLength}`);
    if (type === 1 && mapLength === 6) {
      const number = readU16(content, m + 4);
      const pd = parts.partitions.get(number);
      if (pd === undefined) return fail('malformed', `partition map ${i} names partition ${number}, which has no descriptor`);
      partitions.push({ number, start: pd.start, length: pd.length });
    } else {
      // Type 2: virtual (CD-R), sparable (CD-RW) or metadata (UDF 2.50+) partitions.
      const ident = type === 2 ? String.fromCharCode(...content.subarray(m + 5, m + 28)).replace(/[^\x20-\x7e]/g, '') : `type ${type}`;
      problems.push({ kind: 'unsupported', detail: `partition map ${i} (${ident}) is not read` });
      partitions.push(undefined);
    }
    m += mapLength;
  }
  const fsdAd = readLongAd(content, lvd + 248);
  const fsdPartition = partitions[fsdAd.partition];
  if (fsdPartition === undefined) {
    const unsupported = problems.find((p) => p.kind === 'unsupported');
    return fail(unsupported ? 'unsupported' : 'malformed', unsupported?.detail ?? `file set descriptor in unknown partition ${fsdAd.partition}`);
  }
  const fsdSector = fsdPartition.start + fsdAd.block;
  const fsd = readTag(content, fsdSector * SECTOR, fsdAd.block);
  if (!fsd.ok) return fail('malformed', `file set descriptor: ${fsd.reason}`);
  if (fsd.tag.id !== TAG.FILE_SET) return fail('malformed', `descriptor ${fsd.tag.id} where the file set descriptor should be`);
  // ECMA-167 4/14.1: root directory ICB long_ad at 400.
  const rootIcb = readLongAd(content, fsdSector * SECTOR + 400);
  const volume: UdfVolume = volumeName === undefined ? { partitions, rootIcb, problems } : { partitions, rootIcb, volumeName, problems };
  return { ok: true, volume };
}
