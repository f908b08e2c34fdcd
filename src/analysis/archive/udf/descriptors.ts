/**
 * Low-level UDF (ECMA-167 / OSTA UDF 2.01) structures: descriptor tags with
 * checksum and CRC, allocation descriptors, OSTA compressed Unicode names.
 * Every read is bounded by the real buffer; nothing here trusts a length.
 */

export const SECTOR = 2048;

/** Descriptor tag identifiers (ECMA-167 3/7.2.1, 4/7.2.1). */
export const TAG = {
  PRIMARY_VOLUME: 1,
  ANCHOR: 2,
  POINTER: 3,
  IMPLEMENTATION_USE: 4,
  PARTITION: 5,
  LOGICAL_VOLUME: 6,
  UNALLOCATED_SPACE: 7,
  TERMINATING: 8,
  FILE_SET: 256,
  FILE_ID: 257,
  ALLOCATION_EXTENT: 258,
  FILE_ENTRY: 261,
  EXTENDED_FILE_ENTRY: 266,
} as const;

export interface Tag {
  readonly id: number;
  readonly crcLength: number;
  readonly location: number;
}

export type TagResult = { readonly ok: true; readonly tag: Tag } | { readonly ok: false; readonly reason: string };

export function readU16(b: Uint8Array, o: number): number {
  return (b[o] ?? 0) | ((b[o + 1] ?? 0) << 8);
}

export function readU32(b: Uint8Array, o: number): number {
  return ((b[o] ?? 0) | ((b[o + 1] ?? 0) << 8) | ((b[o + 2] ?? 0) << 16)) + (b[o + 3] ?? 0) * 0x1000000;
}

/** A 64-bit length as a number; values past 2^53 become Infinity so every bound refuses them. */
export function readU64(b: Uint8Array, o: number): number {
  const high = readU32(b, o + 4);
  if (high >= 0x200000) return Number.POSITIVE_INFINITY;
  return high * 0x100000000 + readU32(b, o);
}

/** Tag checksum: sum of bytes 0-3 and 5-15 modulo 256 (ECMA-167 3/7.2.3). */
export function computeTagChecksum(b: Uint8Array, o: number): number {
  let sum = 0;
  for (let i = 0; i < 16; i++) if (i !== 4) sum += b[o + i] ?? 0;
  return sum & 0xff;
}

/** CRC-16/CCITT (x^16 + x^12 + x^5 + 1, initial 0) as ECMA-167 3/7.2.6 specifies. */
export function computeCrc(b: Uint8Array, start: number, length: number): number {
  let crc = 0;
  for (let i = start; i < start + length; i++) {
    crc ^= (b[i] ?? 0) << 8;
    for (let bit = 0; bit < 8; bit++) crc = crc & 0x8000 ? ((crc << 1) ^ 0x1021) & 0xffff : (crc << 1) & 0xffff;
  }
  return crc;
}

/**
 * Reads and verifies the tag at `o`: checksum, CRC over the descriptor body
 * (when it fits the buffer) and, when given, the expected id and location.
 */
export function readTag(b: Uint8Array, o: number, expectedLocation?: number): TagResult {
  if (o < 0 || o + 16 > b.length) return { ok: false, reason: 'descriptor tag outside the image' };
  if (computeTagChecksum(b, o) !== b[o + 4]) return { ok: false, reason: 'bad descriptor tag checksum' };
  const tag: Tag = { id: readU16(b, o), crcLength: readU16(b, o + 10), location: readU32(b, o + 12) };
  // An all-zero block passes the checksum and CRC; identifier 0 is not a descriptor.
  if (tag.id === 0) return { ok: false, reason: 'no descriptor (identifier 0)' };
  if (o + 16 + tag.crcLength > b.length) return { ok: false, reason: 'descriptor CRC range outside the image' };
  if (computeCrc(b, o + 16, tag.crcLength) !== readU16(b, o + 8)) return { ok: false, reason: 'bad descriptor CRC' };
  if (expectedLocation !== undefined && tag.location !== expectedLocation) {
    return { ok: false, reason: `descriptor records location ${tag.location}, found at ${expectedLocation}` };
  }
  return { ok: true, tag };
}

/** Extent type in the top two bits of an allocation descriptor length (ECMA-167 4/14.14.1.1). */
export type ExtentType = 'recorded' | 'allocated' | 'sparse' | 'continuation';
const EXTENT_TYPES: readonly ExtentType[] = ['recorded', 'allocated', 'sparse', 'continuation'];

export interface Extent {
  readonly type: ExtentType;
  readonly length: number;
  readonly block: number;
  /** Partition reference (long_ad); short_ad extents use the ICB's own partition. */
  readonly partition: number;
}

function extentFrom(rawLength: number, block: number, partition: number): Extent {
  return { type: EXTENT_TYPES[rawLength >>> 30] ?? 'recorded', length: rawLength & 0x3fffffff, block, partition };
}

/** short_ad (8 bytes, ECMA-167 4/14.14.1). */
export function readShortAd(b: Uint8Array, o: number, partition: number): Extent {
  return extentFrom(readU32(b, o), readU32(b, o + 4), partition);
}

/** long_ad (16 bytes, ECMA-167 4/14.14.2). */
export function readLongAd(b: Uint8Array, o: number): Extent {
  return extentFrom(readU32(b, o), readU32(b, o + 4), readU16(b, o + 8));
}

/**
 * Decodes an OSTA compressed Unicode string (UDF 2.1.1): compression ID 8
 * is one byte per character (Latin-1), 16 is UTF-16BE. Anything else is
 * undefined (the caller reports it).
 */
export function decodeOstaName(b: Uint8Array): string | undefined {
  if (b.length === 0) return '';
  const id = b[0];
  if (id === 8) return String.fromCharCode(...b.subarray(1));
  if (id === 16) {
    if ((b.length - 1) % 2 !== 0) return undefined;
    let out = '';
    for (let i = 1; i + 1 < b.length; i += 2) out += String.fromCharCode(((b[i] ?? 0) << 8) | (b[i + 1] ?? 0));
    return out;
  }
  return undefined;
}

/** A dstring (fixed field, last byte = used length, UDF 2.1.3). */
export function decodeDstring(b: Uint8Array): string | undefined {
  if (b.length === 0) return '';
  const used = b[b.length - 1] ?? 0;
  if (used === 0) return '';
  if (used > b.length - 1) return undefined;
  return decodeOstaName(b.subarray(0, used));
}
