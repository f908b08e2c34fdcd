/**
 * One entry of a zip archive as one reading sees it, resolved from its
 * central record and local header: what to extract, from where, under which
 * name. Decoding of names (UTF-8 by flag bit 11, CP437 otherwise) lives here.
 */
import type { Buffer } from 'node:buffer';
import type { MemberKind } from '../../dissect/dissector.js';
import { decodeCp437 } from './cp437.js';
import type { AesInfo, HeaderFields } from './records.js';
import { FLAG_DESCRIPTOR, FLAG_UTF8, METHOD_AES } from './records.js';

/** What it takes to extract one entry's data. */
export interface ExtractParams {
  readonly flags: number;
  readonly method: number;
  readonly crc32: number;
  readonly compressedSize: number;
  readonly uncompressedSize: number;
  readonly dataStart: number;
  /** False for local-scan entries whose sizes are in a data descriptor we have not located (deflate finds its own end). */
  readonly sizeKnown: boolean;
  readonly aes?: AesInfo;
  /** ZipCrypto check bytes: the last decrypted header byte must be one of them (APPNOTE 6.1.6). */
  readonly checkBytes: readonly number[];
}

/** Another name (and possibly other data) under which a different reader would extract the entry. */
export interface EntryAlias {
  readonly name: string;
  /** Present when that reader would also extract different data (method, size or encryption differ). */
  readonly params?: ExtractParams;
}

export interface ZipEntry {
  readonly name: string;
  readonly kind: MemberKind;
  /** Offset of the local header (after any prepended-data adjustment). */
  readonly localOffset: number;
  /** First byte after the entry's data and descriptor; `localOffset` + header when the size is unknown. */
  readonly recordEnd: number;
  /** Undefined when the local header the central directory points at is missing. */
  readonly params?: ExtractParams;
  readonly aliases: readonly EntryAlias[];
  /** Declared sizes (for Member.declaredSize / compressedSize). */
  readonly declaredSize: number;
  readonly compressedSize: number;
  readonly encrypted: boolean;
  /** Index of an earlier entry of the same reading whose data range is exactly this one's. */
  sharesDataWith?: number;
}

/** Decodes a stored name: UTF-8 when flag bit 11 says so, CP437 (the specification's default) otherwise. */
export function decodeName(bytes: Buffer, flags: number): string {
  return (flags & FLAG_UTF8) !== 0 ? bytes.toString('utf8') : decodeCp437(bytes);
}

/** The extraction parameters a header (central or local) describes. */
export function paramsFrom(fields: HeaderFields, dataStart: number, sizeKnown: boolean): ExtractParams {
  const timeCheck = (fields.modTime >>> 8) & 0xff;
  const crcCheck = fields.crc32 >>> 24;
  // With a data descriptor the CRC is not known when the header is written, so Info-ZIP checks the time instead.
  const checkBytes = (fields.flags & FLAG_DESCRIPTOR) !== 0 ? [timeCheck, crcCheck] : [crcCheck, timeCheck];
  const base = {
    flags: fields.flags,
    method: fields.method,
    crc32: fields.crc32,
    compressedSize: fields.compressedSize,
    uncompressedSize: fields.uncompressedSize,
    dataStart,
    sizeKnown,
    checkBytes,
  };
  return fields.method === METHOD_AES && fields.extra.aes !== undefined ? { ...base, aes: fields.extra.aes } : base;
}

const S_IFMT = 0xf000;
const KIND_BY_MODE: Readonly<Record<number, MemberKind>> = {
  0x1000: 'fifo',
  0x2000: 'device',
  0x4000: 'directory',
  0x6000: 'device',
  0x8000: 'file',
  0xa000: 'symlink',
  0xc000: 'other',
};
// "Version made by" hosts whose external attributes carry a Unix st_mode in the high 16 bits (APPNOTE 4.4.2).
const UNIX_HOSTS: ReadonlySet<number> = new Set([3, 19]);
const MSDOS_DIRECTORY = 0x10;

/** The member kind from the host's file attributes, or from a trailing slash in the name. */
export function kindOf(name: string, versionMadeBy: number | undefined, externalAttributes: number | undefined): MemberKind {
  if (versionMadeBy !== undefined && externalAttributes !== undefined) {
    const host = versionMadeBy >>> 8;
    const mode = externalAttributes >>> 16;
    if (UNIX_HOSTS.has(host) && mode !== 0) {
      const kind = KIND_BY_MODE[mode & S_IFMT];
      if (kind !== undefined && kind !== 'file') return kind;
    } else if (host === 0 && (externalAttributes & MSDOS_DIRECTORY) !== 0) {
      return 'directory';
    }
  }
  return name.endsWith('/') || name.endsWith('\\') ? 'directory' : 'file';
}

/** Lower-cased text after the last dot of the last path segment ('' when none). */
export function extensionOf(name: string): string {
  const base = name.slice(Math.max(name.lastIndexOf('/'), name.lastIndexOf('\\')) + 1);
  const dot = base.lastIndexOf('.');
  return dot < 0 ? '' : base.slice(dot + 1).toLowerCase();
}
