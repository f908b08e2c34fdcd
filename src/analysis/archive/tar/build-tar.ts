/**
 * Writes small tar archives in memory: test fixtures and the unpack
 * benchmark corpus. It writes whatever it is told (hostile names, bad
 * checksums, links), because that is what the tests need; it is never used
 * on message data.
 */
import { Buffer } from 'node:buffer';

export interface TarEntrySpec {
  readonly name: string;
  readonly content?: Uint8Array | string;
  /** ustar typeflag: '0' file (default), '1' hardlink, '2' symlink, '3' char device, '5' directory, '6' FIFO, 'x' pax, 'L' GNU long name. */
  readonly type?: string;
  readonly linkName?: string;
  /** Size field to write instead of the content length (to lie). */
  readonly declaredSize?: number;
  /** Write a wrong checksum. */
  readonly badChecksum?: boolean;
  /** Header format: ustar (default), gnu (`ustar  ` magic) or v7 (no magic). */
  readonly format?: 'ustar' | 'gnu' | 'v7';
  /** ustar prefix field. */
  readonly prefix?: string;
}

export interface BuildTarOptions {
  /** Omit the two end-of-archive blocks. */
  readonly noEnd?: boolean;
  /** Bytes appended after the end-of-archive blocks. */
  readonly trailer?: Uint8Array;
}

/** Builds a tar from `entries`, in order. Names longer than 100 bytes are cut: use a pax or `L` entry for those. */
export function buildTar(entries: readonly TarEntrySpec[], options: BuildTarOptions = {}): Buffer {
  const blocks: Buffer[] = [];
  for (const entry of entries) {
    const content = typeof entry.content === 'string' ? Buffer.from(entry.content, 'utf8') : Buffer.from(entry.content ?? new Uint8Array(0));
    blocks.push(buildHeader(entry, content.length));
    if (content.length > 0) {
      const padded = Buffer.alloc(Math.ceil(content.length / 512) * 512);
      content.copy(padded);
      blocks.push(padded);
    }
  }
  if (options.noEnd !== true) blocks.push(Buffer.alloc(1024));
  if (options.trailer !== undefined) blocks.push(Buffer.from(options.trailer));
  return Buffer.concat(blocks);
}

/** A pax extended header entry (`x`) carrying `records` for the entry that follows. */
export function paxEntry(records: Readonly<Record<string, string>>): TarEntrySpec {
  let body = '';
  for (const [key, value] of Object.entries(records)) {
    const rest = ` ${key}=${value}\n`;
    let length = Buffer.byteLength(rest) + 1;
    while (String(length).length + Buffer.byteLength(rest) !== length) length++;
    body += `${length}${rest}`;
  }
  return { name: 'PaxHeaders/entry', type: 'x', content: body };
}

function buildHeader(entry: TarEntrySpec, contentLength: number): Buffer {
  const h = Buffer.alloc(512);
  h.write(entry.name, 0, 100, 'utf8');
  h.write('0000644\0', 100, 'latin1');
  h.write('0000000\0', 108, 'latin1');
  h.write('0000000\0', 116, 'latin1');
  h.write(`${(entry.declaredSize ?? contentLength).toString(8).padStart(11, '0')}\0`, 124, 'latin1');
  h.write('00000000000\0', 136, 'latin1');
  h.write(entry.type ?? '0', 156, 'latin1');
  if (entry.linkName !== undefined) h.write(entry.linkName, 157, 100, 'utf8');
  const format = entry.format ?? 'ustar';
  if (format === 'ustar') h.write('ustar\x0000', 257, 'latin1');
  if (format === 'gnu') h.write('ustar  \0', 257, 'latin1');
  if (format === 'ustar' && entry.prefix !== undefined) h.write(entry.prefix, 345, 155, 'utf8');
  let sum = 0;
  for (let i = 0; i < 512; i++) sum += i >= 148 && i < 156 ? 0x20 : (h[i] ?? 0);
  if (entry.badChecksum === true) sum += 1;
  h.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 'latin1');
  return h;
}
