/**
 * gzip (RFC 1952): one member per stream, several members concatenated read
 * as one file, as gunzip does. Inflation is bounded by the expansion budget
 * through zlib's maxOutputLength, so a bomb stops at the limit, not at the
 * worker's memory. Chosen by magic bytes (1f 8b 08), never by name.
 */
import { Buffer } from 'node:buffer';
import { constants, crc32, inflateRawSync } from 'node:zlib';
import { capMemberOutput, exceedCap } from '../../dissect/budget.js';
import type { OutputCap } from '../../dissect/budget.js';
import type { DissectResult, Dissector, DissectSubject, DissectContext } from '../../dissect/dissector.js';
import { createStreamFindings } from './findings.js';
import { nameDecompressed } from './member-name.js';
import { MAX_GZIP_HEADER_STRING, MAX_GZIP_MEMBERS } from './tables.js';

const FHCRC = 0x02;
const FEXTRA = 0x04;
const FNAME = 0x08;
const FCOMMENT = 0x10;
const RESERVED = 0xe0;
const UTF8 = new TextDecoder('utf-8', { fatal: true });

/** True for a gzip member header with the deflate method. */
export function looksLikeGzip(content: Uint8Array): boolean {
  return content.length >= 18 && content[0] === 0x1f && content[1] === 0x8b && content[2] === 0x08;
}

/** Creates the gzip dissector (stateless). */
export function createGzipDissector(): Dissector {
  return { name: 'gzip', accepts: (s) => looksLikeGzip(s.content), dissect: async (s, ctx) => dissectGzip(s, ctx) };
}

interface Header {
  readonly bodyStart: number;
  readonly name?: string;
}

function dissectGzip(subject: DissectSubject, ctx: DissectContext): DissectResult {
  const { content } = subject;
  const findings = createStreamFindings('gzip', subject.path);
  const cap = capMemberOutput(ctx.budget, content.length);
  const outputs: Buffer[] = [];
  let produced = 0;
  let storedName: string | undefined;
  let offset = 0;
  for (let count = 0; offset < content.length; count++) {
    if (count === MAX_GZIP_MEMBERS) {
      findings.note('GZIP_TOO_MANY_MEMBERS', `more than ${MAX_GZIP_MEMBERS} concatenated gzip members; the rest is not read`);
      break;
    }
    if (count > 0 && !looksLikeGzip(content.subarray(offset))) {
      // gzip(1) ignores zero padding silently and warns about other trailing bytes; zlib-based readers fail: a differential.
      if (content.subarray(offset).some((b) => b !== 0)) findings.note('GZIP_TRAILING_DATA', `${content.length - offset} bytes that are not a gzip member follow the stream`);
      break;
    }
    const header = readHeader(content, offset);
    if (typeof header === 'string') {
      findings.note('GZIP_MALFORMED', header);
      break;
    }
    if (count === 0) storedName = header.name;
    const member = inflateMember(content.subarray(header.bodyStart), cap, produced);
    if (member.output.length > 0) {
      outputs.push(member.output);
      produced += member.output.length;
    }
    if (member.problem !== undefined) {
      findings.note('GZIP_MALFORMED', member.problem);
      break;
    }
    const trailer = header.bodyStart + member.consumed;
    if (trailer + 8 > content.length) {
      findings.note('GZIP_MALFORMED', 'the stream ends before its CRC32/ISIZE trailer');
      break;
    }
    const view = Buffer.from(content.buffer, content.byteOffset + trailer, 8);
    if (view.readUInt32LE(0) !== crc32(member.output) || view.readUInt32LE(4) !== member.output.length % 2 ** 32) {
      findings.note('GZIP_MALFORMED', 'a member fails its CRC32 or length check');
    }
    offset = trailer + 8;
  }
  if (outputs.length === 0 && produced === 0 && findings.list.length > 0) return { members: [], findings: findings.list };
  ctx.budget.chargeEntry();
  ctx.budget.chargeBytes(produced);
  const data = outputs.length === 1 ? (outputs[0] as Buffer) : Buffer.concat(outputs, produced);
  const name = nameDecompressed('gzip', subject.rawName, storedName);
  return { members: [{ name, kind: 'file', content: data, declaredSize: data.length, compressedSize: content.length }], findings: findings.list };
}

function readHeader(content: Uint8Array, start: number): Header | string {
  const flags = content[start + 3] ?? 0;
  if ((flags & RESERVED) !== 0) return 'a member header sets reserved flag bits';
  let pos = start + 10;
  if ((flags & FEXTRA) !== 0) {
    const xlen = (content[pos] ?? 0) | ((content[pos + 1] ?? 0) << 8);
    pos += 2 + xlen;
  }
  let name: string | undefined;
  if ((flags & FNAME) !== 0) {
    const end = findNul(content, pos);
    if (end === undefined) return 'the stored file name is unterminated or too long';
    name = decodeName(content.subarray(pos, end));
    pos = end + 1;
  }
  if ((flags & FCOMMENT) !== 0) {
    const end = findNul(content, pos);
    if (end === undefined) return 'the comment is unterminated or too long';
    pos = end + 1;
  }
  if ((flags & FHCRC) !== 0) pos += 2;
  if (pos >= content.length) return 'the stream ends inside a member header';
  return name === undefined ? { bodyStart: pos } : { bodyStart: pos, name };
}

interface InflateInfo {
  readonly buffer: Buffer;
  readonly engine: { readonly bytesWritten: number };
}

interface Inflated {
  readonly output: Buffer;
  /** Compressed bytes the deflate stream used. */
  readonly consumed: number;
  readonly problem?: string;
}

function inflateMember(body: Uint8Array, cap: OutputCap, produced: number): Inflated {
  // One byte over what is left: reaching it is the breach (zlib refuses to grow past maxOutputLength).
  const maxOutputLength = Math.max(0, cap.bytes - produced) + 1;
  try {
    // Trust boundary: with `info: true` zlib returns { buffer, engine } (Node docs, zlib convenience methods);
    // @types/node types only the plain Buffer. engine.bytesWritten is the compressed input consumed.
    const { buffer, engine } = inflateRawSync(body, { info: true, maxOutputLength }) as unknown as InflateInfo;
    if (buffer.length >= maxOutputLength) throw exceedCap(cap);
    return { output: buffer, consumed: engine.bytesWritten };
  } catch (err) {
    if (isCode(err, 'ERR_BUFFER_TOO_LARGE')) throw exceedCap(cap);
    if (!isZlibError(err)) throw err;
    if (isCode(err, 'Z_BUF_ERROR')) {
      // Truncated: take what inflates (a partial member is still worth scanning), as gunzip shows before its error.
      try {
        const partial = inflateRawSync(body, { maxOutputLength, finishFlush: constants.Z_SYNC_FLUSH });
        if (partial.length >= maxOutputLength) throw exceedCap(cap);
        return { output: partial, consumed: body.length, problem: 'the deflate stream is truncated' };
      } catch (inner) {
        if (isCode(inner, 'ERR_BUFFER_TOO_LARGE')) throw exceedCap(cap);
        if (!isZlibError(inner)) throw inner;
      }
    }
    return { output: Buffer.alloc(0), consumed: 0, problem: 'the deflate data is corrupt' };
  }
}

function isCode(err: unknown, code: string): boolean {
  return err instanceof Error && (err as Error & { code?: unknown }).code === code;
}

// zlib reports broken input as errors with a Z_* code and a numeric errno.
function isZlibError(err: unknown): boolean {
  const code = err instanceof Error ? (err as Error & { code?: unknown }).code : undefined;
  return typeof code === 'string' && code.startsWith('Z_');
}

function findNul(content: Uint8Array, from: number): number | undefined {
  const limit = Math.min(content.length, from + MAX_GZIP_HEADER_STRING);
  for (let i = from; i < limit; i++) if (content[i] === 0) return i;
  return undefined;
}

// RFC 1952 says ISO 8859-1; many writers store UTF-8. Invalid UTF-8 stays visible as Latin-1.
function decodeName(bytes: Uint8Array): string {
  try {
    return UTF8.decode(bytes);
  } catch {
    return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('latin1');
  }
}
