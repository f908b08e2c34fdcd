/**
 * Deterministic builders for the fuzzer's seeds and the unpack benchmark's
 * corpus: zip (stored/deflate, data descriptors), tar (ustar, pax long names),
 * gzip, and MIME messages carrying them. Written byte by byte from the format
 * specifications (APPNOTE 4.3, POSIX ustar/pax) so no external tool is needed
 * and every run builds identical bytes from the same seed.
 */
import { Buffer } from 'node:buffer';
import { crc32, deflateRawSync, gzipSync } from 'node:zlib';

/** A small seeded PRNG (mulberry32): same seed, same stream, on every machine. */
export interface Rng {
  next(): number;
  int(maxExclusive: number): number;
  bytes(length: number): Buffer;
  pick<T>(items: readonly T[]): T;
}

export function createRng(seed: number): Rng {
  let state = seed >>> 0;
  const next = (): number => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (maxExclusive: number): number => Math.floor(next() * maxExclusive);
  return {
    next,
    int,
    bytes(length) {
      const out = Buffer.allocUnsafe(length);
      let i = 0;
      for (; i + 4 <= length; i += 4) out.writeUInt32LE(Math.floor(next() * 4294967296), i);
      for (; i < length; i++) out[i] = int(256);
      return out;
    },
    pick(items) {
      const item = items[int(items.length)];
      if (item === undefined) throw new Error('pick from an empty list');
      return item;
    },
  };
}

const WORDS = ['mail', 'gateway', 'invoice', 'report', 'quarterly', 'the', 'of', 'and', 'attachment', 'archive', 'member', 'scan', 'policy', 'verdict', 'delivery', 'spool', 'queue', 'header', 'budget', 'worker', 'limit', 'finding', 'artifact', 'message'];

/** English-like text (compresses about 3:1 with deflate, like real documents). */
export function textBytes(rng: Rng, length: number): Buffer {
  const parts: string[] = [];
  let size = 0;
  while (size < length) {
    const word = rng.int(12) === 0 ? `${rng.pick(WORDS)}.\n` : `${rng.pick(WORDS)} `;
    parts.push(word);
    size += word.length;
  }
  return Buffer.from(parts.join('').slice(0, length), 'latin1');
}

/** Incompressible bytes (images, already-compressed data). */
export function randomBytes(rng: Rng, length: number): Buffer {
  return rng.bytes(length);
}

export interface ArchiveEntry {
  readonly name: string;
  readonly content: Uint8Array;
  /** Zip only: 0 stored, 8 deflate (default 8). */
  readonly method?: 0 | 8;
  /** Tar only: type flag (default '0', regular file). */
  readonly typeflag?: string;
  /** Tar only: link target for type '1'/'2'. */
  readonly linkName?: string;
}

export interface ZipOptions {
  /** Write sizes and CRC in a data descriptor after each member (general purpose bit 3). */
  readonly dataDescriptor?: boolean;
}

// Fixed DOS date/time (2024-01-01 00:00) so builds are byte-identical.
const DOS_TIME = 0;
const DOS_DATE = ((2024 - 1980) << 9) | (1 << 5) | 1;

/** Builds a zip archive (APPNOTE.TXT 6.3.10: local headers, data, central directory, EOCD). */
export function buildZip(entries: readonly ArchiveEntry[], options: ZipOptions = {}): Buffer {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const entry of entries) {
    const name = Buffer.from(entry.name, 'utf8');
    const method = entry.method ?? 8;
    const data = method === 8 ? deflateRawSync(entry.content) : Buffer.from(entry.content);
    const crc = crc32(entry.content);
    // Bit 11: names are UTF-8; bit 3: sizes follow in a data descriptor.
    const flags = 0x0800 | (options.dataDescriptor === true ? 0x0008 : 0);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt16LE(flags, 6);
    local.writeUInt16LE(method, 8);
    local.writeUInt16LE(DOS_TIME, 10);
    local.writeUInt16LE(DOS_DATE, 12);
    if (options.dataDescriptor !== true) {
      local.writeUInt32LE(crc, 14);
      local.writeUInt32LE(data.length, 18);
      local.writeUInt32LE(entry.content.length, 22);
    }
    local.writeUInt16LE(name.length, 26);
    local.writeUInt16LE(0, 28);
    const parts = [local, name, data];
    if (options.dataDescriptor === true) {
      const descriptor = Buffer.alloc(16);
      descriptor.writeUInt32LE(0x08074b50, 0);
      descriptor.writeUInt32LE(crc, 4);
      descriptor.writeUInt32LE(data.length, 8);
      descriptor.writeUInt32LE(entry.content.length, 12);
      parts.push(descriptor);
    }
    const localBlock = Buffer.concat(parts);
    locals.push(localBlock);

    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE(0x031e, 4); // made by: Unix, 3.0
    central.writeUInt16LE(20, 6);
    central.writeUInt16LE(flags, 8);
    central.writeUInt16LE(method, 10);
    central.writeUInt16LE(DOS_TIME, 12);
    central.writeUInt16LE(DOS_DATE, 14);
    central.writeUInt32LE(crc, 16);
    central.writeUInt32LE(data.length, 20);
    central.writeUInt32LE(entry.content.length, 24);
    central.writeUInt16LE(name.length, 28);
    central.writeUInt32LE((0o100644 << 16) >>> 0, 38);
    central.writeUInt32LE(offset, 42);
    centrals.push(Buffer.concat([central, name]));
    offset += localBlock.length;
  }
  const directory = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(entries.length, 8);
  end.writeUInt16LE(entries.length, 10);
  end.writeUInt32LE(directory.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, directory, end]);
}

const BLOCK = 512;

function octal(value: number, width: number): string {
  return `${value.toString(8).padStart(width - 1, '0')}\0`;
}

function tarHeader(name: string, size: number, typeflag: string, linkName = ''): Buffer {
  const header = Buffer.alloc(BLOCK);
  header.write(name, 0, 100, 'utf8');
  header.write(octal(0o644, 8), 100, 'latin1');
  header.write(octal(0, 8), 108, 'latin1');
  header.write(octal(0, 8), 116, 'latin1');
  header.write(octal(size, 12), 124, 'latin1');
  header.write(octal(1_704_067_200, 12), 136, 'latin1');
  header.write('        ', 148, 'latin1');
  header.write(typeflag, 156, 1, 'latin1');
  header.write(linkName, 157, 100, 'utf8');
  header.write('ustar\0', 257, 'latin1');
  header.write('00', 263, 'latin1');
  header.write('moat', 265, 'latin1');
  header.write('moat', 297, 'latin1');
  let sum = 0;
  for (const byte of header) sum += byte;
  header.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 'latin1');
  return header;
}

function padded(content: Uint8Array): Buffer[] {
  const rest = content.length % BLOCK;
  return rest === 0 ? [Buffer.from(content)] : [Buffer.from(content), Buffer.alloc(BLOCK - rest)];
}

/** pax extended header record: "<len> path=<value>\n", where len counts itself. */
function paxRecord(key: string, value: string): string {
  const body = ` ${key}=${value}\n`;
  let length = Buffer.byteLength(body) + 1;
  while (String(length).length + Buffer.byteLength(body) !== length) length = String(length).length + Buffer.byteLength(body);
  return `${length}${body}`;
}

/** Builds a POSIX tar (ustar; names over 100 bytes get a pax `path` record). */
export function buildTar(entries: readonly ArchiveEntry[]): Buffer {
  const blocks: Buffer[] = [];
  for (const entry of entries) {
    const typeflag = entry.typeflag ?? '0';
    let name = entry.name;
    if (Buffer.byteLength(name) > 100) {
      const pax = Buffer.from(paxRecord('path', name), 'utf8');
      blocks.push(tarHeader('PaxHeader/long', pax.length, 'x'), ...padded(pax));
      name = name.slice(0, 90);
    }
    const size = typeflag === '0' ? entry.content.length : 0;
    blocks.push(tarHeader(name, size, typeflag, entry.linkName ?? ''));
    if (size > 0) blocks.push(...padded(entry.content));
  }
  blocks.push(Buffer.alloc(BLOCK * 2));
  return Buffer.concat(blocks);
}

/** gzip of `content` (RFC 1952), fixed header so the bytes do not depend on the clock. */
export function buildGzip(content: Uint8Array, level = 6): Buffer {
  return gzipSync(content, { level });
}

export interface MailAttachment {
  readonly fileName: string;
  readonly contentType: string;
  readonly content: Uint8Array;
  /** Raw Content-ID header value, when the part should carry one. */
  readonly contentId?: string;
}

/** A multipart/mixed message with a text part and base64 attachments (76-column lines, CRLF). */
export function buildMessage(subject: string, attachments: readonly MailAttachment[], boundary = 'moat-fuzz-boundary-0'): Buffer {
  const lines: string[] = [
    'From: sender@example.net',
    'To: rcpt@example.test',
    `Subject: ${subject}`,
    'Date: Mon, 01 Jan 2024 00:00:00 +0000',
    'Message-ID: <fuzz.0@example.net>',
    'MIME-Version: 1.0',
    `Content-Type: multipart/mixed; boundary="${boundary}"`,
    '',
    `--${boundary}`,
    'Content-Type: text/plain; charset=utf-8',
    '',
    'See attached.',
  ];
  for (const attachment of attachments) {
    lines.push(`--${boundary}`, `Content-Type: ${attachment.contentType}; name="${attachment.fileName}"`, `Content-Disposition: attachment; filename="${attachment.fileName}"`, 'Content-Transfer-Encoding: base64');
    if (attachment.contentId !== undefined) lines.push(`Content-ID: ${attachment.contentId}`);
    lines.push('');
    const encoded = Buffer.from(attachment.content).toString('base64');
    for (let i = 0; i < encoded.length; i += 76) lines.push(encoded.slice(i, i + 76));
  }
  lines.push(`--${boundary}--`, '');
  return Buffer.from(lines.join('\r\n'), 'latin1');
}
