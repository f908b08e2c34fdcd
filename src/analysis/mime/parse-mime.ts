/**
 * Walks the MIME tree of one message with bounded resources and returns its
 * leaf parts, decoded, each with its IMAP-style part path.
 *
 * Parser choice: @zone-eu/mailsplit's Splitter emits every MIME node with a
 * parent link, in order, and its delimiter handling is hardened against the
 * parser-differential tricks (boundary whitespace, ancestor delimiters, comment
 * in boundary) that an email gateway is attacked with. postal-mime gives a
 * flattened attachment list without the tree, so paths and depth could not be
 * derived from it. The Splitter runs with `ignoreEmbedded`, and message/rfc822
 * bodies are decoded and parsed again here: that way a base64-encoded or
 * attachment-disposition message is opened too (the Splitter only opens inline
 * 7bit ones) and one limit budget covers the whole nest.
 */
import { Buffer } from 'node:buffer';
import { once } from 'node:events';
import { Readable } from 'node:stream';
import { Splitter } from '@zone-eu/mailsplit';
import type { MimeNode, SplitterChunk } from '@zone-eu/mailsplit';
import libmime from 'libmime';
import { addressParser } from 'postal-mime';
import type { MessageHeaders } from '../../core/index.js';
import { escapeForDisplay } from '../../core/index.js';
import type { AnalysisLimits } from '../limits.js';
import type { FindingCollector } from '../finding-collector.js';
import { decodeBase64 } from './decode-base64.js';

/** One leaf part of the message tree, decoded. */
export interface MimeLeaf {
  /** IMAP-style part path: `1`, `1.2`, `2.1.1`. */
  readonly path: string;
  /** Declared Content-Type, lower-cased, without parameters. */
  readonly contentType: string;
  readonly disposition?: 'inline' | 'attachment';
  /** Declared file name, RFC 2231/2047 decoded, NOT escaped. */
  readonly fileName?: string;
  /** Raw Content-ID header value, unfolded and capped (implant C2 hides in it: THREAT.md, SKIPJACK). */
  readonly contentId?: string;
  /** Declared charset parameter, lower-cased (text parts are decoded with it by readers that show text). */
  readonly charset?: string;
  /** Content with the transfer encoding removed. */
  readonly content: Uint8Array;
}

export interface ParsedMime {
  readonly headers: MessageHeaders;
  readonly leaves: readonly MimeLeaf[];
}

// Header block cost per MIME node (mailsplit counts each line as at least 64 bytes, so this is
// at most 2048 lines). Parsed header lines cost ~100 bytes of JS heap each and a multipart keeps
// its headers while its children are parsed: 1000 parts x 2048 lines stays near 200 MB, under the
// worker heap. mailsplit's 1 MiB default let a 22 MB message reach 475 MB. Real header blocks,
// long Received chains and ARC sets included, are a few kB.
const MAX_HEADER_BLOCK_BYTES = 128 * 1024;
// Input is fed to the Splitter in slices so that stopping at a limit stops the work too.
const FEED_BYTES = 64 * 1024;
// Header facts go to the message log; a 100 kB folded Subject is not a fact worth keeping whole.
const MAX_HEADER_VALUE_CHARS = 998;
// Address headers parsed for From/Reply-To: a display name padded to push the address out of a 998-character
// window must not hide it, and the parser is linear, so a folded header of up to 16 KiB is read whole.
const MAX_ADDRESS_HEADER_CHARS = 16 * 1024;
// An address is at most 254 octets (RFC 5321 4.5.3.1.3 path limit, less the brackets).
const MAX_ADDRESS_CHARS = 254;
// Display names shown in the UI and compared with the protected-person list; real ones are short.
const MAX_DISPLAY_NAME_CHARS = 200;
// Content types whose body is a whole message that we open as children (RFC 2046 5.2.1, RFC 6532 3.7).
const EMBEDDED_MESSAGE_TYPES: ReadonlySet<string> = new Set(['message/rfc822', 'message/global']);
// A boundary is at most 70 characters (RFC 2046 5.1.1); mailsplit accepts up to 998 of
// trailing whitespace on a delimiter line. Longer lines are content, not delimiters.
const MAX_DELIMITER_LINE = 2 + 998 + 2 + 998 + 2;
// Transfer encodings that mean "no transformation" (RFC 2045 6.2); anything else unknown is flagged.
const IDENTITY_ENCODINGS: ReadonlySet<string> = new Set(['', '7bit', '8bit', 'binary']);

interface ParseState {
  readonly limits: AnalysisLimits;
  readonly findings: FindingCollector;
  readonly leaves: MimeLeaf[];
  /** MIME entities seen so far across the whole nest (the top-level message itself excluded). */
  parts: number;
  /** Set once a limit is hit: nothing more is parsed. */
  stopped: boolean;
}

interface NodeInfo {
  /** Own path; '' for the top-level message itself. */
  readonly path: string;
  /** Prefix for child paths. */
  readonly base: string;
  readonly depth: number;
  children: number;
  /** Closing delimiter `--boundary--` seen (multipart only). */
  closed: boolean;
}

interface OpenLeaf {
  readonly node: MimeNode;
  readonly info: NodeInfo;
  readonly chunks: Buffer[];
  /** A multipart without a boundary: its raw data is scanned as if it were one leaf. */
  readonly fromData: boolean;
}

/**
 * Parses `raw` into decoded leaf parts and top-level header facts. Structural
 * problems and limit hits are added to `findings`; only bugs throw.
 */
export async function parseMime(raw: Uint8Array, limits: AnalysisLimits, findings: FindingCollector): Promise<ParsedMime> {
  const state: ParseState = { limits, findings, leaves: [], parts: 0, stopped: false };
  const root = await parseEntity(toBuffer(raw), '', 0, state);
  const headers = root === undefined ? {} : readHeaders(root);
  if (raw.length === 0) {
    findings.add('MIME_MALFORMED', 'the message is empty');
  } else if (root !== undefined && root.headers !== false && root.headers.getList().length === 0) {
    findings.add('MIME_MALFORMED', 'the message has no header fields');
  }
  return { headers, leaves: state.leaves };
}

/**
 * Parses one entity (the message, or a message embedded in it at `prefix`)
 * and returns its root node.
 */
async function parseEntity(bytes: Buffer, prefix: string, baseDepth: number, state: ParseState): Promise<MimeNode | undefined> {
  // The Splitter's own child-node cap is a backstop; ours fires first with a precise finding.
  const splitter = new Splitter({ ignoreEmbedded: true, maxChildNodes: state.limits.maxMimeParts + 2, maxHeadSize: MAX_HEADER_BLOCK_BYTES });
  Readable.from(slicesOf(bytes)).pipe(splitter);
  // Weak, so that a finished leaf and its parsed headers can be collected while parsing goes on.
  const infos = new WeakMap<MimeNode, NodeInfo>();
  const multiparts: NodeInfo[] = [];
  const byBoundary = new Map<string, NodeInfo[]>();
  let root: MimeNode | undefined;
  let open: OpenLeaf | undefined;
  try {
    // The Splitter is an untyped object-mode stream; its d.ts documents SplitterChunk as what it emits.
    for await (const chunk of splitter as AsyncIterable<SplitterChunk>) {
      if (chunk.type !== 'node') {
        if (open !== undefined && chunk.node === open.node && (chunk.type === 'body' || open.fromData)) {
          open.chunks.push(chunk.value);
        } else if (chunk.type === 'data' && byBoundary.size > 0) {
          noteClosingDelimiters(chunk.value, byBoundary);
        }
        continue;
      }
      if (open !== undefined) {
        await finishLeaf(open, state);
        open = undefined;
        if (state.stopped) break;
      }
      const info = placeNode(chunk, infos, prefix, baseDepth);
      if (info === undefined) continue;
      root ??= chunk;
      if (!checkLimits(chunk, info, state)) break;
      noteHeaderGarbage(chunk, info, state);
      if (chunk.multipart === false) {
        open = { node: chunk, info, chunks: [], fromData: false };
      } else if (chunk._boundary !== false) {
        multiparts.push(info);
        const boundary = chunk._boundary.toString('latin1');
        const same = byBoundary.get(boundary);
        if (same === undefined) byBoundary.set(boundary, [info]);
        else same.push(info);
      } else {
        state.findings.add('MIME_BOUNDARY_MISSING', 'multipart without a boundary parameter, its body is scanned as one part', info.path || undefined);
        open = { node: chunk, info, chunks: [], fromData: true };
      }
    }
    if (open !== undefined && !state.stopped) await finishLeaf(open, state);
  } catch (err) {
    if (!isLimitError(err)) throw err;
    reportSplitterLimit(err, prefix, state);
  } finally {
    splitter.destroy();
  }
  if (!state.stopped) reportUnterminated(multiparts, state);
  return root;
}

/** Registers a node in the tree and computes its path and depth. */
function placeNode(node: MimeNode, infos: WeakMap<MimeNode, NodeInfo>, prefix: string, baseDepth: number): NodeInfo | undefined {
  let info: NodeInfo;
  if (node.parentNode === false) {
    // The entity root: a single-part body is part `1` of its entity (RFC 3501 6.4.5). A
    // multipart without a boundary is scanned as one body, so it is part `1` as well.
    const path = node.multipart === false || node._boundary === false ? join(prefix, '1') : prefix;
    info = { path, base: prefix, depth: baseDepth, children: 0, closed: false };
  } else {
    const parent = infos.get(node.parentNode);
    // Every node's parent was emitted before it; a miss would be a Splitter bug, not input.
    if (parent === undefined) return undefined;
    const path = join(parent.base, String(++parent.children));
    info = { path, base: path, depth: parent.depth + 1, children: 0, closed: false };
  }
  infos.set(node, info);
  return info;
}

/** Counts the node against the part and depth limits; false means stop. */
function checkLimits(node: MimeNode, info: NodeInfo, state: ParseState): boolean {
  const isTopMessage = node.parentNode === false && info.base === '';
  if (!isTopMessage) state.parts++;
  if (state.parts > state.limits.maxMimeParts) {
    state.findings.add('MIME_TOO_MANY_PARTS', `more than ${state.limits.maxMimeParts} MIME parts, parsing stopped`, info.path || undefined);
    state.stopped = true;
    return false;
  }
  if (info.depth > state.limits.maxMimeDepth) {
    state.findings.add('MIME_TOO_DEEP', `MIME nesting deeper than ${state.limits.maxMimeDepth}, parsing stopped`, info.path || undefined);
    state.stopped = true;
    return false;
  }
  return true;
}

/** A header block line that is no `name: value` field is garbage a normal mailer never writes. */
function noteHeaderGarbage(node: MimeNode, info: NodeInfo, state: ParseState): void {
  if (node.headers === false) return;
  // A part with no headers at all is legal (RFC 2046 5.1.1: it defaults to text/plain); mailsplit
  // lists its blank line with an empty key, so only non-blank keyless lines count.
  if (node.headers.getList().some((line) => line.key === '' && line.line.trim() !== '')) {
    // The top-level header block is the message's, not part 1's.
    const where = node.parentNode === false && info.base === '' ? undefined : info.path || undefined;
    state.findings.add('MIME_MALFORMED', 'header block holds lines that are not header fields', where);
  }
}

/**
 * Marks multiparts whose closing delimiter `--boundary--` occurs in a data chunk. The
 * Splitter coalesces consecutive structure lines into one chunk owned by the first
 * line's node, so each line is matched by its boundary, not by the chunk's node.
 */
function noteClosingDelimiters(value: Buffer, open: Map<string, NodeInfo[]>): void {
  for (let start = 0; start < value.length; ) {
    let end = value.indexOf(0x0a, start);
    if (end < 0) end = value.length;
    if (value[start] === 0x2d && value[start + 1] === 0x2d && end - start <= MAX_DELIMITER_LINE) {
      const line = value.toString('latin1', start, end).trimEnd();
      if (line.length > 4 && line.endsWith('--')) {
        // Nested multiparts reusing a boundary: the innermost open one closes first.
        const owner = open.get(line.slice(2, -2))?.findLast((info) => !info.closed);
        if (owner !== undefined) owner.closed = true;
      }
    }
    start = end + 1;
  }
}

/** Reports multiparts (with a boundary) that never had a part or never closed. */
function reportUnterminated(multiparts: readonly NodeInfo[], state: ParseState): void {
  for (const info of multiparts) {
    if (info.children === 0) {
      // Content before a delimiter that never comes is preamble, which no client shows and we do not scan.
      state.findings.add('MIME_BOUNDARY_MISSING', 'multipart whose boundary never occurs, it has no parts', info.path || undefined);
    } else if (!info.closed) {
      state.findings.add('MIME_UNTERMINATED', 'multipart without its closing delimiter', info.path || undefined);
    }
  }
}

/** Decodes a finished leaf; an embedded message is parsed into children instead. */
async function finishLeaf(leaf: OpenLeaf, state: ParseState): Promise<void> {
  const { node, info } = leaf;
  const encoded = leaf.chunks.length === 1 && leaf.chunks[0] !== undefined ? leaf.chunks[0] : Buffer.concat(leaf.chunks);
  const content = await decodeBody(node, encoded, info, state);
  const contentType = node.contentType === false ? 'text/plain' : node.contentType;
  if (!leaf.fromData && EMBEDDED_MESSAGE_TYPES.has(contentType)) {
    await parseEntity(content, info.path, info.depth + 1, state);
    return;
  }
  const disposition = node.disposition === 'inline' || node.disposition === 'attachment' ? node.disposition : undefined;
  const fileName = node.filename === false ? undefined : node.filename;
  const contentId = readContentId(node);
  const charset = typeof node.charset === 'string' && node.charset !== '' ? node.charset.toLowerCase().slice(0, MAX_CHARSET_CHARS) : undefined;
  state.leaves.push({
    path: info.path,
    contentType,
    content,
    ...(disposition === undefined ? {} : { disposition }),
    ...(fileName === undefined ? {} : { fileName }),
    ...(contentId === undefined ? {} : { contentId }),
    ...(charset === undefined ? {} : { charset }),
  });
}

// Charset names are short registry labels (RFC 2978); a longer parameter is no charset worth keeping whole.
const MAX_CHARSET_CHARS = 64;
// A real Content-ID is `<id@host>`, well under 1 KiB; 4 KiB keeps any blob recognisable and bounded.
const MAX_CONTENT_ID_CHARS = 4096;

function readContentId(node: MimeNode): string | undefined {
  if (node.headers === false) return undefined;
  const line = node.headers.getFirst('content-id');
  if (typeof line !== 'string' || line === '') return undefined;
  const value = line.replace(/^content-id\s*:\s*/i, '').replace(/\r?\n[ \t]+/g, ' ').trim();
  return value.slice(0, MAX_CONTENT_ID_CHARS);
}

async function decodeBody(node: MimeNode, encoded: Buffer, info: NodeInfo, state: ParseState): Promise<Buffer> {
  const encoding = node.encoding === false ? '' : node.encoding;
  if (encoding === 'base64') {
    const outcome = decodeBase64(encoded);
    if (!outcome.valid) state.findings.add('MIME_BAD_BASE64', 'base64 body is not well-formed', info.path);
    return outcome.content;
  }
  if (encoding === 'quoted-printable') {
    // mailsplit's decoder is libqp, the maintained nodemailer implementation.
    const decoder = node.getDecoder();
    const out: Buffer[] = [];
    decoder.on('data', (piece: Buffer) => out.push(piece));
    const ended = once(decoder, 'end');
    decoder.end(encoded);
    await ended;
    return Buffer.concat(out);
  }
  if (!IDENTITY_ENCODINGS.has(encoding)) {
    state.findings.add('MIME_UNKNOWN_ENCODING', `unknown Content-Transfer-Encoding "${escapeForDisplay(encoding, 64)}", body scanned as is`, info.path);
  }
  return encoded;
}

function isLimitError(err: unknown): err is Error & { code: 'EMAXLEN' } {
  return err instanceof Error && (err as Error & { code?: unknown }).code === 'EMAXLEN';
}

function reportSplitterLimit(err: Error, prefix: string, state: ParseState): void {
  const where = prefix || undefined;
  if (/header size/i.test(err.message)) {
    state.findings.add('MIME_HEADER_TOO_LARGE', `a MIME header block exceeds ${MAX_HEADER_BLOCK_BYTES / 1024} KiB, parsing stopped`, where);
  } else {
    state.findings.add('MIME_TOO_MANY_PARTS', `more than ${state.limits.maxMimeParts} MIME parts, parsing stopped`, where);
  }
  state.stopped = true;
}

function readHeaders(root: MimeNode): MessageHeaders {
  if (root.headers === false) return {};
  const headers = root.headers;
  const pick = (key: string): string | undefined => {
    const value = headers.getFirst(key);
    if (value === '') return undefined;
    let decoded = value;
    try {
      decoded = libmime.decodeWords(value);
    } catch {
      // An unknown charset in an encoded word: keep the raw text, it is still the best fact we have.
    }
    return decoded.length > MAX_HEADER_VALUE_CHARS ? decoded.slice(0, MAX_HEADER_VALUE_CHARS) : decoded;
  };
  const facts: { -readonly [K in keyof MessageHeaders]: string } = {};
  const messageId = pick('message-id');
  const subject = pick('subject');
  const from = pick('from');
  const to = pick('to');
  const date = pick('date');
  if (messageId !== undefined) facts.messageId = messageId;
  if (subject !== undefined) facts.subject = subject;
  if (from !== undefined) facts.from = from;
  if (to !== undefined) facts.to = to;
  if (date !== undefined) facts.date = date;
  const sender = firstMailbox(headers.getFirst('from'));
  if (sender?.address !== undefined) facts.fromAddress = sender.address;
  if (sender?.name !== undefined) facts.fromName = sender.name;
  const replyTo = firstMailbox(headers.getFirst('reply-to'));
  if (replyTo?.address !== undefined) facts.replyTo = replyTo.address;
  if (replyTo?.name !== undefined) facts.replyToName = replyTo.name;
  return facts;
}

/**
 * The first mailbox of an address header (groups flattened), via postal-mime's address parser, which is
 * linear in its input and decodes RFC 2047 words in display names. The raw value is cut to
 * MAX_ADDRESS_HEADER_CHARS first: the parser builds tokens for the whole string.
 */
function firstMailbox(raw: string): { address?: string; name?: string } | undefined {
  if (raw === '') return undefined;
  const mailbox = addressParser(raw.slice(0, MAX_ADDRESS_HEADER_CHARS), { flatten: true })[0];
  if (mailbox === undefined || mailbox.group !== undefined) return undefined;
  const address = mailbox.address.trim().slice(0, MAX_ADDRESS_CHARS);
  const name = mailbox.name.replace(/\s+/gu, ' ').trim().slice(0, MAX_DISPLAY_NAME_CHARS);
  return { ...(address.includes('@') ? { address } : {}), ...(name === '' ? {} : { name }) };
}

function join(prefix: string, segment: string): string {
  return prefix === '' ? segment : `${prefix}.${segment}`;
}

function toBuffer(raw: Uint8Array): Buffer {
  return Buffer.isBuffer(raw) ? raw : Buffer.from(raw.buffer, raw.byteOffset, raw.length);
}

function* slicesOf(bytes: Buffer): Generator<Buffer> {
  for (let offset = 0; offset < bytes.length; offset += FEED_BYTES) {
    yield bytes.subarray(offset, offset + FEED_BYTES);
  }
}
