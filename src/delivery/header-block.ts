/**
 * Finding and reading the top-level header block of a raw message (RFC 5322
 * §2.1: header fields, then an empty line, then the body). Tolerates bare LF
 * line ends because a spooled message may carry them.
 */
import type { Readable } from 'node:stream';

/**
 * Offset just past the empty line that ends the header block in `buf`, or -1
 * when `buf` holds no complete header block yet. Scanning starts at `from`.
 */
export function findHeaderEnd(buf: Buffer, from = 0): number {
  // A message that starts with an empty line has no header fields at all.
  if (from === 0) {
    if (buf[0] === 0x0a) return 1;
    if (buf[0] === 0x0d && buf[1] === 0x0a) return 2;
  }
  for (let i = Math.max(from, 1); i < buf.length; i++) {
    if (buf[i] !== 0x0a) continue;
    // `i` ends a line; the next line is empty when it is LF or CRLF.
    const next = buf[i + 1];
    if (next === 0x0a) return i + 2;
    if (next === 0x0d && buf[i + 2] === 0x0a) return i + 3;
  }
  return -1;
}

// Header blocks beyond this are not worth quoting in a bounce.
export const DEFAULT_HEADER_READ_LIMIT = 256 * 1024;

/**
 * Reads the header block (including its terminating empty line when present)
 * from `stream`, at most `limit` bytes, then destroys the stream: the body is
 * never read.
 */
export async function readHeaderBlock(stream: Readable, limit = DEFAULT_HEADER_READ_LIMIT): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let total = 0;
  try {
    for await (const chunk of stream) {
      const buf = Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk));
      chunks.push(buf);
      const scanFrom = Math.max(0, total - 3);
      total += buf.length;
      const all = Buffer.concat(chunks, total);
      const end = findHeaderEnd(all, scanFrom);
      if (end >= 0) return all.subarray(0, Math.min(end, limit));
      if (total >= limit) return all.subarray(0, limit);
      chunks.length = 0;
      chunks.push(all);
    }
    return Buffer.concat(chunks, total);
  } finally {
    stream.destroy();
  }
}
