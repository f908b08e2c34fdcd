/**
 * Reads what an RTF `\objdata` blob holds: an OLE 1.0 EmbeddedObject header
 * ([MS-OLEDS] 2.2.4), the native data after it, an OLE Packager payload
 * inside that, and the root CLSID of an OLE compound file. Every length is
 * checked against the bytes really present.
 */
import { Buffer } from 'node:buffer';

export interface Ole1Object {
  /** ClassName from the OLE1 header (e.g. `Equation.3`), raw. */
  readonly className?: string;
  readonly formatId?: number;
  /** Native data (the embedded object itself); the whole blob when there is no OLE1 header. */
  readonly native: Buffer;
  /** NativeDataSize as declared, when it disagrees with the bytes present. */
  readonly declaredSize?: number;
}

const OLE_MAGIC = Buffer.from('d0cf11e0a1b11ae1', 'hex');
// ClassName/TopicName/ItemName are short ProgIDs; a longer one is not an OLE1 header.
const MAX_ANSI_STRING = 4096;

/** Parses an OLE1 EmbeddedObject; falls back to treating the blob as native data. */
export function parseOle1(blob: Buffer): Ole1Object {
  if (blob.length < 12 || blob.subarray(0, 8).equals(OLE_MAGIC)) return { native: blob };
  let offset = 4;
  const formatId = blob.readUInt32LE(offset);
  offset += 4;
  const className = readLengthPrefixed(blob, offset);
  if (className === undefined) return { native: blob };
  offset = className.next;
  if (formatId !== 2) return { className: className.value, formatId, native: blob.subarray(offset) };
  const topic = readLengthPrefixed(blob, offset);
  const item = topic === undefined ? undefined : readLengthPrefixed(blob, topic.next);
  if (item === undefined || item.next + 4 > blob.length) return { className: className.value, formatId, native: blob.subarray(offset) };
  const size = blob.readUInt32LE(item.next);
  const start = item.next + 4;
  const native = blob.subarray(start, start + Math.min(size, blob.length - start));
  return size === native.length ? { className: className.value, formatId, native } : { className: className.value, formatId, native, declaredSize: size };
}

function readLengthPrefixed(blob: Buffer, offset: number): { value: string; next: number } | undefined {
  if (offset + 4 > blob.length) return undefined;
  const length = blob.readUInt32LE(offset);
  if (length > MAX_ANSI_STRING || offset + 4 + length > blob.length) return undefined;
  const value = blob.toString('latin1', offset + 4, offset + 4 + length).replace(/\0+$/, '');
  return { value, next: offset + 4 + length };
}

export interface PackagedFile {
  readonly label: string;
  readonly content: Buffer;
  readonly declaredSize: number;
}

/** OLE Packager native data: label, source path, temp path, then the file ([MS-OLEDS] Ole10Native layout, as Packager writes it). */
export function parsePackage(native: Buffer): PackagedFile | undefined {
  if (native.length < 2 || native.readUInt16LE(0) !== 2) return undefined;
  let offset = 2;
  const label = readCString(native, offset);
  if (label === undefined) return undefined;
  const source = readCString(native, label.next);
  if (source === undefined || source.next + 8 > native.length) return undefined;
  offset = source.next + 4;
  const tempLength = native.readUInt32LE(offset);
  offset += 4;
  if (offset + tempLength + 4 > native.length) return undefined;
  offset += tempLength;
  const size = native.readUInt32LE(offset);
  offset += 4;
  const content = native.subarray(offset, offset + Math.min(size, native.length - offset));
  const name = label.value !== '' ? label.value : source.value.split(/[\\/]/).pop() ?? '';
  return { label: name, content, declaredSize: size };
}

function readCString(buf: Buffer, offset: number): { value: string; next: number } | undefined {
  const end = buf.indexOf(0, offset);
  if (end < 0 || end - offset > MAX_ANSI_STRING) return undefined;
  return { value: buf.toString('latin1', offset, end), next: end + 1 };
}

/** Root-entry CLSID of an OLE compound file ([MS-CFB] 2.2, 2.6.1), canonical lower-case, or undefined. */
export function readRootClsid(native: Buffer): string | undefined {
  if (native.length < 512 || !native.subarray(0, 8).equals(OLE_MAGIC)) return undefined;
  const shift = native.readUInt16LE(0x1e);
  if (shift !== 9 && shift !== 12) return undefined;
  const firstDirSector = native.readUInt32LE(0x30);
  const entry = (firstDirSector + 1) * (1 << shift);
  if (!Number.isSafeInteger(entry) || entry + 0x60 > native.length) return undefined;
  return formatGuid(native, entry + 0x50);
}

/** Formats 16 bytes at `offset` as a GUID (first three fields little-endian). */
export function formatGuid(buf: Buffer, offset: number): string {
  const hex = (start: number, end: number, reverse: boolean): string => {
    const bytes = [...buf.subarray(offset + start, offset + end)];
    return (reverse ? bytes.reverse() : bytes).map((b) => b.toString(16).padStart(2, '0')).join('');
  };
  return `${hex(0, 4, true)}-${hex(4, 6, true)}-${hex(6, 8, true)}-${hex(8, 10, false)}-${hex(10, 16, false)}`;
}

/** The 16 on-disk bytes of a canonical GUID string (inverse of formatGuid). */
export function guidBytes(guid: string): Buffer {
  const [a = '', b = '', c = '', d = '', e = ''] = guid.split('-');
  const le = (hex: string): Buffer => Buffer.from(hex, 'hex').reverse();
  return Buffer.concat([le(a), le(b), le(c), Buffer.from(d + e, 'hex')]);
}
