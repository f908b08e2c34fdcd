/**
 * The structural view of a zip: every way a parser could read this buffer.
 * Zip has two indexes (the central directory at the end, local headers in
 * front of each entry's data) and readers disagree about which one wins, how
 * the end record is found and what lies outside it. Instead of picking one
 * reading silently we collect all of them: the central directory of every
 * valid end record, entries only a local-header scan finds, and data before
 * or after the archive. The dissector then reports the disagreements and
 * extracts the union.
 */
import { Buffer } from 'node:buffer';
import { crc32 } from 'node:zlib';
import { escapeForDisplay } from '../../../core/index.js';
import { isAscii } from './cp437.js';
import type { EntryAlias, ExtractParams, ZipEntry } from './entry.js';
import { decodeName, extensionOf, kindOf, paramsFrom } from './entry.js';
import type { ZipFindingList } from './findings.js';
import type { CentralRecord, EndRecord, LocalHeader } from './records.js';
import {
  EOCD_SIZE,
  FLAG_DESCRIPTOR,
  FLAG_ENCRYPTED,
  FLAG_STRONG_ENCRYPTION,
  METHOD_STORED,
  SIG_DESCRIPTOR,
  endNeedsZip64,
  readCentralRecord,
  readDataDescriptor,
  readEndRecord,
  readLocalHeader,
  readZip64End,
} from './records.js';

export interface Reading {
  readonly endOffset: number;
  readonly cdStart: number;
  readonly entries: ZipEntry[];
}

/** A byte range handed on as a member of its own (data around the archive, a comment with a payload). */
export interface Blob {
  readonly name: string;
  readonly start: number;
  readonly end: number;
}

export interface ZipLayout {
  /** `[0]` is the reading most tools use (the last valid end record); the rest disagree with it. */
  readonly readings: readonly Reading[];
  /** Entries a local-header scan finds that no central directory lists. */
  readonly orphans: readonly ZipEntry[];
  readonly blobs: readonly Blob[];
}

interface Range {
  readonly start: number;
  readonly end: number;
}

const SIG = (value: number): Buffer => {
  const b = Buffer.alloc(4);
  b.writeUInt32LE(value);
  return b;
};
const LOCAL_SIG_BYTES = SIG(0x04034b50);
const CENTRAL_SIG_BYTES = SIG(0x02014b50);
const EOCD_SIG_BYTES = SIG(0x06054b50);
const DESCRIPTOR_SIG_BYTES = SIG(SIG_DESCRIPTOR);

// The end record's comment is at most 65,535 bytes, so the end record lies in the last 64 KiB + 22 (APPNOTE 4.3.16).
const END_WINDOW = EOCD_SIZE + 0xffff;
// A file with more end records than this is built to make readers disagree; we have seen enough.
const MAX_END_CANDIDATES = 16;
// Hits of a stored entry's descriptor signature we try before giving up on finding its end.
const MAX_DESCRIPTOR_PROBES = 64;
// Data outside the archive smaller than this is padding, not worth a member of its own.
const MIN_BLOB_BYTES = 16;
const MAX_NAME_SHOWN = 80;
// Methods a real writer produces (APPNOTE 4.4.5); a "local header" with another method is noise in a gap.
const KNOWN_METHODS: ReadonlySet<number> = new Set([0, 1, 2, 3, 4, 5, 6, 8, 9, 10, 12, 14, 16, 18, 19, 20, 93, 94, 95, 96, 97, 98, 99]);

interface Magic {
  readonly label: string;
  readonly bytes: Buffer;
  /** Readers look for it anywhere (archive tools scan self-extractor stubs), not only at the start. */
  readonly anywhere: boolean;
  /** Another reader opens this region as something else entirely: parser confusion, not an oddity. */
  readonly confusion: boolean;
}

// What data before/after the archive or in its comment may hold (data, not code: extend here).
const MAGICS: readonly Magic[] = [
  { label: 'a zip archive', bytes: LOCAL_SIG_BYTES, anywhere: true, confusion: true },
  { label: 'a zip end record', bytes: EOCD_SIG_BYTES, anywhere: true, confusion: true },
  { label: 'a rar archive', bytes: Buffer.from('Rar!\x1a\x07', 'latin1'), anywhere: true, confusion: true },
  { label: 'a 7z archive', bytes: Buffer.from('377abcaf271c', 'hex'), anywhere: true, confusion: true },
  { label: 'a cab archive', bytes: Buffer.from('MSCF\0\0\0\0', 'latin1'), anywhere: true, confusion: true },
  { label: 'an xz stream', bytes: Buffer.from('fd377a585a00', 'hex'), anywhere: true, confusion: true },
  { label: 'a gzip stream', bytes: Buffer.from('1f8b08', 'hex'), anywhere: false, confusion: true },
  { label: 'a bzip2 stream', bytes: Buffer.from('BZh', 'latin1'), anywhere: false, confusion: true },
  { label: 'a PDF document', bytes: Buffer.from('%PDF-', 'latin1'), anywhere: false, confusion: true },
  { label: 'an OLE compound file', bytes: Buffer.from('d0cf11e0a1b11ae1', 'hex'), anywhere: false, confusion: true },
  { label: 'a PE executable', bytes: Buffer.from('MZ', 'latin1'), anywhere: false, confusion: false },
  { label: 'an ELF executable', bytes: Buffer.from('7f454c46', 'hex'), anywhere: false, confusion: false },
];

/** Names synthetic members carry; chosen free of shell metacharacters so they raise nothing by themselves. */
export const BLOB_NAMES = { prepended: 'zip.prepended-data', appended: 'zip.appended-data', comment: 'zip.comment' } as const;

/** Shows an attacker-chosen name in a finding detail. */
export function showName(name: string): string {
  return `"${escapeForDisplay(name, MAX_NAME_SHOWN)}"`;
}

/** Reads every structural view of `buf`, reporting disagreements into `findings`. */
export function readLayout(buf: Buffer, findings: ZipFindingList, maxEntries: number): ZipLayout {
  const readings: Reading[] = [];
  const coverage: Range[] = [];
  const maxRecords = maxEntries + 1;
  // Shared by all readings: past the entry limit the budget stops extraction anyway, so a file with many
  // directories must not make us build more entry objects than that.
  let recordsLeft = maxRecords;

  const tail = findTailEndRecords(buf);
  // Most readers take the end record nearest the end whose comment ends the file; failing that, the last valid one.
  let primaryEnd: EndRecord | undefined;
  let primaryCandidates: CandidateReading[] = [];
  for (const offset of tail) {
    const end = readEndRecord(buf, offset);
    if (end === undefined) continue;
    const exact = end.offset + EOCD_SIZE + end.commentLength === buf.length;
    if (primaryEnd !== undefined && !exact) continue;
    const candidates = resolveReadings(buf, end, maxRecords);
    if (candidates.length === 0) continue;
    primaryEnd = end;
    primaryCandidates = candidates;
    if (exact) break;
  }
  if (primaryEnd === undefined) {
    findings.add('ZIP_TRUNCATED', tail.length === 0 ? 'no end of central directory record' : 'no end of central directory record points at a central directory');
  }
  for (const candidate of primaryCandidates) addReading(candidate);

  // Every other end record outside the entries we know of: a second archive (prepended, appended, in the comment).
  for (const offset of scanGaps(buf, coverage, EOCD_SIG_BYTES, MAX_END_CANDIDATES)) {
    if (offset === primaryEnd?.offset || recordsLeft <= 0) continue;
    const end = readEndRecord(buf, offset);
    if (end === undefined) continue;
    for (const candidate of resolveReadings(buf, end, recordsLeft)) {
      if (readings.some((r) => r.cdStart === candidate.cdStart)) continue;
      addReading(candidate);
    }
  }
  if (readings.length > 1) {
    const where = readings.map((r) => `central directory at ${r.cdStart} (end record at ${r.endOffset}, ${r.entries.length} entries)`);
    findings.add('PARSER_CONFUSION', `${readings.length} central directories: ${where.join(', ')}; readers pick different ones`);
  }

  for (const offset of scanGaps(buf, coverage, CENTRAL_SIG_BYTES, maxRecords)) {
    const record = readCentralRecord(buf, offset);
    if (record !== undefined) {
      findings.add('PARSER_CONFUSION', `central directory record for ${showName(decodeName(record.nameBytes, record.flags))} at ${offset}, outside every central directory`);
    }
  }

  const orphans = scanOrphans(buf, coverage, Math.max(1, recordsLeft), findings, readings.length > 0);

  const blobs: Blob[] = [];
  const primary = readings[0];
  if (primary !== undefined && primaryEnd !== undefined) {
    const starts = primary.entries.filter((e) => e.params !== undefined).map((e) => e.localOffset);
    const archiveStart = Math.min(primary.cdStart, ...starts);
    const archiveEnd = primaryEnd.offset + EOCD_SIZE + primaryEnd.commentLength;
    const others = [...readings.slice(1).flatMap((r) => [r.cdStart, ...r.entries.map((e) => e.localOffset)]), ...orphans.map((o) => o.localOffset)];
    examineOutside(buf, { start: 0, end: archiveStart }, 'prepended', others, findings, blobs);
    examineOutside(buf, { start: archiveEnd, end: buf.length }, 'appended', others, findings, blobs);
    examineComment(primaryEnd, findings, blobs);
  }
  return { readings, orphans, blobs };

  function addReading(candidate: CandidateReading): void {
    const reading = buildReading(buf, candidate, findings);
    recordsLeft -= candidate.records.length;
    readings.push(reading);
    coverage.push({ start: candidate.cdStart, end: candidate.cdEnd }, ...candidate.structure);
    for (const entry of reading.entries) if (entry.params !== undefined) coverage.push({ start: entry.localOffset, end: entry.recordEnd });
    for (const note of candidate.notes) findings.add('PARSER_CONFUSION', note);
  }
}

/** End record signatures in the last 64 KiB + 22 bytes, nearest the end first. */
function findTailEndRecords(buf: Buffer): number[] {
  const found: number[] = [];
  const windowStart = Math.max(0, buf.length - END_WINDOW);
  let pos = buf.length - EOCD_SIZE;
  while (pos >= windowStart && found.length < MAX_END_CANDIDATES) {
    const hit = buf.lastIndexOf(EOCD_SIG_BYTES, pos);
    if (hit < windowStart) break;
    found.push(hit);
    pos = hit - 1;
  }
  return found;
}

interface CandidateReading {
  readonly end: EndRecord;
  readonly cdStart: number;
  readonly cdEnd: number;
  /** Added to every local header offset: data prepended by a tool that did not fix the offsets (self-extractors). */
  readonly base: number;
  readonly records: readonly CentralRecord[];
  /** End, zip64 end and locator records. */
  readonly structure: readonly Range[];
  readonly notes: readonly string[];
}

/**
 * The central directories one end record can mean: the one its fields name,
 * the one its zip64 record names when the two disagree, each moved by the
 * amount of prepended data when nothing is at the declared offset.
 */
function resolveReadings(buf: Buffer, end: EndRecord, maxRecords: number): CandidateReading[] {
  const structure: Range[] = [{ start: end.offset, end: end.offset + EOCD_SIZE }];
  const triples: { cdOffset: number; cdSize: number; entries: number; recordStart: number; label: string }[] = [];
  const zip64 = readZip64End(buf, end);
  if (zip64 !== undefined) {
    structure.push({ start: zip64.offset, end: zip64.offset + zip64.length }, { start: end.offset - 20, end: end.offset });
    triples.push({ cdOffset: zip64.cdOffset, cdSize: zip64.cdSize, entries: zip64.entries, recordStart: zip64.offset, label: 'zip64 end record' });
  }
  if (zip64 === undefined || !endNeedsZip64(end)) {
    triples.push({ cdOffset: end.cdOffset, cdSize: end.cdSize, entries: end.entries, recordStart: zip64?.offset ?? end.offset, label: 'end record' });
  }
  const out: CandidateReading[] = [];
  for (const t of triples) {
    const notes: string[] = [];
    // Where the directory must be if the offsets are right: just before the (zip64) end record.
    const delta = t.recordStart - t.cdSize - t.cdOffset;
    let cdStart = t.cdOffset;
    let base = 0;
    if (readCentralRecord(buf, cdStart) === undefined && delta > 0 && readCentralRecord(buf, cdStart + delta) !== undefined) {
      cdStart += delta;
      base = delta;
    }
    const records: CentralRecord[] = [];
    let pos = cdStart;
    while (records.length < maxRecords) {
      const record = readCentralRecord(buf, pos);
      if (record === undefined) break;
      records.push(record);
      pos += record.length;
    }
    const empty = t.entries === 0 && t.cdSize === 0;
    if (records.length === 0 && !empty) continue;
    if (out.some((o) => o.cdStart === cdStart)) continue;
    // More than 65,535 entries without zip64: writers store the count modulo 2^16, readers cope.
    const countAgrees = records.length === t.entries || (records.length > 0xffff && records.length % 0x10000 === t.entries);
    if (!countAgrees && records.length < maxRecords) {
      notes.push(`the ${t.label} declares ${t.entries} entries, the central directory at ${cdStart} holds ${records.length}`);
    }
    if (countAgrees && pos - cdStart !== t.cdSize && records.length < maxRecords) {
      notes.push(`the ${t.label} declares a central directory of ${t.cdSize} bytes, its records take ${pos - cdStart}`);
    }
    out.push({ end, cdStart, cdEnd: pos, base, records, structure, notes });
  }
  const second = out[1];
  if (second !== undefined) {
    out[1] = { ...second, notes: [...second.notes, `the zip64 end record and the end record at ${end.offset} name different central directories`] };
  }
  return out;
}

function buildReading(buf: Buffer, candidate: CandidateReading, findings: ZipFindingList): Reading {
  const entries = candidate.records.map((record) => entryFromCentral(buf, record, candidate.base, findings));
  markOverlaps(entries, candidate.cdStart, findings);
  return { endOffset: candidate.end.offset, cdStart: candidate.cdStart, entries };
}

function entryFromCentral(buf: Buffer, record: CentralRecord, base: number, findings: ZipFindingList): ZipEntry {
  const headerName = decodeName(record.nameBytes, record.flags);
  const aliases: EntryAlias[] = [];
  let name = headerName;
  const unicode = record.extra.unicodePath;
  if (unicode !== undefined) {
    // Info-ZIP and 7-Zip use the Unicode path field when its CRC matches the header name; others ignore it.
    const unicodeName = unicode.name.toString('utf8');
    const stale = unicode.nameCrc32 !== crc32(record.nameBytes);
    if (!stale) name = unicodeName;
    const meaningful = unicodeName !== headerName && (stale || isAscii(record.nameBytes) || extensionOf(unicodeName) !== extensionOf(headerName));
    if (meaningful) {
      findings.add('ZIP_UNICODE_PATH_MISMATCH', `entry named ${showName(headerName)} carries the Unicode path ${showName(unicodeName)}${stale ? ' (stale CRC)' : ''}`);
      aliases.push({ name: stale ? unicodeName : headerName });
    }
  }
  if (record.zip64Missing) findings.add('ZIP_MALFORMED', `entry ${showName(name)} points at a zip64 field it does not have`);
  if (record.extra.overrun) findings.add('ZIP_MALFORMED', `extra field of ${showName(name)} runs past its end`);

  let localOffset = record.localHeaderOffset + base;
  let local = readLocalHeader(buf, localOffset);
  if (local === undefined && base !== 0) {
    local = readLocalHeader(buf, record.localHeaderOffset);
    if (local !== undefined) localOffset = record.localHeaderOffset;
  }
  const kind = kindOf(name, record.versionMadeBy, record.externalAttributes);
  const encrypted = (record.flags & (FLAG_ENCRYPTED | FLAG_STRONG_ENCRYPTION)) !== 0;
  const common = { name, kind, localOffset, declaredSize: record.uncompressedSize, compressedSize: record.compressedSize, encrypted };
  if (local === undefined) {
    const symbol = localOffset >= buf.length ? 'ZIP_TRUNCATED' : 'ZIP_MALFORMED';
    findings.add(symbol, `no local header for ${showName(name)} at offset ${localOffset}`);
    return { ...common, recordEnd: localOffset, aliases };
  }
  const params = paramsFrom(record, local.dataStart, true);
  const dataEnd = local.dataStart + record.compressedSize;
  let recordEnd = dataEnd;
  if ((record.flags & FLAG_DESCRIPTOR) !== 0) {
    const descriptor = readDataDescriptor(buf, dataEnd, record.usesZip64 || local.usesZip64, record);
    if (descriptor !== undefined) {
      recordEnd += descriptor.length;
      if (descriptor.crc32 !== record.crc32 || descriptor.compressedSize !== record.compressedSize || descriptor.uncompressedSize !== record.uncompressedSize) {
        findings.add('ZIP_HEADER_MISMATCH', `data descriptor of ${showName(name)} disagrees with the central directory (CRC or sizes)`);
      }
    }
  }
  compareLocal(record, local, name, aliases, findings);
  return { ...common, recordEnd, params, aliases };
}

/** Local header against central record: a streaming reader extracts what the local header says. */
function compareLocal(record: CentralRecord, local: LocalHeader, name: string, aliases: EntryAlias[], findings: ZipFindingList): void {
  const differences: string[] = [];
  let localName: string | undefined;
  if (!local.nameBytes.equals(record.nameBytes)) {
    localName = decodeName(local.nameBytes, local.flags);
    differences.push(`local name ${showName(localName)}`);
  }
  if (local.method !== record.method) differences.push(`method ${local.method} vs ${record.method}`);
  const encryption = FLAG_ENCRYPTED | FLAG_STRONG_ENCRYPTION;
  if ((local.flags & encryption) !== (record.flags & encryption)) differences.push('encryption flags');
  // With a data descriptor the local fields are zero by design; compare them only when the writer filled them in.
  const deferred = (local.flags & FLAG_DESCRIPTOR) !== 0;
  const differs = (a: number, b: number): boolean => a !== b && !(deferred && a === 0);
  if (differs(local.crc32, record.crc32)) differences.push('CRC');
  if (differs(local.compressedSize, record.compressedSize)) differences.push(`compressed size ${local.compressedSize} vs ${record.compressedSize}`);
  if (differs(local.uncompressedSize, record.uncompressedSize)) differences.push(`size ${local.uncompressedSize} vs ${record.uncompressedSize}`);
  if (differences.length === 0) return;
  findings.add('ZIP_HEADER_MISMATCH', `local header of ${showName(name)} disagrees with the central directory: ${differences.join(', ')}`);

  const localSizeKnown = !(deferred && local.compressedSize === 0);
  const dataDiffers =
    local.method !== record.method || (local.flags & encryption) !== (record.flags & encryption) || (localSizeKnown && local.compressedSize !== record.compressedSize);
  const aliasName = localName ?? name;
  if (dataDiffers) aliases.push({ name: aliasName, params: paramsFrom(local, local.dataStart, localSizeKnown) });
  else if (localName !== undefined && !aliases.some((a) => a.name === localName) && localName !== name) aliases.push({ name: localName });
}

/**
 * Entries of one central directory whose bytes overlap: the "overlapping
 * files" zip bomb (many entries over one compressed kernel) and its
 * quoted-overlap variant, or data that runs into the directory itself.
 */
function markOverlaps(entries: ZipEntry[], cdStart: number, findings: ZipFindingList): void {
  const order = entries
    .map((entry, index) => ({ entry, index }))
    .filter(({ entry }) => entry.params !== undefined)
    .sort((a, b) => a.entry.localOffset - b.entry.localOffset || a.index - b.index);
  const firstAt = new Map<number, number>();
  let reach = -1;
  let reachIndex = -1;
  for (const { entry, index } of order) {
    const same = firstAt.get(entry.localOffset);
    if (same !== undefined) {
      entry.sharesDataWith = same;
      findings.add('ZIP_OVERLAPPING_ENTRIES', `${showName(entry.name)} and ${showName(entries[same]?.name ?? '')} share the data at offset ${entry.localOffset}`);
    } else {
      firstAt.set(entry.localOffset, index);
      if (entry.localOffset < reach) {
        findings.add('ZIP_OVERLAPPING_ENTRIES', `${showName(entry.name)} starts at ${entry.localOffset}, inside the data of ${showName(entries[reachIndex]?.name ?? '')}`);
      }
    }
    if (entry.localOffset < cdStart && entry.recordEnd > cdStart) {
      findings.add('ZIP_OVERLAPPING_ENTRIES', `data of ${showName(entry.name)} runs into the central directory at ${cdStart}`);
    }
    if (entry.recordEnd > reach) {
      reach = entry.recordEnd;
      reachIndex = index;
    }
  }
}

/** Offsets of `needle` in the parts of `buf` no range covers, at most `limit`. */
function scanGaps(buf: Buffer, coverage: readonly Range[], needle: Buffer, limit: number): number[] {
  const hits: number[] = [];
  for (const gap of gapsOf(coverage, buf.length)) {
    const view = buf.subarray(gap.start, gap.end);
    let pos = view.indexOf(needle);
    while (pos >= 0 && hits.length < limit) {
      hits.push(gap.start + pos);
      pos = view.indexOf(needle, pos + 1);
    }
    if (hits.length >= limit) break;
  }
  return hits;
}

function gapsOf(coverage: readonly Range[], length: number): Range[] {
  const sorted = [...coverage].filter((r) => r.end > r.start).sort((a, b) => a.start - b.start);
  const gaps: Range[] = [];
  let pos = 0;
  for (const range of sorted) {
    if (range.start > pos) gaps.push({ start: pos, end: Math.min(range.start, length) });
    pos = Math.max(pos, range.end);
    if (pos >= length) break;
  }
  if (pos < length) gaps.push({ start: pos, end: length });
  return gaps.filter((g) => g.end > g.start);
}

/**
 * Local headers outside everything the central directories account for:
 * what a streaming reader (or one that ignores the directory) extracts.
 */
function scanOrphans(buf: Buffer, coverage: Range[], maxRecords: number, findings: ZipFindingList, hasDirectory: boolean): ZipEntry[] {
  const orphans: ZipEntry[] = [];
  for (const gap of gapsOf(coverage, buf.length)) {
    let pos = gap.start;
    while (pos < gap.end && orphans.length < maxRecords) {
      const hit = buf.subarray(pos, gap.end).indexOf(LOCAL_SIG_BYTES);
      if (hit < 0) break;
      const offset = pos + hit;
      const local = readLocalHeader(buf, offset);
      if (local === undefined || !plausible(local)) {
        pos = offset + 1;
        continue;
      }
      const entry = entryFromLocal(buf, local);
      orphans.push(entry);
      if (hasDirectory) findings.add('PARSER_CONFUSION', `local header for ${showName(entry.name)} at ${offset} that no central directory lists`);
      pos = Math.max(entry.recordEnd, offset + 1);
    }
  }
  if (!hasDirectory && orphans.length > 0) findings.add('ZIP_TRUNCATED', `${orphans.length} entries recovered by scanning local headers`);
  coverage.push(...orphans.map((o) => ({ start: o.localOffset, end: o.recordEnd })));
  return orphans;
}

function plausible(local: LocalHeader): boolean {
  return KNOWN_METHODS.has(local.method) && (local.versionNeeded & 0xff) <= 63 && local.nameBytes.length > 0;
}

function entryFromLocal(buf: Buffer, local: LocalHeader): ZipEntry {
  const name = decodeName(local.nameBytes, local.flags);
  const deferred = (local.flags & FLAG_DESCRIPTOR) !== 0 && local.compressedSize === 0;
  let params: ExtractParams = paramsFrom(local, local.dataStart, !deferred);
  let recordEnd = local.dataStart + (deferred ? 0 : local.compressedSize);
  if (deferred && local.method === METHOD_STORED) {
    // A stored entry with a data descriptor ends where a descriptor's own size field says it does.
    const descriptor = findStoredDescriptor(buf, local);
    if (descriptor !== undefined) {
      params = { ...params, sizeKnown: true, compressedSize: descriptor.compressedSize, uncompressedSize: descriptor.uncompressedSize, crc32: descriptor.crc32 };
      recordEnd = descriptor.offset + descriptor.length;
    }
  } else if ((local.flags & FLAG_DESCRIPTOR) !== 0 && !deferred) {
    const descriptor = readDataDescriptor(buf, recordEnd, local.usesZip64, local);
    if (descriptor !== undefined) recordEnd += descriptor.length;
  }
  return {
    name,
    kind: kindOf(name, undefined, undefined),
    localOffset: local.offset,
    recordEnd,
    params,
    aliases: [],
    declaredSize: params.uncompressedSize,
    compressedSize: params.compressedSize,
    encrypted: (local.flags & (FLAG_ENCRYPTED | FLAG_STRONG_ENCRYPTION)) !== 0,
  };
}

function findStoredDescriptor(buf: Buffer, local: LocalHeader): { offset: number; length: number; crc32: number; compressedSize: number; uncompressedSize: number } | undefined {
  let pos = local.dataStart;
  for (let probe = 0; probe < MAX_DESCRIPTOR_PROBES; probe++) {
    const hit = buf.indexOf(DESCRIPTOR_SIG_BYTES, pos);
    if (hit < 0) return undefined;
    const descriptor = readDataDescriptor(buf, hit, local.usesZip64);
    if (descriptor !== undefined && descriptor.compressedSize === hit - local.dataStart) return descriptor;
    pos = hit + 1;
  }
  return undefined;
}

function findMagic(region: Buffer): { magic: Magic; at: number } | undefined {
  for (const magic of MAGICS) {
    const at = magic.anywhere ? region.indexOf(magic.bytes) : region.subarray(0, magic.bytes.length).equals(magic.bytes) ? 0 : -1;
    if (at >= 0) return { magic, at };
  }
  return undefined;
}

function examineOutside(buf: Buffer, range: Range, where: 'prepended' | 'appended', otherStarts: readonly number[], findings: ZipFindingList, blobs: Blob[]): void {
  if (range.end <= range.start) return;
  const region = buf.subarray(range.start, range.end);
  const found = findMagic(region);
  const place = where === 'prepended' ? 'before the archive' : 'after the archive';
  if (found?.magic.confusion === true) {
    findings.add('PARSER_CONFUSION', `${region.length} bytes ${place} hold ${found.magic.label} at offset ${range.start + found.at}`);
  } else {
    const what = found === undefined ? '' : ` (${found.magic.label}: a self-extractor stub)`;
    findings.add(where === 'prepended' ? 'ZIP_PREPENDED_DATA' : 'ZIP_APPENDED_DATA', `${region.length} bytes ${place}${what}`);
  }
  // Other readings and orphans inside the region are already extracted; otherwise hand the region on so its own type is analysed.
  const explained = otherStarts.some((s) => s >= range.start && s < range.end);
  if (!explained && region.length >= MIN_BLOB_BYTES) blobs.push({ name: BLOB_NAMES[where], start: range.start, end: range.end });
}

function examineComment(end: EndRecord, findings: ZipFindingList, blobs: Blob[]): void {
  const found = findMagic(end.comment);
  if (found === undefined) return;
  findings.add('ZIP_COMMENT_PAYLOAD', `the archive comment (${end.comment.length} bytes) holds ${found.magic.label}`);
  const start = end.offset + EOCD_SIZE;
  blobs.push({ name: BLOB_NAMES.comment, start, end: start + end.comment.length });
}
