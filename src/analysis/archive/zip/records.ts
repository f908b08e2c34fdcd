/**
 * Low-level zip records (PKWARE APPNOTE 6.3.10): end of central directory
 * (plain and zip64), central directory headers, local headers, extra fields
 * and data descriptors. Every reader takes the whole archive buffer and an
 * offset, checks the record fits in the buffer, and returns `undefined`
 * instead of throwing: declared lengths are never trusted.
 */
import type { Buffer } from 'node:buffer';

export const SIG_LOCAL = 0x04034b50;
export const SIG_CENTRAL = 0x02014b50;
export const SIG_EOCD = 0x06054b50;
export const SIG_EOCD64 = 0x06064b50;
export const SIG_EOCD64_LOCATOR = 0x07064b50;
export const SIG_DESCRIPTOR = 0x08074b50;

export const LOCAL_HEADER_SIZE = 30;
export const CENTRAL_HEADER_SIZE = 46;
export const EOCD_SIZE = 22;
const EOCD64_SIZE = 56;
const EOCD64_LOCATOR_SIZE = 20;

/** General-purpose flag bits (APPNOTE 4.4.4). */
export const FLAG_ENCRYPTED = 0x0001;
export const FLAG_DESCRIPTOR = 0x0008;
export const FLAG_STRONG_ENCRYPTION = 0x0040;
export const FLAG_UTF8 = 0x0800;

export const METHOD_STORED = 0;
export const METHOD_DEFLATE = 8;
export const METHOD_AES = 99;

const EXTRA_ZIP64 = 0x0001;
const EXTRA_UNICODE_PATH = 0x7075;
const EXTRA_AES = 0x9901;

const U32_MAX = 0xffffffff;
const U16_MAX = 0xffff;

export interface EndRecord {
  readonly offset: number;
  readonly entries: number;
  readonly cdSize: number;
  readonly cdOffset: number;
  readonly commentLength: number;
  /** Comment bytes actually present (may be shorter than declared in a truncated file). */
  readonly comment: Buffer;
  readonly diskNumber: number;
}

export interface Zip64EndRecord {
  readonly offset: number;
  /** Bytes the record occupies, locator excluded. */
  readonly length: number;
  readonly entries: number;
  readonly cdSize: number;
  readonly cdOffset: number;
}

export interface AesInfo {
  /** 1 = AE-1 (CRC stored and checked), 2 = AE-2 (CRC zero; HMAC only). */
  readonly vendorVersion: number;
  /** 1/2/3 = AES-128/192/256. */
  readonly strength: number;
  /** The compression method applied before encryption. */
  readonly actualMethod: number;
}

export interface UnicodePath {
  readonly nameCrc32: number;
  readonly name: Buffer;
}

export interface ExtraFields {
  readonly zip64?: Buffer;
  readonly unicodePath?: UnicodePath;
  readonly aes?: AesInfo;
  /** Set when a field's declared length runs past the extra block. */
  readonly overrun: boolean;
}

export interface HeaderFields {
  readonly versionNeeded: number;
  readonly flags: number;
  readonly method: number;
  readonly modTime: number;
  readonly crc32: number;
  /** After zip64 resolution. */
  readonly compressedSize: number;
  readonly uncompressedSize: number;
  readonly nameBytes: Buffer;
  readonly extra: ExtraFields;
  /** True when a 32-bit field said "see zip64" but the zip64 field was missing or short. */
  readonly zip64Missing: boolean;
  readonly usesZip64: boolean;
}

export interface CentralRecord extends HeaderFields {
  readonly offset: number;
  /** Bytes the record occupies. */
  readonly length: number;
  readonly versionMadeBy: number;
  readonly externalAttributes: number;
  readonly localHeaderOffset: number;
}

export interface LocalHeader extends HeaderFields {
  readonly offset: number;
  /** First byte of the entry data (after name and extra). */
  readonly dataStart: number;
}

export interface DataDescriptor {
  readonly offset: number;
  readonly length: number;
  readonly crc32: number;
  readonly compressedSize: number;
  readonly uncompressedSize: number;
}

/** Reads a little-endian 64-bit size; values past 2^53 become MAX_SAFE_INTEGER (out of any buffer's bounds). */
export function readU64(buf: Buffer, offset: number): number {
  const low = buf.readUInt32LE(offset);
  const high = buf.readUInt32LE(offset + 4);
  return high >= 0x200000 ? Number.MAX_SAFE_INTEGER : high * 0x100000000 + low;
}

export function readEndRecord(buf: Buffer, offset: number): EndRecord | undefined {
  if (offset < 0 || offset + EOCD_SIZE > buf.length || buf.readUInt32LE(offset) !== SIG_EOCD) return undefined;
  const commentLength = buf.readUInt16LE(offset + 20);
  const commentStart = offset + EOCD_SIZE;
  return {
    offset,
    diskNumber: buf.readUInt16LE(offset + 4),
    entries: buf.readUInt16LE(offset + 10),
    cdSize: buf.readUInt32LE(offset + 12),
    cdOffset: buf.readUInt32LE(offset + 16),
    commentLength,
    comment: buf.subarray(commentStart, Math.min(buf.length, commentStart + commentLength)),
  };
}

/** True when any of the end record's fields is the "look in the zip64 record" sentinel. */
export function endNeedsZip64(end: EndRecord): boolean {
  return end.entries === U16_MAX || end.cdSize === U32_MAX || end.cdOffset === U32_MAX;
}

/** Follows the zip64 locator that sits right before the end record, when there is one. */
export function readZip64End(buf: Buffer, end: EndRecord): Zip64EndRecord | undefined {
  const locator = end.offset - EOCD64_LOCATOR_SIZE;
  if (locator < 0 || buf.readUInt32LE(locator) !== SIG_EOCD64_LOCATOR) return undefined;
  const offset = readU64(buf, locator + 8);
  if (offset + EOCD64_SIZE > buf.length || buf.readUInt32LE(offset) !== SIG_EOCD64) return undefined;
  const declared = readU64(buf, offset + 4);
  return {
    offset,
    length: Math.min(declared + 12, locator - offset),
    entries: readU64(buf, offset + 32),
    cdSize: readU64(buf, offset + 40),
    cdOffset: readU64(buf, offset + 48),
  };
}

export function readExtraFields(extra: Buffer): ExtraFields {
  let zip64: Buffer | undefined;
  let unicodePath: UnicodePath | undefined;
  let aes: AesInfo | undefined;
  let overrun = false;
  let pos = 0;
  while (pos + 4 <= extra.length) {
    const id = extra.readUInt16LE(pos);
    const size = extra.readUInt16LE(pos + 2);
    const start = pos + 4;
    if (start + size > extra.length) {
      overrun = true;
      break;
    }
    const data = extra.subarray(start, start + size);
    if (id === EXTRA_ZIP64 && zip64 === undefined) zip64 = data;
    else if (id === EXTRA_UNICODE_PATH && unicodePath === undefined && size >= 5 && data[0] === 1) {
      unicodePath = { nameCrc32: data.readUInt32LE(1), name: data.subarray(5) };
    } else if (id === EXTRA_AES && aes === undefined && size >= 7) {
      aes = { vendorVersion: data.readUInt16LE(0), strength: data[4] ?? 0, actualMethod: data.readUInt16LE(5) };
    }
    pos = start + size;
  }
  if (pos !== extra.length) overrun = true;
  return { ...(zip64 === undefined ? {} : { zip64 }), ...(unicodePath === undefined ? {} : { unicodePath }), ...(aes === undefined ? {} : { aes }), overrun };
}

interface Zip64Resolution {
  readonly uncompressedSize: number;
  readonly compressedSize: number;
  readonly localHeaderOffset: number;
  readonly missing: boolean;
  readonly used: boolean;
}

/**
 * Applies the zip64 extended-information field (APPNOTE 4.5.3): only the
 * fields whose 32-bit value is 0xFFFFFFFF appear in it, in a fixed order.
 */
function resolveZip64(zip64: Buffer | undefined, usize: number, csize: number, offset: number): Zip64Resolution {
  let pos = 0;
  let missing = false;
  let used = false;
  const take = (value: number): number => {
    if (value !== U32_MAX) return value;
    used = true;
    if (zip64 === undefined || pos + 8 > zip64.length) {
      missing = true;
      return value;
    }
    const resolved = readU64(zip64, pos);
    pos += 8;
    return resolved;
  };
  const uncompressedSize = take(usize);
  const compressedSize = take(csize);
  const localHeaderOffset = take(offset);
  return { uncompressedSize, compressedSize, localHeaderOffset, missing, used };
}

export function readCentralRecord(buf: Buffer, offset: number): CentralRecord | undefined {
  if (offset < 0 || offset + CENTRAL_HEADER_SIZE > buf.length || buf.readUInt32LE(offset) !== SIG_CENTRAL) return undefined;
  const nameLength = buf.readUInt16LE(offset + 28);
  const extraLength = buf.readUInt16LE(offset + 30);
  const commentLength = buf.readUInt16LE(offset + 32);
  const length = CENTRAL_HEADER_SIZE + nameLength + extraLength + commentLength;
  if (offset + length > buf.length) return undefined;
  const nameStart = offset + CENTRAL_HEADER_SIZE;
  const extra = readExtraFields(buf.subarray(nameStart + nameLength, nameStart + nameLength + extraLength));
  const z = resolveZip64(extra.zip64, buf.readUInt32LE(offset + 24), buf.readUInt32LE(offset + 20), buf.readUInt32LE(offset + 42));
  return {
    offset,
    length,
    versionMadeBy: buf.readUInt16LE(offset + 4),
    versionNeeded: buf.readUInt16LE(offset + 6),
    flags: buf.readUInt16LE(offset + 8),
    method: buf.readUInt16LE(offset + 10),
    modTime: buf.readUInt16LE(offset + 12),
    crc32: buf.readUInt32LE(offset + 16),
    compressedSize: z.compressedSize,
    uncompressedSize: z.uncompressedSize,
    nameBytes: buf.subarray(nameStart, nameStart + nameLength),
    extra,
    externalAttributes: buf.readUInt32LE(offset + 38),
    localHeaderOffset: z.localHeaderOffset,
    zip64Missing: z.missing,
    usesZip64: z.used,
  };
}

export function readLocalHeader(buf: Buffer, offset: number): LocalHeader | undefined {
  if (offset < 0 || offset + LOCAL_HEADER_SIZE > buf.length || buf.readUInt32LE(offset) !== SIG_LOCAL) return undefined;
  const nameLength = buf.readUInt16LE(offset + 26);
  const extraLength = buf.readUInt16LE(offset + 28);
  const nameStart = offset + LOCAL_HEADER_SIZE;
  const dataStart = nameStart + nameLength + extraLength;
  if (dataStart > buf.length) return undefined;
  const extra = readExtraFields(buf.subarray(nameStart + nameLength, dataStart));
  // A local zip64 field holds both sizes whenever either is 0xFFFFFFFF (APPNOTE 4.5.3).
  const usize = buf.readUInt32LE(offset + 22);
  const csize = buf.readUInt32LE(offset + 18);
  const both = usize === U32_MAX || csize === U32_MAX;
  const z = both ? resolveZip64(extra.zip64, U32_MAX, U32_MAX, 0) : resolveZip64(undefined, usize, csize, 0);
  return {
    offset,
    dataStart,
    versionNeeded: buf.readUInt16LE(offset + 4),
    flags: buf.readUInt16LE(offset + 6),
    method: buf.readUInt16LE(offset + 8),
    modTime: buf.readUInt16LE(offset + 10),
    crc32: buf.readUInt32LE(offset + 14),
    compressedSize: z.compressedSize,
    uncompressedSize: z.uncompressedSize,
    nameBytes: buf.subarray(nameStart, nameStart + nameLength),
    extra,
    zip64Missing: z.missing,
    usesZip64: z.used || extra.zip64 !== undefined,
  };
}

/**
 * Reads the data descriptor that follows an entry's data (flag bit 3): the
 * signature is optional and sizes are 8 bytes for zip64 entries. `expected`
 * (from the central directory), when known, picks between the layouts that fit.
 */
export function readDataDescriptor(buf: Buffer, offset: number, zip64: boolean, expected?: { crc32: number; compressedSize: number }): DataDescriptor | undefined {
  const layouts: { sig: boolean; wide: boolean }[] = [
    { sig: true, wide: zip64 },
    { sig: false, wide: zip64 },
    { sig: true, wide: !zip64 },
    { sig: false, wide: !zip64 },
  ];
  let fallback: DataDescriptor | undefined;
  for (const { sig, wide } of layouts) {
    const length = (sig ? 4 : 0) + 4 + (wide ? 16 : 8);
    if (offset < 0 || offset + length > buf.length) continue;
    if (sig && buf.readUInt32LE(offset) !== SIG_DESCRIPTOR) continue;
    const p = offset + (sig ? 4 : 0);
    const descriptor: DataDescriptor = {
      offset,
      length,
      crc32: buf.readUInt32LE(p),
      compressedSize: wide ? readU64(buf, p + 4) : buf.readUInt32LE(p + 4),
      uncompressedSize: wide ? readU64(buf, p + 12) : buf.readUInt32LE(p + 8),
    };
    if (expected === undefined || (descriptor.crc32 === expected.crc32 && descriptor.compressedSize === expected.compressedSize)) return descriptor;
    fallback ??= descriptor;
  }
  return fallback;
}
