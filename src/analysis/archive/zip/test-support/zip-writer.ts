/**
 * Test support: a small zip writer that builds fixtures byte by byte, honest
 * ones (stored/deflate, data descriptors, zip64, ZipCrypto, WinZip AES,
 * CP437 and Unicode-path names) and, through the overrides, hostile ones
 * (local/central disagreement, lying sizes, shared offsets). Independent of
 * the reader: encryption here follows the published specifications directly.
 */
import { Buffer } from 'node:buffer';
import { createCipheriv, createHmac, pbkdf2Sync } from 'node:crypto';
import { crc32, deflateRawSync } from 'node:zlib';

export type Encryption =
  | { readonly kind: 'zipcrypto'; readonly password: string }
  | { readonly kind: 'aes'; readonly password: string; readonly strength?: 1 | 2 | 3; readonly version?: 1 | 2 };

export interface HeaderOverrides {
  readonly name?: string | Uint8Array;
  readonly method?: number;
  readonly flags?: number;
  readonly crc32?: number;
  readonly compressedSize?: number;
  readonly uncompressedSize?: number;
  readonly localHeaderOffset?: number;
}

export interface WriterEntry {
  /** A string is written as UTF-8 (flag bit 11 set when it is not ASCII); bytes are written as given (CP437). */
  readonly name: string | Uint8Array;
  readonly data?: string | Uint8Array;
  readonly method?: 0 | 8;
  readonly utf8Flag?: boolean;
  readonly descriptor?: 'signed' | 'unsigned';
  readonly zip64?: boolean;
  readonly encrypt?: Encryption;
  /** Adds an Info-ZIP Unicode path field (0x7075) with this name; `staleCrc` breaks its name CRC. */
  readonly unicodePath?: { readonly name: string; readonly staleCrc?: boolean };
  /** Unix st_mode for the external attributes ("made by" Unix). */
  readonly unixMode?: number;
  /** Written only in the local header. */
  readonly local?: HeaderOverrides;
  /** Written only in the central directory record. */
  readonly central?: HeaderOverrides;
  /** Pre-compressed data written as is (for crafted streams); `data` then only sets CRC and size. */
  readonly rawData?: Uint8Array;
}

export interface ZipOptions {
  readonly comment?: string | Uint8Array;
  readonly prepend?: Uint8Array;
  readonly append?: Uint8Array;
  /** Write the zip64 end record and locator even when nothing needs them. */
  readonly zip64End?: boolean;
  /** Entry count written in the end record. */
  readonly declaredCount?: number;
  /** Offsets are written relative to the zip start (as a self-extractor built by concatenation). */
  readonly relativeOffsets?: boolean;
}

export interface WrittenZip {
  readonly bytes: Buffer;
  /** Each entry's central record, with the offsets this zip used (to splice into other directories). */
  readonly centrals: readonly Buffer[];
  readonly localOffsets: readonly number[];
  readonly cdOffset: number;
  readonly cdSize: number;
}

const DOS_TIME = 0x6a3c;
const DOS_DATE = 0x5a21;
const U32 = 0xffffffff;

/** Builds a zip; see WriterEntry for the knobs. */
export function writeZip(entries: readonly WriterEntry[], options: ZipOptions = {}): WrittenZip {
  const prepend = Buffer.from(options.prepend ?? new Uint8Array(0));
  const parts: Buffer[] = [prepend];
  const centrals: Buffer[] = [];
  const localOffsets: number[] = [];
  const shift = options.relativeOffsets === true ? 0 : prepend.length;
  let pos = prepend.length;
  let anyZip64 = options.zip64End === true;
  for (const entry of entries) {
    const prepared = prepare(entry);
    localOffsets.push(pos);
    const localBytes = localRecord(entry, prepared);
    parts.push(localBytes);
    centrals.push(centralRecord(entry, prepared, pos - prepend.length + shift));
    pos += localBytes.length;
    anyZip64 ||= entry.zip64 === true;
  }
  const cdOffset = pos;
  const cd = Buffer.concat(centrals);
  parts.push(cd);
  pos += cd.length;
  const count = options.declaredCount ?? entries.length;
  const cdOffsetField = cdOffset - prepend.length + shift;
  if (anyZip64) {
    const eocd64 = Buffer.alloc(56);
    eocd64.writeUInt32LE(0x06064b50, 0);
    eocd64.writeBigUInt64LE(44n, 4);
    eocd64.writeUInt16LE(45, 12);
    eocd64.writeUInt16LE(45, 14);
    eocd64.writeBigUInt64LE(BigInt(count), 24);
    eocd64.writeBigUInt64LE(BigInt(count), 32);
    eocd64.writeBigUInt64LE(BigInt(cd.length), 40);
    eocd64.writeBigUInt64LE(BigInt(cdOffsetField), 48);
    const locator = Buffer.alloc(20);
    locator.writeUInt32LE(0x07064b50, 0);
    locator.writeBigUInt64LE(BigInt(pos - prepend.length + shift), 8);
    locator.writeUInt32LE(1, 16);
    parts.push(eocd64, locator);
    pos += 76;
  }
  parts.push(endRecord({ count: anyZip64 ? 0xffff : count, cdSize: anyZip64 ? U32 : cd.length, cdOffset: anyZip64 ? U32 : cdOffsetField, comment: options.comment }));
  if (options.append !== undefined) parts.push(Buffer.from(options.append));
  return { bytes: Buffer.concat(parts), centrals, localOffsets, cdOffset, cdSize: cd.length };
}

/** An end of central directory record. */
export function endRecord(fields: { count: number; cdSize: number; cdOffset: number; comment?: string | Uint8Array | undefined; commentLength?: number }): Buffer {
  const comment = toBytes(fields.comment ?? '');
  const b = Buffer.alloc(22);
  b.writeUInt32LE(0x06054b50, 0);
  b.writeUInt16LE(Math.min(fields.count, 0xffff), 8);
  b.writeUInt16LE(Math.min(fields.count, 0xffff), 10);
  b.writeUInt32LE(fields.cdSize >>> 0, 12);
  b.writeUInt32LE(fields.cdOffset >>> 0, 16);
  b.writeUInt16LE(fields.commentLength ?? comment.length, 20);
  return Buffer.concat([b, comment]);
}

interface Prepared {
  readonly nameBytes: Buffer;
  readonly flags: number;
  readonly method: number;
  readonly crc: number;
  readonly size: number;
  readonly payload: Buffer;
  readonly aesExtra?: Buffer;
}

function prepare(entry: WriterEntry): Prepared {
  const data = toBytes(entry.data ?? '');
  const nameBytes = toBytes(entry.name);
  const nonAscii = typeof entry.name === 'string' && /[^\x00-\x7f]/.test(entry.name);
  let flags = (entry.utf8Flag ?? nonAscii) ? 0x0800 : 0;
  if (entry.descriptor !== undefined) flags |= 0x0008;
  const method = entry.method ?? 8;
  const crc = crc32(data);
  let payload = entry.rawData !== undefined ? Buffer.from(entry.rawData) : method === 8 ? deflateRawSync(data) : data;
  let headerMethod: number = method;
  let aesExtra: Buffer | undefined;
  if (entry.encrypt?.kind === 'zipcrypto') {
    flags |= 0x0001;
    const check = entry.descriptor !== undefined ? (DOS_TIME >>> 8) & 0xff : crc >>> 24;
    payload = encryptZipCrypto(payload, entry.encrypt.password, check);
  } else if (entry.encrypt?.kind === 'aes') {
    flags |= 0x0001;
    const strength = entry.encrypt.strength ?? 3;
    const version = entry.encrypt.version ?? 2;
    payload = encryptAes(payload, entry.encrypt.password, strength);
    headerMethod = 99;
    aesExtra = Buffer.alloc(11);
    aesExtra.writeUInt16LE(0x9901, 0);
    aesExtra.writeUInt16LE(7, 2);
    aesExtra.writeUInt16LE(version, 4);
    aesExtra.write('AE', 6, 'latin1');
    aesExtra[8] = strength;
    aesExtra.writeUInt16LE(method, 9);
    return { nameBytes, flags, method: headerMethod, crc: version === 2 ? 0 : crc, size: data.length, payload, aesExtra };
  }
  return { nameBytes, flags, method: headerMethod, crc, size: data.length, payload };
}

function localRecord(entry: WriterEntry, p: Prepared): Buffer {
  const o = entry.local ?? {};
  const deferred = entry.descriptor !== undefined;
  const zip64 = entry.zip64 === true;
  const name = o.name === undefined ? p.nameBytes : toBytes(o.name);
  const extras: Buffer[] = [];
  if (zip64) {
    const z = Buffer.alloc(20);
    z.writeUInt16LE(0x0001, 0);
    z.writeUInt16LE(16, 2);
    if (!deferred) {
      z.writeBigUInt64LE(BigInt(p.size), 4);
      z.writeBigUInt64LE(BigInt(p.payload.length), 12);
    }
    extras.push(z);
  }
  if (p.aesExtra !== undefined) extras.push(p.aesExtra);
  if (entry.unicodePath !== undefined) extras.push(unicodeExtra(entry.unicodePath, p.nameBytes));
  const extra = Buffer.concat(extras);
  const h = Buffer.alloc(30);
  h.writeUInt32LE(0x04034b50, 0);
  h.writeUInt16LE(zip64 ? 45 : 20, 4);
  h.writeUInt16LE(o.flags ?? p.flags, 6);
  h.writeUInt16LE(o.method ?? p.method, 8);
  h.writeUInt16LE(DOS_TIME, 10);
  h.writeUInt16LE(DOS_DATE, 12);
  h.writeUInt32LE(o.crc32 ?? (deferred ? 0 : p.crc), 14);
  h.writeUInt32LE(o.compressedSize ?? (zip64 ? U32 : deferred ? 0 : p.payload.length), 18);
  h.writeUInt32LE(o.uncompressedSize ?? (zip64 ? U32 : deferred ? 0 : p.size), 22);
  h.writeUInt16LE(name.length, 26);
  h.writeUInt16LE(extra.length, 28);
  const parts = [h, name, extra, p.payload];
  if (deferred) {
    const wide = zip64;
    const d = Buffer.alloc((entry.descriptor === 'signed' ? 4 : 0) + 4 + (wide ? 16 : 8));
    let at = 0;
    if (entry.descriptor === 'signed') {
      d.writeUInt32LE(0x08074b50, 0);
      at = 4;
    }
    d.writeUInt32LE(p.crc, at);
    if (wide) {
      d.writeBigUInt64LE(BigInt(p.payload.length), at + 4);
      d.writeBigUInt64LE(BigInt(p.size), at + 12);
    } else {
      d.writeUInt32LE(p.payload.length, at + 4);
      d.writeUInt32LE(p.size, at + 8);
    }
    parts.push(d);
  }
  return Buffer.concat(parts);
}

function centralRecord(entry: WriterEntry, p: Prepared, offset: number): Buffer {
  const o = entry.central ?? {};
  const zip64 = entry.zip64 === true;
  const name = o.name === undefined ? p.nameBytes : toBytes(o.name);
  const extras: Buffer[] = [];
  if (zip64) {
    const z = Buffer.alloc(28);
    z.writeUInt16LE(0x0001, 0);
    z.writeUInt16LE(24, 2);
    z.writeBigUInt64LE(BigInt(o.uncompressedSize ?? p.size), 4);
    z.writeBigUInt64LE(BigInt(o.compressedSize ?? p.payload.length), 12);
    z.writeBigUInt64LE(BigInt(o.localHeaderOffset ?? offset), 20);
    extras.push(z);
  }
  if (p.aesExtra !== undefined) extras.push(p.aesExtra);
  if (entry.unicodePath !== undefined) extras.push(unicodeExtra(entry.unicodePath, p.nameBytes));
  const extra = Buffer.concat(extras);
  const h = Buffer.alloc(46);
  h.writeUInt32LE(0x02014b50, 0);
  h.writeUInt16LE(entry.unixMode === undefined ? 20 : 0x0300 | 20, 4);
  h.writeUInt16LE(zip64 ? 45 : 20, 6);
  h.writeUInt16LE(o.flags ?? p.flags, 8);
  h.writeUInt16LE(o.method ?? p.method, 10);
  h.writeUInt16LE(DOS_TIME, 12);
  h.writeUInt16LE(DOS_DATE, 14);
  h.writeUInt32LE(o.crc32 ?? p.crc, 16);
  h.writeUInt32LE(zip64 ? U32 : (o.compressedSize ?? p.payload.length), 20);
  h.writeUInt32LE(zip64 ? U32 : (o.uncompressedSize ?? p.size), 24);
  h.writeUInt16LE(name.length, 28);
  h.writeUInt16LE(extra.length, 30);
  h.writeUInt32LE(entry.unixMode === undefined ? 0 : (entry.unixMode << 16) >>> 0, 38);
  h.writeUInt32LE(zip64 ? U32 : (o.localHeaderOffset ?? offset), 42);
  return Buffer.concat([h, name, extra]);
}

function unicodeExtra(path: { name: string; staleCrc?: boolean }, headerName: Buffer): Buffer {
  const name = Buffer.from(path.name, 'utf8');
  const b = Buffer.alloc(9 + name.length);
  b.writeUInt16LE(0x7075, 0);
  b.writeUInt16LE(5 + name.length, 2);
  b[4] = 1;
  b.writeUInt32LE((crc32(headerName) ^ (path.staleCrc === true ? 1 : 0)) >>> 0, 5);
  name.copy(b, 9);
  return b;
}

/** Traditional PKWARE encryption of `data` (APPNOTE 6.1.5), with a deterministic 11-byte random header. */
export function encryptZipCrypto(data: Uint8Array, password: string, checkByte: number): Buffer {
  const keys = [0x12345678, 0x23456789, 0x34567890];
  const crcByte = (crc: number, byte: number): number => {
    let c = (crc ^ byte) & 0xff;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    return (c ^ (crc >>> 8)) >>> 0;
  };
  const update = (byte: number): void => {
    keys[0] = crcByte(keys[0] ?? 0, byte);
    keys[1] = (Number((BigInt((keys[1] ?? 0) + ((keys[0] ?? 0) & 0xff)) * 134775813n + 1n) & 0xffffffffn)) >>> 0;
    keys[2] = crcByte(keys[2] ?? 0, (keys[1] ?? 0) >>> 24);
  };
  const streamByte = (): number => {
    const t = ((keys[2] ?? 0) | 2) & 0xffff;
    return Number((BigInt(t) * BigInt(t ^ 1)) >> 8n) & 0xff;
  };
  for (const byte of Buffer.from(password, 'utf8')) update(byte);
  const plain = Buffer.concat([Buffer.from([3, 1, 4, 1, 5, 9, 2, 6, 5, 3, 5, checkByte]), Buffer.from(data)]);
  const out = Buffer.alloc(plain.length);
  for (let i = 0; i < plain.length; i++) {
    const p = plain[i] ?? 0;
    out[i] = p ^ streamByte();
    update(p);
  }
  return out;
}

/** WinZip AES encryption: salt, verifier, AES-CTR (little-endian counter from 1), HMAC-SHA1-80. */
export function encryptAes(data: Uint8Array, password: string, strength: 1 | 2 | 3): Buffer {
  const keyLength = [0, 16, 24, 32][strength] ?? 32;
  const salt = Buffer.alloc(keyLength / 2, 0xa5);
  const derived = pbkdf2Sync(Buffer.from(password, 'utf8'), salt, 1000, 2 * keyLength + 2, 'sha1');
  const key = derived.subarray(0, keyLength);
  const out = Buffer.alloc(data.length);
  for (let block = 0; block * 16 < data.length; block++) {
    const counter = Buffer.alloc(16);
    counter.writeBigUInt64LE(BigInt(block + 1), 0);
    const cipher = createCipheriv(`aes-${keyLength * 8}-ecb`, key, null).setAutoPadding(false);
    const stream = cipher.update(counter);
    for (let i = 0; i < 16 && block * 16 + i < data.length; i++) out[block * 16 + i] = (data[block * 16 + i] ?? 0) ^ (stream[i] ?? 0);
  }
  const mac = createHmac('sha1', derived.subarray(keyLength, 2 * keyLength)).update(out).digest().subarray(0, 10);
  return Buffer.concat([salt, derived.subarray(2 * keyLength), out, mac]);
}

function toBytes(value: string | Uint8Array): Buffer {
  return typeof value === 'string' ? Buffer.from(value, 'utf8') : Buffer.from(value);
}
