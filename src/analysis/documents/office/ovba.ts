/**
 * VBA project structure ([MS-OVBA]): the run-length compression used for the
 * `dir` stream and module source, and the `dir` records that say where each
 * module's source starts. Output is bounded by the caller's limit because a
 * compressed container expands up to ~1300:1.
 */
import { Buffer } from 'node:buffer';

const CHUNK = 4096;

export interface Decompressed {
  readonly data: Buffer;
  /** True when the output reached `limit` before the input ended. */
  readonly truncated: boolean;
  /** True when the container is not valid MS-OVBA compression (the output is what decoded before). */
  readonly malformed: boolean;
}

/**
 * Decompresses an MS-OVBA CompressedContainer (2.4.1.3.1), producing at most
 * `limit` bytes. Never throws on malformed input.
 */
export function decompressOvba(input: Uint8Array, limit: number): Decompressed {
  const out: Buffer[] = [];
  let total = 0;
  if (input[0] !== 0x01) return { data: Buffer.alloc(0), truncated: false, malformed: true };
  let pos = 1;
  while (pos + 2 <= input.length) {
    const header = (input[pos] ?? 0) | ((input[pos + 1] ?? 0) << 8);
    if (((header >> 12) & 0x07) !== 0b011) return { data: Buffer.concat(out), truncated: false, malformed: true };
    const chunkEnd = Math.min(input.length, pos + (header & 0x0fff) + 3);
    pos += 2;
    // One chunk never decodes to more than 4096 bytes, so this allocation is fixed, not attacker-sized.
    const chunk = Buffer.alloc(CHUNK);
    let length = 0;
    let malformed = false;
    if ((header & 0x8000) === 0) {
      // Uncompressed chunk: its bytes are copied as they are (2.4.1.3.3).
      const raw = input.subarray(pos, Math.min(chunkEnd, pos + CHUNK));
      chunk.set(raw);
      length = raw.length;
    } else {
      while (pos < chunkEnd && !malformed) {
        const flags = input[pos++] ?? 0;
        for (let bit = 0; bit < 8 && pos < chunkEnd; bit++) {
          if ((flags & (1 << bit)) === 0) {
            if (length >= CHUNK) {
              malformed = true;
              break;
            }
            chunk[length++] = input[pos++] ?? 0;
            continue;
          }
          if (pos + 2 > chunkEnd) {
            malformed = true;
            break;
          }
          const token = (input[pos] ?? 0) | ((input[pos + 1] ?? 0) << 8);
          pos += 2;
          // 2.4.1.3.19.1: the offset field grows with the position in the chunk, at least 4 bits.
          const bitCount = Math.max(Math.ceil(Math.log2(Math.max(length, 1))), 4);
          const copyLength = (token & (0xffff >> bitCount)) + 3;
          const offset = (token >> (16 - bitCount)) + 1;
          if (offset > length || length + copyLength > CHUNK) {
            malformed = true;
            break;
          }
          for (let i = 0; i < copyLength; i++, length++) chunk[length] = chunk[length - offset] ?? 0;
        }
      }
    }
    pos = chunkEnd;
    if (total + length > limit) {
      out.push(chunk.subarray(0, limit - total));
      return { data: Buffer.concat(out), truncated: true, malformed: false };
    }
    out.push(chunk.subarray(0, length));
    total += length;
    if (malformed) return { data: Buffer.concat(out), truncated: false, malformed: true };
  }
  return { data: Buffer.concat(out), truncated: false, malformed: false };
}

export interface VbaModuleRef {
  /** MODULENAME (MBCS, decoded as latin1) or MODULENAMEUNICODE when present. */
  readonly name: string;
  /** MODULESTREAMNAME: the stream in the VBA storage holding the module. */
  readonly streamName: string;
  /** MODULEOFFSET: where the compressed source starts in that stream. */
  readonly textOffset: number;
}

export interface VbaDirectory {
  readonly modules: readonly VbaModuleRef[];
  /** True when the record walk broke off before the terminator. */
  readonly malformed: boolean;
}

// dir stream record ids ([MS-OVBA] 2.3.4.2).
const PROJECTVERSION = 0x0009;
const MODULENAME = 0x0019;
const MODULENAMEUNICODE = 0x0047;
const MODULESTREAMNAME = 0x001a;
const MODULESTREAMNAMEUNICODE = 0x0032;
const MODULEOFFSET = 0x0031;
const MODULETERMINATOR = 0x002b;
const DIRTERMINATOR = 0x0010;

/** Walks the decompressed `dir` stream records and lists the modules. */
export function parseVbaDir(dir: Buffer): VbaDirectory {
  const modules: VbaModuleRef[] = [];
  let name: string | undefined;
  let streamName: string | undefined;
  let offset: number | undefined;
  let pos = 0;
  while (pos + 6 <= dir.length) {
    const id = dir.readUInt16LE(pos);
    let size = dir.readUInt32LE(pos + 2);
    // PROJECTVERSION's size field is a reserved 4 followed by 6 bytes of version (2.3.4.2.1.11).
    if (id === PROJECTVERSION) size = 6;
    const start = pos + 6;
    const end = start + size;
    if (end > dir.length) return { modules, malformed: true };
    const data = dir.subarray(start, end);
    switch (id) {
      case MODULENAME:
        name = data.toString('latin1');
        break;
      case MODULENAMEUNICODE:
        if (data.length > 0) name = data.toString('utf16le');
        break;
      case MODULESTREAMNAME:
        streamName = data.toString('latin1');
        break;
      case MODULESTREAMNAMEUNICODE:
        if (data.length > 0) streamName = data.toString('utf16le');
        break;
      case MODULEOFFSET:
        if (data.length >= 4) offset = data.readUInt32LE(0);
        break;
      case MODULETERMINATOR:
        if (streamName !== undefined) modules.push({ name: name ?? streamName, streamName, textOffset: offset ?? 0 });
        name = streamName = offset = undefined;
        break;
      case DIRTERMINATOR:
        return { modules, malformed: false };
      default:
        break;
    }
    pos = end;
  }
  return { modules, malformed: true };
}
