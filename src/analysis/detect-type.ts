/**
 * Content type detection: `file-type` plus our own sniffers for what it misses
 * or what matters too much to leave to it (PE, disk images, tar by header
 * checksum, shortcuts, scripts, HTML/HTA). The content decides, never the name.
 */
import { Buffer } from 'node:buffer';
import { fileTypeFromBuffer } from 'file-type';

export interface DetectedType {
  /** MIME type of the content. */
  readonly type: string;
  /** Extension the content type implies, lower-case, without a dot. */
  readonly extension: string;
}

export interface Detection {
  readonly detected?: DetectedType;
  /** Set when `file-type` refused the content (a container built to break parsers); escaped-safe text. */
  readonly failure?: string;
}

type Sniffer = (content: Buffer) => DetectedType | undefined;

// How far into a text file we look for an HTML/HTA start; real documents open with it.
const TEXT_SNIFF_BYTES = 1024;

const PE: Sniffer = (c) => {
  // MZ stub, then e_lfanew at 0x3c pointing at "PE\0\0" (PE/COFF spec 3.2 / 3.3).
  if (c.length < 0x40 || c[0] !== 0x4d || c[1] !== 0x5a) return undefined;
  const peOffset = c.readUInt32LE(0x3c);
  if (peOffset > c.length - 24 || c.readUInt32BE(peOffset) !== 0x50450000) return undefined;
  const characteristics = c.readUInt16LE(peOffset + 4 + 18);
  // IMAGE_FILE_DLL
  return (characteristics & 0x2000) !== 0
    ? { type: 'application/x-msdownload', extension: 'dll' }
    : { type: 'application/x-msdownload', extension: 'exe' };
};

const ISO9660: Sniffer = (c) => {
  // Volume descriptors start at sector 16 (0x8000); "CD001" (ISO 9660) or "BEA01" (UDF) follows the type byte.
  for (const offset of [0x8001, 0x8801, 0x9001]) {
    const id = c.toString('latin1', offset, offset + 5);
    if (id === 'CD001' || id === 'BEA01') return { type: 'application/x-iso9660-image', extension: 'iso' };
  }
  return undefined;
};

const VHD: Sniffer = (c) => {
  const head = c.toString('latin1', 0, 8);
  if (head === 'vhdxfile') return { type: 'application/x-vhdx', extension: 'vhdx' };
  if (head === 'conectix') return { type: 'application/x-vhd', extension: 'vhd' };
  return undefined;
};

const TAR: Sniffer = (c) => {
  if (c.length < 512) return undefined;
  const magic = c.toString('latin1', 257, 263);
  if (magic === 'ustar\0' || magic === 'ustar ') return { type: 'application/x-tar', extension: 'tar' };
  // Pre-POSIX (v7) tar has no magic: the header checksum is the only sign (CVE-2023-2868 lesson: detect tar by content).
  const stored = parseOctal(c.subarray(148, 156));
  if (stored === undefined || c[0] === 0) return undefined;
  let sum = 0;
  for (let i = 0; i < 512; i++) sum += i >= 148 && i < 156 ? 0x20 : (c[i] ?? 0);
  return sum === stored ? { type: 'application/x-tar', extension: 'tar' } : undefined;
};

const LNK_MAGIC = Buffer.from('4c0000000114020000000000c000000000000046', 'hex');
const LNK: Sniffer = (c) =>
  c.length >= LNK_MAGIC.length && c.subarray(0, LNK_MAGIC.length).equals(LNK_MAGIC)
    ? { type: 'application/x-ms-shortcut', extension: 'lnk' }
    : undefined;

const SHEBANG: Sniffer = (c) => {
  const start = hasUtf8Bom(c) ? 3 : 0;
  return c[start] === 0x23 && c[start + 1] === 0x21 ? { type: 'text/x-shellscript', extension: 'sh' } : undefined;
};

// Order matters: an HTA is HTML with an <hta:application> element, so it is tested first.
const MARKUP: readonly { readonly marker: string; readonly anywhere: boolean; readonly result: DetectedType }[] = [
  { marker: '<hta:application', anywhere: true, result: { type: 'application/hta', extension: 'hta' } },
  { marker: '<!doctype html', anywhere: false, result: { type: 'text/html', extension: 'html' } },
  { marker: '<html', anywhere: false, result: { type: 'text/html', extension: 'html' } },
  { marker: '<head', anywhere: false, result: { type: 'text/html', extension: 'html' } },
  { marker: '<body', anywhere: false, result: { type: 'text/html', extension: 'html' } },
  { marker: '<script', anywhere: false, result: { type: 'text/html', extension: 'html' } },
];

const HTML: Sniffer = (c) => {
  const text = c.toString('latin1', 0, Math.min(c.length, TEXT_SNIFF_BYTES)).toLowerCase();
  const trimmed = text.replace(/^(\u00ef\u00bb\u00bf)?[\s]*/, '');
  for (const { marker, anywhere, result } of MARKUP) {
    if (anywhere ? text.includes(marker) : trimmed.startsWith(marker)) return result;
  }
  return undefined;
};

// Tried before file-type: structures it labels too coarsely (MZ = exe) or not at all (disk images).
const BEFORE: readonly Sniffer[] = [PE, ISO9660, VHD];
// Tried when file-type found nothing: weaker, mostly textual signs.
const AFTER: readonly Sniffer[] = [TAR, LNK, SHEBANG, HTML];

/** Detects the type of `content` from its bytes. Never throws on hostile content. */
export async function detectType(content: Uint8Array): Promise<Detection> {
  const c = Buffer.isBuffer(content) ? content : Buffer.from(content.buffer, content.byteOffset, content.length);
  if (c.length === 0) return {};
  for (const sniff of BEFORE) {
    const hit = sniff(c);
    if (hit !== undefined) return { detected: hit };
  }
  let failure: string | undefined;
  try {
    const result = await fileTypeFromBuffer(c);
    if (result !== undefined) return { detected: { type: result.mime, extension: result.ext } };
  } catch (err) {
    // file-type throws on containers whose sizes or offsets break its hard limits: hostile or broken input.
    failure = err instanceof Error ? err.name : 'unknown error';
  }
  for (const sniff of AFTER) {
    const hit = sniff(c);
    if (hit !== undefined) return failure === undefined ? { detected: hit } : { detected: hit, failure };
  }
  return failure === undefined ? {} : { failure };
}

function parseOctal(field: Buffer): number | undefined {
  const text = field.toString('latin1').replace(/[\0 ]+$/, '').trim();
  return /^[0-7]{1,8}$/.test(text) ? Number.parseInt(text, 8) : undefined;
}

function hasUtf8Bom(c: Buffer): boolean {
  return c[0] === 0xef && c[1] === 0xbb && c[2] === 0xbf;
}
