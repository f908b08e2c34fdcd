/**
 * The delivery stream that removes named MIME parts from a message (issue 4):
 * each one is replaced by a short text/plain notice, and every other byte
 * passes through as it came, headers and delimiters included.
 *
 * Policy names parts by the analysis's paths, so the numbering here mirrors
 * parse-mime.ts (placeNode) on the same parser: @zone-eu/mailsplit's Splitter
 * with `ignoreEmbedded`, and a message/rfc822 or message/global body decoded
 * and split again under the embedded part's path. An embedded message is only
 * opened, and its body re-encoded, when a named part lies inside it.
 *
 * Only a part inside a multipart can be replaced: the top-level body (or the
 * body of a single-part embedded message) has no sibling delimiter around it.
 * Such a path, or one that does not occur, leaves the message unchanged and
 * is reported through `onReport`, which runs before the stream ends so that
 * a caller that must not deliver a partly stripped message can destroy it.
 */
import { Buffer } from 'node:buffer';
import { Duplex, PassThrough, Transform, pipeline } from 'node:stream';
import type { Readable, TransformCallback, Writable } from 'node:stream';
import { Splitter } from '@zone-eu/mailsplit';
import type { MimeNode, SplitterChunk } from '@zone-eu/mailsplit';
import { MoatError } from '../core/index.js';
import { createBase64Decoder } from './base64-decoder.js';
import { buildNotice } from './strip-notice.js';

export { sanitizeLabel } from './strip-notice.js';
export { createBase64Decoder } from './base64-decoder.js';

/** One part to replace, named by its analysis path (`2`, `1.3`, `2.2.1`). */
export interface StripPart {
  readonly path: string;
  /** Why it goes; shown in the notice (`{reason}`) and in `X-Moat-Stripped`. */
  readonly reason: string;
}

export interface StripPartsOptions {
  /** Part paths (analysis numbering) whose whole entity is replaced; a path inside an already-stripped part is covered by it. */
  readonly parts: readonly StripPart[];
  /** Notice text template; `{name}`, `{type}` and `{reason}` are substituted (values sanitised, bounded). */
  readonly notice: string;
  /** Called once with what happened to every named part, after the last byte and before the stream ends. */
  readonly onReport?: (report: StripReport) => void;
}

export type StripOutcome =
  | { readonly path: string; readonly result: 'stripped' }
  | { readonly path: string; readonly result: 'covered'; readonly by: string }
  | { readonly path: string; readonly result: 'unmatched'; readonly why: 'not-found' | 'not-in-multipart' | 'invalid-path' };

export interface StripReport {
  /** One outcome per distinct named path, in the order they were named. */
  readonly outcomes: readonly StripOutcome[];
  /** Every named part was stripped or lies inside a stripped one. */
  readonly complete: boolean;
}

// parse-mime.ts's bound and reasoning: a MIME node holds its header block while its
// children are split, so this times the depth bounds what one delivery keeps in memory.
export const MAX_HEADER_BLOCK_BYTES = 128 * 1024;
// Ten times the shipped analysis.maxMimeParts: a message the analysis parsed whole always fits.
export const MAX_PARTS = 10_000;
// Three times the shipped analysis.maxMimeDepth; 100 open header blocks of 128 KiB stay near 13 MB.
export const MAX_DEPTH = 100;
// A path longer than this names nothing the analysis could have reported (depth above).
const MAX_PATH_CHARS = 512;
// RFC 2046 §5.2.1 and RFC 6532 §3.7: bodies that are whole messages, opened as children (as parse-mime does).
const EMBEDDED_MESSAGE_TYPES: ReadonlySet<string> = new Set(['message/rfc822', 'message/global']);
// mailsplit accepts up to 998 SP/HTAB after a boundary on a delimiter line (its BOUNDARY_LINE_TRAILING_WSP).
const DELIMITER_TRAILING_WSP = 998;
const CR = 0x0d;
const LF = 0x0a;
const DASH = 0x2d;
const PART_PATH = /^[1-9][0-9]{0,8}(?:\.[1-9][0-9]{0,8})*$/;

/** Builds the stream; see the module header. Hostile input never throws: limits end the stream with a MoatError. */
export function createStripPartsTransform(opts: StripPartsOptions): Duplex {
  const ctx = createContext(opts);
  if (![...ctx.wanted.values()].some((entry) => entry.outcome === undefined)) return createReportingPassThrough(ctx, opts);
  const input = new PassThrough();
  let wake: (() => void) | undefined;
  let finished: Promise<void> = Promise.resolve();
  const resume = (): void => {
    const next = wake;
    wake = undefined;
    next?.();
  };
  const stream = new Duplex({
    write(chunk: unknown, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
      const buf = Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk), 'latin1');
      if (input.write(buf)) callback();
      else input.once('drain', () => callback());
    },
    final(callback: (error?: Error | null) => void): void {
      input.end();
      finished.then(
        () => callback(),
        (err: unknown) => callback(asError(err)),
      );
    },
    read(): void {
      resume();
    },
    destroy(error: Error | null, callback: (error?: Error | null) => void): void {
      input.destroy();
      resume();
      callback(error);
    },
  });
  const emit: Emit = async (bytes) => {
    if (stream.destroyed) throw new MoatError('STRIP_PARTS_FAILED', 'the stripped message stream was closed');
    if (!stream.push(bytes)) await new Promise<void>((resolve) => (wake = resolve));
  };
  finished = rewriteEntity(input, '', 0, ctx, emit).then(() => {
    opts.onReport?.(buildReport(ctx));
    stream.push(null);
  });
  finished.catch((err: unknown) => {
    const error = err instanceof MoatError ? err : new MoatError('STRIP_PARTS_FAILED', 'the message could not be rewritten', { cause: err });
    stream.destroy(error);
  });
  return stream;
}

type Emit = (bytes: Buffer) => Promise<void>;

interface Wanted {
  readonly path: string;
  readonly reason: string;
  outcome?: StripOutcome;
}

interface Context {
  readonly wanted: Map<string, Wanted>;
  readonly notice: string;
  parts: number;
}

interface NodeInfo {
  /** Own path; '' for the top-level multipart itself (parse-mime's numbering). */
  readonly path: string;
  /** Prefix for child paths. */
  readonly base: string;
  readonly depth: number;
  readonly isRoot: boolean;
  children: number;
}

/** A stripped entity whose bytes are being dropped, with mailsplit's delimiter state mirrored. */
interface Region {
  readonly node: MimeNode;
  readonly eol: string;
  /** The node mailsplit is in (its `this.node`). */
  cur: MimeNode;
  /** mailsplit's `inEpilogue`: `cur` has seen its closing delimiter. */
  inEpilogue: boolean;
  readonly inside: WeakMap<MimeNode, boolean>;
}

/** An embedded message being rewritten: its body goes through decoder, a nested rewrite and encoder. */
interface Nested {
  readonly node: MimeNode;
  readonly decoder: Writable;
  readonly done: Promise<void>;
}

function createContext(opts: StripPartsOptions): Context {
  const wanted = new Map<string, Wanted>();
  for (const part of opts.parts) {
    if (wanted.has(part.path)) continue;
    const entry: Wanted = { path: part.path, reason: part.reason };
    if (part.path.length > MAX_PATH_CHARS || !PART_PATH.test(part.path)) {
      entry.outcome = { path: part.path, result: 'unmatched', why: 'invalid-path' };
    }
    wanted.set(part.path, entry);
  }
  return { wanted, notice: opts.notice, parts: 0 };
}

/** Nothing can be stripped: the bytes pass untouched and the report still comes. */
function createReportingPassThrough(ctx: Context, opts: StripPartsOptions): Transform {
  return new Transform({
    transform(chunk: unknown, _encoding: BufferEncoding, callback: TransformCallback): void {
      callback(null, chunk);
    },
    flush(callback: TransformCallback): void {
      try {
        opts.onReport?.(buildReport(ctx));
        callback();
      } catch (err) {
        callback(asError(err));
      }
    },
  });
}

/** Rewrites one entity (the message, or a message embedded at `prefix`), emitting its new bytes in order. */
async function rewriteEntity(input: Readable, prefix: string, baseDepth: number, ctx: Context, emit: Emit): Promise<void> {
  const splitter = new Splitter({ ignoreEmbedded: true, maxHeadSize: MAX_HEADER_BLOCK_BYTES, maxChildNodes: MAX_PARTS + 2 });
  // Feeding errors (a destroyed input) reach the loop below as a splitter error.
  pipeline(input, splitter, () => undefined);
  // Weak, so that finished nodes and their parsed headers can be collected while splitting goes on.
  const infos = new WeakMap<MimeNode, NodeInfo>();
  let region: Region | undefined;
  let nested: Nested | undefined;
  let headerOnly: { readonly node: MimeNode; readonly raw: Buffer } | undefined;
  try {
    // The Splitter is an untyped object-mode stream; its d.ts documents SplitterChunk as what it emits.
    for await (const chunk of splitter as AsyncIterable<SplitterChunk>) {
      if (nested !== undefined && !(chunk.type === 'body' && chunk.node === nested.node)) {
        await finishNested(nested);
        nested = undefined;
      }
      if (chunk.type === 'data' && headerOnly !== undefined) {
        chunk.value = chunk.value.subarray(repeatedHeaderBytes(chunk.value, headerOnly.raw, headerOnly.node));
      }
      headerOnly = undefined;
      if (chunk.type === 'node') {
        const raw = chunk.getHeaders();
        if (!endsHeaderBlock(raw)) headerOnly = { node: chunk, raw };
        const info = placeNode(chunk, infos, prefix, baseDepth);
        if (info === undefined) {
          // parse-mime skips an orphan node too; it is only a Splitter bug, so keep its bytes.
          if (region === undefined) await emit(raw);
          continue;
        }
        countNode(info, ctx);
        if (region !== undefined) {
          if (isInside(region, chunk)) {
            region.cur = chunk;
            region.inEpilogue = false;
            continue;
          }
          // A node outside the region always follows a delimiter, which ends the region first.
          region = undefined;
        }
        const wanted = ctx.wanted.get(info.path);
        if (wanted !== undefined && wanted.outcome === undefined) {
          if (info.isRoot) {
            wanted.outcome = { path: info.path, result: 'unmatched', why: 'not-in-multipart' };
          } else {
            wanted.outcome = { path: info.path, result: 'stripped' };
            const eol = raw.includes('\r\n') ? '\r\n' : '\n';
            region = { node: chunk, eol, cur: chunk, inEpilogue: false, inside: new WeakMap() };
            await emit(buildNotice(chunk, wanted.reason, ctx.notice, eol));
            continue;
          }
        }
        await emit(raw);
        if (isEmbeddedMessage(chunk) && hasPendingInside(ctx, info.path)) {
          nested = startNested(chunk, info, ctx, emit);
        }
      } else if (chunk.type === 'body') {
        if (region !== undefined && isInside(region, chunk.node)) continue;
        if (nested !== undefined) await writeTo(nested.decoder, chunk.value);
        else await emit(chunk.value);
      } else if (region === undefined) {
        await emit(chunk.value);
      } else {
        const cut = findRegionEnd(region, chunk.node, chunk.value, infos);
        if (cut < 0) continue;
        const rest = chunk.value.subarray(cut);
        // The line end before a delimiter belongs to it (RFC 2046 §5.1.1); it was dropped with the region.
        if (rest[0] !== CR && rest[0] !== LF) await emit(Buffer.from(region.eol, 'latin1'));
        await emit(rest);
        region = undefined;
      }
    }
    if (nested !== undefined) await finishNested(nested);
  } finally {
    splitter.destroy();
    nested?.decoder.destroy();
  }
}

/** True when `raw` ends with the empty line that closes a header block (or is only that line). */
function endsHeaderBlock(raw: Buffer): boolean {
  const n = raw.length;
  if (n === 0 || raw[n - 1] !== LF) return false;
  if (n === 1 || raw[n - 2] === LF) return true;
  return raw[n - 2] === CR && (n === 2 || raw[n - 3] === LF);
}

/**
 * A part whose header block is cut short by a closing delimiter of an enclosing
 * multipart is emitted by the Splitter with those header lines, and the data
 * chunk that follows repeats the ones that came in the same write (mailsplit
 * 5.4.30 starts that chunk where the part's headers started). The repeated
 * bytes are whole header lines before the delimiter line; header lines are
 * never delimiters, so the first delimiter line marks where they end.
 */
function repeatedHeaderBytes(value: Buffer, raw: Buffer, node: MimeNode): number {
  for (let pos = 0; pos < value.length && pos <= raw.length; pos = lineEnd(value, pos)) {
    if (isEnclosingDelimiter(node, value.subarray(pos, lineEnd(value, pos)))) {
      return pos > 0 && raw.subarray(raw.length - pos).equals(value.subarray(0, pos)) ? pos : 0;
    }
  }
  return 0;
}

function isEnclosingDelimiter(node: MimeNode, line: Buffer): boolean {
  const start = delimiterStart(line);
  if (start < 0) return false;
  for (let owner = node._parentBoundaryOwner; owner !== false; owner = owner._parentBoundaryOwner) {
    if (owner._boundary !== false && compareBoundary(line, start, owner._boundary) !== 0) return true;
  }
  return false;
}

/** Where `--` starts on a possible delimiter line (after one leading line end, as mailsplit allows), or -1. */
function delimiterStart(line: Buffer): number {
  let start = 0;
  if (line[0] === CR || line[0] === LF) {
    start++;
    if (line[0] === CR && line[1] === LF) start++;
  }
  return line.length < 4 || line[start] !== DASH || line[start + 1] !== DASH ? -1 : start;
}

/** parse-mime's placeNode: paths and depth, numbered identically. */
function placeNode(node: MimeNode, infos: WeakMap<MimeNode, NodeInfo>, prefix: string, baseDepth: number): NodeInfo | undefined {
  let info: NodeInfo;
  if (node.parentNode === false) {
    // A single-part body is part `1` of its entity (RFC 3501 §6.4.5), as is a multipart without a boundary.
    const path = node.multipart === false || node._boundary === false ? join(prefix, '1') : prefix;
    info = { path, base: prefix, depth: baseDepth, isRoot: true, children: 0 };
  } else {
    const parent = infos.get(node.parentNode);
    if (parent === undefined) return undefined;
    const path = join(parent.base, String(++parent.children));
    info = { path, base: path, depth: parent.depth + 1, isRoot: false, children: 0 };
  }
  infos.set(node, info);
  return info;
}

function countNode(info: NodeInfo, ctx: Context): void {
  if (!(info.isRoot && info.base === '')) ctx.parts++;
  if (ctx.parts > MAX_PARTS) throw new MoatError('STRIP_PARTS_LIMIT', `more than ${MAX_PARTS} MIME parts, the message was not rewritten`);
  if (info.depth > MAX_DEPTH) throw new MoatError('STRIP_PARTS_LIMIT', `MIME nesting deeper than ${MAX_DEPTH}, the message was not rewritten`);
}

function isEmbeddedMessage(node: MimeNode): boolean {
  // parse-mime opens a leaf of these types; a multipart without a boundary is scanned as data instead.
  return node.multipart === false && EMBEDDED_MESSAGE_TYPES.has(node.contentType === false ? 'text/plain' : node.contentType);
}

function hasPendingInside(ctx: Context, path: string): boolean {
  const inner = `${path}.`;
  for (const entry of ctx.wanted.values()) {
    if (entry.outcome === undefined && entry.path.startsWith(inner)) return true;
  }
  return false;
}

function startNested(node: MimeNode, info: NodeInfo, ctx: Context, emit: Emit): Nested {
  // Decoded as parse-mime decodes it, so the message delivered is the message analysed: base64
  // as Buffer.from does (libbase64 would go on past padding), quoted-printable with mailsplit's
  // libqp decoder, and an unknown encoding as is. The encoder writes canonical output of the same encoding.
  const decoder = node.encoding === 'base64' ? createBase64Decoder() : node.getDecoder();
  const encoder = node.getEncoder();
  const drained = (async (): Promise<void> => {
    for await (const piece of encoder as AsyncIterable<Buffer>) await emit(piece);
  })();
  const rewritten = rewriteEntity(decoder, info.path, info.depth + 1, ctx, (bytes) => writeTo(encoder, bytes)).then(() => {
    encoder.end();
  });
  const done = Promise.all([rewritten, drained]).then(
    () => undefined,
    (err: unknown) => {
      // Unblock the outer loop if it waits for the decoder to drain.
      decoder.destroy(asError(err));
      encoder.destroy();
      throw err;
    },
  );
  // Awaited by finishNested; this only keeps an early failure from counting as unhandled meanwhile.
  done.catch(() => undefined);
  return { node, decoder, done };
}

async function finishNested(nested: Nested): Promise<void> {
  nested.decoder.end();
  await nested.done;
}

/** Writes with backpressure; rejects when the stream fails or closes instead of draining. */
async function writeTo(stream: Writable, bytes: Buffer): Promise<void> {
  if (stream.destroyed) throw new MoatError('STRIP_PARTS_FAILED', 'an inner stream closed while the message was rewritten');
  if (stream.write(bytes)) return;
  await new Promise<void>((resolve, reject) => {
    const cleanup = (): void => {
      stream.off('drain', onDrain);
      stream.off('error', onError);
      stream.off('close', onClose);
    };
    const onDrain = (): void => {
      cleanup();
      resolve();
    };
    const onError = (err: Error): void => {
      cleanup();
      reject(err);
    };
    const onClose = (): void => {
      cleanup();
      reject(new MoatError('STRIP_PARTS_FAILED', 'an inner stream closed while the message was rewritten'));
    };
    stream.on('drain', onDrain);
    stream.on('error', onError);
    stream.on('close', onClose);
  });
}

function isInside(region: Region, node: MimeNode): boolean {
  const chain: MimeNode[] = [];
  let result = false;
  for (let at: MimeNode | false = node; at !== false; at = at.parentNode) {
    if (at === region.node) {
      result = true;
      break;
    }
    const known = region.inside.get(at);
    if (known !== undefined) {
      result = known;
      break;
    }
    chain.push(at);
  }
  for (const seen of chain) region.inside.set(seen, result);
  return result;
}

/**
 * Offset in a data chunk where the stripped region ends (the line end before
 * the delimiter that leaves it), or -1 when the whole chunk is inside it.
 *
 * The Splitter attributes a data chunk to the node its first line left it in,
 * then coalesces later structure lines into the same chunk. The first line is
 * therefore read from the chunk's node; later lines can only be closing
 * delimiters (a delimiter that opens a part always starts a chunk of its own),
 * and those are matched as the Splitter's checkBoundary does, in its order.
 */
function findRegionEnd(region: Region, owner: MimeNode, value: Buffer, infos: WeakMap<MimeNode, NodeInfo>): number {
  let pos: number;
  if (owner !== region.cur) {
    if (!isInside(region, owner)) return 0;
    // A node that was announced already is an ancestor its closing delimiter returned to.
    region.inEpilogue = infos.has(owner);
    region.cur = owner;
    // A leading line end here closed the previous body line; the delimiter line follows it.
    pos = 0;
    while (pos < value.length && (value[pos] === CR || value[pos] === LF)) pos++;
    pos = lineEnd(value, pos);
  } else {
    pos = lineEnd(value, 0);
  }
  while (pos < value.length) {
    const end = lineEnd(value, pos);
    const closed = closedOwner(region, value.subarray(pos, end));
    if (closed !== undefined) {
      if (!isInside(region, closed)) return value[pos - 2] === CR ? pos - 2 : pos - 1;
      region.cur = closed;
      region.inEpilogue = true;
    }
    pos = end;
  }
  return -1;
}

function lineEnd(value: Buffer, from: number): number {
  const lf = value.indexOf(LF, from);
  return lf < 0 ? value.length : lf + 1;
}

/** The multipart whose closing delimiter `line` is, per mailsplit's checkBoundary; undefined for any other line. */
function closedOwner(region: Region, line: Buffer): MimeNode | undefined {
  const start = delimiterStart(line);
  if (start < 0) return undefined;
  const cur = region.cur;
  // The current node's own delimiter is checked first; mid-chunk it can only be a closing one that changes nothing.
  if (!region.inEpilogue && cur._boundary !== false && compareBoundary(line, start, cur._boundary) !== 0) return undefined;
  for (let owner = cur._parentBoundaryOwner; owner !== false; owner = owner._parentBoundaryOwner) {
    if (owner._boundary === false) continue;
    const kind = compareBoundary(line, start, owner._boundary);
    if (kind === 2) return owner;
    if (kind === 1) return undefined;
  }
  return undefined;
}

/** mailsplit's compareBoundary: 1 for `--b`, 2 for `--b--`, 0 for no delimiter of `boundary`. */
function compareBoundary(line: Buffer, start: number, boundary: Buffer): 0 | 1 | 2 {
  if (line.length < boundary.length + 3 + start || line.length > boundary.length + 6 + DELIMITER_TRAILING_WSP + start) return 0;
  for (let i = 0; i < boundary.length; i++) {
    if (line[i + 2 + start] !== boundary[i]) return 0;
  }
  let i = boundary.length + 2 + start;
  let kind: 1 | 2 = 1;
  if (line[i] === DASH) {
    if (line[i + 1] !== DASH) return 0;
    kind = 2;
    i += 2;
  }
  while (i < line.length && (line[i] === 0x20 || line[i] === 0x09)) i++;
  if (i === line.length) return kind === 2 ? 2 : 0;
  while (i < line.length && line[i] === CR) i++;
  if (i < line.length && line[i] === LF) i++;
  return i === line.length ? kind : 0;
}

function buildReport(ctx: Context): StripReport {
  const entries = [...ctx.wanted.values()];
  const stripped = entries.filter((entry) => entry.outcome?.result === 'stripped').map((entry) => entry.path);
  const outcomes = entries.map((entry): StripOutcome => {
    if (entry.outcome !== undefined) return entry.outcome;
    const by = stripped.find((path) => entry.path.startsWith(`${path}.`));
    return by === undefined ? { path: entry.path, result: 'unmatched', why: 'not-found' } : { path: entry.path, result: 'covered', by };
  });
  return { outcomes, complete: outcomes.every((outcome) => outcome.result !== 'unmatched') };
}

function join(prefix: string, segment: string): string {
  return prefix === '' ? segment : `${prefix}.${segment}`;
}

function asError(err: unknown): Error {
  return err instanceof Error ? err : new Error(String(err));
}
