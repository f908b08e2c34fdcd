/**
 * bzip2 via seek-bzip (pure JS). The library writes one byte at a time into
 * an output object we supply, so the bound is ours: the output grows only up
 * to the budget cap and the next byte throws the budget error, which stops
 * the decoder mid-block. Input past the end throws too, so a truncated stream
 * cannot spin. Chosen by magic ("BZh1".."BZh9" and a block or end marker).
 */
import { Buffer } from 'node:buffer';
import Bunzip from 'seek-bzip';
import type { SeekBzipInput, SeekBzipOutput } from 'seek-bzip';
import { BudgetExceededError, capMemberOutput, exceedCap } from '../../dissect/budget.js';
import type { OutputCap } from '../../dissect/budget.js';
import type { DissectResult, Dissector, DissectSubject, DissectContext } from '../../dissect/dissector.js';
import { createStreamFindings } from './findings.js';
import { nameDecompressed } from './member-name.js';

// Block magic (pi) and end-of-stream magic (sqrt(pi)), 48 bits each, right after "BZhN".
const BLOCK_MAGIC = '314159265359';
const END_MAGIC = '177245385090';
const INITIAL_OUTPUT = 64 * 1024;
// The bit reader may look a little past the last byte before it notices; more than this is a truncated stream.
const OVERRUN_BYTES = 16;

class TruncatedInputError extends Error {
  constructor() {
    super('the bzip2 stream ends early');
    this.name = 'TruncatedInputError';
  }
}

/** True for a bzip2 stream header. */
export function looksLikeBzip2(content: Uint8Array): boolean {
  if (content.length < 14 || content[0] !== 0x42 || content[1] !== 0x5a || content[2] !== 0x68) return false;
  const level = content[3] ?? 0;
  if (level < 0x31 || level > 0x39) return false;
  const magic = Buffer.from(content.buffer, content.byteOffset + 4, 6).toString('hex');
  return magic === BLOCK_MAGIC || magic === END_MAGIC;
}

/** Creates the bzip2 dissector (stateless). */
export function createBzip2Dissector(): Dissector {
  return { name: 'bzip2', accepts: (s) => looksLikeBzip2(s.content), dissect: async (s, ctx) => dissectBzip2(s, ctx) };
}

function dissectBzip2(subject: DissectSubject, ctx: DissectContext): DissectResult {
  const findings = createStreamFindings('bzip2', subject.path);
  const output = createBoundedOutput(capMemberOutput(ctx.budget, subject.content.length));
  try {
    Bunzip.decode(createInput(subject.content), output, true);
  } catch (err) {
    if (err instanceof BudgetExceededError) throw err;
    // seek-bzip marks its data errors with a numeric errorCode; ours is TruncatedInputError. Anything else is a bug.
    const known = err instanceof TruncatedInputError || (err instanceof Error && typeof (err as Error & { errorCode?: unknown }).errorCode === 'number');
    if (!known) throw err;
    findings.note('BZIP2_MALFORMED', err instanceof TruncatedInputError ? 'the stream is truncated' : 'the stream is corrupt (bad CRC or block)');
  }
  // seek-bzip stops quietly when the input runs out right after a block, so a stream cut before its
  // end-of-stream marker would pass as whole; the marker is checked here.
  if (findings.list.length === 0 && !endsWithEndMarker(subject.content)) findings.note('BZIP2_MALFORMED', 'the stream is truncated (no end-of-stream marker)');
  const data = output.result();
  if (data.length === 0 && findings.list.length > 0) return { members: [], findings: findings.list };
  ctx.budget.chargeEntry();
  ctx.budget.chargeBytes(data.length);
  const name = nameDecompressed('bzip2', subject.rawName);
  return { members: [{ name, kind: 'file', content: data, declaredSize: data.length, compressedSize: subject.content.length }], findings: findings.list };
}

function createInput(content: Uint8Array): SeekBzipInput {
  let pos = 0;
  const readByte = (): number => {
    if (pos < content.length) return content[pos++] ?? 0;
    pos++;
    if (pos - content.length > OVERRUN_BYTES) throw new TruncatedInputError();
    return 0;
  };
  return {
    readByte,
    read(buffer, offset, length) {
      let n = 0;
      for (; n < length && pos < content.length; n++) buffer[offset + n] = readByte();
      return n === 0 ? -1 : n;
    },
    seek(position) {
      pos = position;
    },
    eof: () => pos >= content.length,
  };
}

interface BoundedOutput extends SeekBzipOutput {
  result(): Buffer;
}

function createBoundedOutput(cap: OutputCap): BoundedOutput {
  let buffer = Buffer.allocUnsafe(Math.min(INITIAL_OUTPUT, cap.bytes + 1));
  let length = 0;
  const writeByte = (byte: number): void => {
    if (length === buffer.length) {
      // Doubling, but never past the cap (+1 so that reaching it is detected above).
      const bigger = Buffer.allocUnsafe(Math.min(buffer.length * 2, cap.bytes + 1));
      buffer.copy(bigger, 0, 0, length);
      buffer = bigger;
    }
    buffer[length++] = byte;
    if (length > cap.bytes) throw exceedCap(cap);
  };
  return {
    writeByte,
    write(bytes, offset, count) {
      for (let i = 0; i < count; i++) writeByte(bytes[offset + i] ?? 0);
      return count;
    },
    flush: () => undefined,
    result: () => buffer.subarray(0, length),
  };
}

/** True when the stream ends with the 48-bit end-of-stream magic, its 32-bit CRC and 0-7 padding bits. */
function endsWithEndMarker(content: Uint8Array): boolean {
  const bit = (i: number): number => ((content[i >> 3] ?? 0) >> (7 - (i & 7))) & 1;
  for (let pad = 0; pad < 8; pad++) {
    const start = content.length * 8 - 80 - pad;
    if (start < 32) return false;
    let hex = '';
    for (let i = 0; i < 48; i += 4) hex += ((bit(start + i) << 3) | (bit(start + i + 1) << 2) | (bit(start + i + 2) << 1) | bit(start + i + 3)).toString(16);
    if (hex === END_MAGIC) return true;
  }
  return false;
}
