/**
 * Reads a spooled message for authentication: the header block first
 * (bounded, to scan it), then a stream of the whole message for mailauth.
 * Nothing here holds more than the header block in memory.
 */
import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { Readable } from 'node:stream';

export interface HeaderRead {
  /** The header block with its terminating empty line, or what was read when `complete` is false. */
  readonly block: Buffer;
  /** The header block ended within the bound (or the file ended). */
  readonly complete: boolean;
  /** Size of the file in bytes. */
  readonly size: number;
}

const CHUNK = 64 * 1024;

/** Offset just past the empty line ending the header block, or -1 (bare LF tolerated). */
function findHeaderEnd(buf: Buffer, from: number): number {
  if (from === 0) {
    if (buf[0] === 0x0a) return 1;
    if (buf[0] === 0x0d && buf[1] === 0x0a) return 2;
  }
  for (let i = Math.max(from, 1); i < buf.length; i++) {
    if (buf[i] !== 0x0a) continue;
    const next = buf[i + 1];
    if (next === 0x0a) return i + 2;
    if (next === 0x0d && buf[i + 2] === 0x0a) return i + 3;
  }
  return -1;
}

/** Reads the header block of the file at `path`, at most `maxBytes`. */
export async function readHeaderBlock(path: string, maxBytes: number): Promise<HeaderRead> {
  const handle = await open(path, 'r');
  try {
    const { size } = await handle.stat();
    let held = Buffer.alloc(0);
    while (held.length < size) {
      const chunk = Buffer.alloc(Math.min(CHUNK, size - held.length));
      const { bytesRead } = await handle.read(chunk, 0, chunk.length, held.length);
      if (bytesRead === 0) break;
      const scanFrom = Math.max(0, held.length - 3);
      held = Buffer.concat([held, chunk.subarray(0, bytesRead)]);
      const end = findHeaderEnd(held, scanFrom);
      if (end >= 0 && end <= maxBytes) return { block: held.subarray(0, end), complete: true, size };
      if (held.length > maxBytes) return { block: held.subarray(0, maxBytes), complete: false, size };
    }
    // The file ended inside its header block: it is all header fields.
    return { block: held, complete: held.length <= maxBytes, size };
  } finally {
    await handle.close();
  }
}

/**
 * The message as mailauth reads it: the file itself, or (when `header` is
 * given) that header block followed by the file's body from `bodyStart`.
 * `end` bounds the read to the size seen when the header was read.
 */
export function openMessageStream(path: string, size: number, header?: { readonly block: Buffer; readonly bodyStart: number }): Readable {
  if (header === undefined) return size === 0 ? Readable.from([]) : createReadStream(path, { start: 0, end: size - 1 });
  const block = header.block;
  const body = header.bodyStart < size ? createReadStream(path, { start: header.bodyStart, end: size - 1 }) : undefined;
  async function* join(): AsyncGenerator<Buffer> {
    yield block;
    if (body !== undefined) for await (const chunk of body) yield chunk as Buffer;
  }
  const stream = Readable.from(join());
  stream.once('close', () => body?.destroy());
  return stream;
}
