/**
 * Which of the libarchive long-tail formats a buffer holds, by content only
 * (never by name). zip, tar and gzip are left to their own dissectors.
 */

export type LibarchiveFormat = '7z' | 'rar4' | 'rar5' | 'cab' | 'iso9660' | 'udf';

/** Volume descriptors of an ISO 9660 / UDF image (ECMA-119 8.1, ECMA-167 2/9.1). */
export interface VolumeFacts {
  /** A `CD001` descriptor: libarchive can read the ISO 9660 tree. */
  readonly iso9660: boolean;
  /** A `NSR02`/`NSR03` descriptor: a UDF file system, which Windows mounts in preference to ISO 9660. */
  readonly udf: boolean;
}

const SIGNATURES: readonly { readonly format: LibarchiveFormat; readonly bytes: readonly number[] }[] = [
  // 7-Zip signature header (7zFormat.txt).
  { format: '7z', bytes: [0x37, 0x7a, 0xbc, 0xaf, 0x27, 0x1c] },
  // RAR 5.0: "Rar!\x1a\x07\x01\x00"; RAR 1.5-4.x: "Rar!\x1a\x07\x00" (RARLAB technote).
  { format: 'rar5', bytes: [0x52, 0x61, 0x72, 0x21, 0x1a, 0x07, 0x01, 0x00] },
  { format: 'rar4', bytes: [0x52, 0x61, 0x72, 0x21, 0x1a, 0x07, 0x00] },
  // Microsoft cabinet: "MSCF" then reserved1 (always 0) [MS-CAB] 2.1.
  { format: 'cab', bytes: [0x4d, 0x53, 0x43, 0x46, 0x00, 0x00, 0x00, 0x00] },
];

const SECTOR = 2048;
// Volume descriptors start at sector 16; the recognition sequence is short, so
// bound the scan (a real sequence has a handful of descriptors).
const FIRST_DESCRIPTOR_SECTOR = 16;
const MAX_DESCRIPTORS = 32;

function startsWith(content: Uint8Array, bytes: readonly number[], offset = 0): boolean {
  if (content.length < offset + bytes.length) return false;
  for (let i = 0; i < bytes.length; i++) {
    if (content[offset + i] !== bytes[i]) return false;
  }
  return true;
}

function identifierAt(content: Uint8Array, offset: number): string {
  if (content.length < offset + 6) return '';
  return String.fromCharCode(...content.subarray(offset + 1, offset + 6));
}

/** Reads the volume recognition sequence from sector 16 on (bounded by the buffer and 32 descriptors). */
export function readVolumeFacts(content: Uint8Array): VolumeFacts {
  let iso9660 = false;
  let udf = false;
  for (let i = 0; i < MAX_DESCRIPTORS; i++) {
    const id = identifierAt(content, (FIRST_DESCRIPTOR_SECTOR + i) * SECTOR);
    if (id === 'CD001') {
      iso9660 = true;
      // Type 255 is the set terminator; UDF's extended area (BEA01...) may follow it.
    } else if (id === 'NSR02' || id === 'NSR03') {
      udf = true;
    } else if (id !== 'BEA01' && id !== 'TEA01' && id !== 'BOOT2' && id !== 'CDW02') {
      break;
    }
  }
  return { iso9660, udf };
}

/** The long-tail format of `content`, or undefined when it is none of them. */
export function detectLibarchiveFormat(content: Uint8Array): LibarchiveFormat | undefined {
  for (const signature of SIGNATURES) {
    if (startsWith(content, signature.bytes)) return signature.format;
  }
  const volume = readVolumeFacts(content);
  if (volume.iso9660) return 'iso9660';
  if (volume.udf) return 'udf';
  return undefined;
}

// Container headers a tool might read instead of the image when it parses the ISO
// 9660 system area (sectors 0-15, free for any data): zip, 7z, rar, cab, gzip at
// offset 0, ustar at 257 (POSIX.1-1988), MZ executables.
const SYSTEM_AREA_SIGNATURES: readonly { readonly name: string; readonly offset: number; readonly bytes: readonly number[] }[] = [
  { name: 'zip', offset: 0, bytes: [0x50, 0x4b, 0x03, 0x04] },
  { name: '7z', offset: 0, bytes: [0x37, 0x7a, 0xbc, 0xaf, 0x27, 0x1c] },
  { name: 'rar', offset: 0, bytes: [0x52, 0x61, 0x72, 0x21, 0x1a, 0x07] },
  { name: 'cab', offset: 0, bytes: [0x4d, 0x53, 0x43, 0x46] },
  { name: 'gzip', offset: 0, bytes: [0x1f, 0x8b] },
  { name: 'tar', offset: 257, bytes: [0x75, 0x73, 0x74, 0x61, 0x72] },
  { name: 'PE executable', offset: 0, bytes: [0x4d, 0x5a] },
];

/** Another container's header in an image's system area (a polyglot two tools read differently). */
export function findSystemAreaContainer(content: Uint8Array): string | undefined {
  return SYSTEM_AREA_SIGNATURES.find((s) => startsWith(content, s.bytes, s.offset))?.name;
}
