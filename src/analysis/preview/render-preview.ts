/**
 * Builds the safe preview of one message: parses its MIME tree with the
 * analysis limits, shows the first text and HTML bodies (decoded, escaped,
 * sanitised), and lists every other part by metadata only. Pure and
 * bounded; hostile input makes a smaller preview, never a crash. Runs in
 * the preview worker (src/workers/preview-worker.ts).
 */
import { Buffer } from 'node:buffer';
import { createHash } from 'node:crypto';
import { TextDecoder } from 'node:util';
import { escapeForDisplay } from '../../core/index.js';
import { createFindingCollector } from '../finding-collector.js';
import { parseMime } from '../mime/index.js';
import type { MimeLeaf } from '../mime/index.js';
import { neutraliseText } from './neutralise.js';
import { readPreviewHeaders } from './read-headers.js';
import { emptySanitizeCounts, sanitizeHtmlBody } from './sanitize-body.js';
import type { SanitizeCounts } from './sanitize-body.js';
import { DEFAULT_PREVIEW_LIMITS } from './types.js';
import type { MessagePreview, PreviewAttachment, PreviewOptions } from './types.js';

// A file name longer than this is cut with a visible ellipsis (file systems stop at 255).
const MAX_NAME_CHARS = 255;
// A character is at most 4 bytes in the charsets mail uses (UTF-8; GB18030): decoding this many bytes per
// wanted character always yields enough text, and never decodes a whole 60 MB part for a 256 KiB preview.
const BYTES_PER_CHAR = 4;

// Inline image types a browser decodes as raster images; SVG (scriptable) is never one of them.
const RASTER_SIGNATURES: ReadonlyArray<readonly [string, (b: Uint8Array) => boolean]> = [
  ['image/png', (b) => b[0] === 0x89 && b[1] === 0x50 && b[2] === 0x4e && b[3] === 0x47],
  ['image/gif', (b) => b[0] === 0x47 && b[1] === 0x49 && b[2] === 0x46 && b[3] === 0x38],
  ['image/jpeg', (b) => b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff],
  ['image/webp', (b) => Buffer.from(b.subarray(0, 4)).toString('latin1') === 'RIFF' && Buffer.from(b.subarray(8, 12)).toString('latin1') === 'WEBP'],
];

/**
 * The preview of `raw`: headers, text, sanitised HTML, attachment metadata and
 * notes on what was removed. Bytes beyond `limits.maxMessageBytes` are not read.
 */
export async function renderPreview(raw: Uint8Array, options: PreviewOptions): Promise<MessagePreview> {
  const limits = { ...DEFAULT_PREVIEW_LIMITS, ...options.limits };
  const truncated: string[] = [];
  let input = raw;
  if (raw.length > limits.maxMessageBytes) {
    input = raw.subarray(0, limits.maxMessageBytes);
    truncated.push('message');
  }
  // Findings are the analysis's business; the preview shows what it can of a malformed message.
  const parsed = await parseMime(input, { maxMessageBytes: limits.maxMessageBytes, maxMimeParts: limits.maxMimeParts, maxMimeDepth: limits.maxMimeDepth }, createFindingCollector());
  const isBody = (leaf: MimeLeaf, type: string): boolean => leaf.contentType === type && leaf.disposition !== 'attachment' && leaf.fileName === undefined;
  const textLeaf = parsed.leaves.find((leaf) => isBody(leaf, 'text/plain'));
  const htmlLeaf = parsed.leaves.find((leaf) => isBody(leaf, 'text/html'));

  let text: string | undefined;
  if (textLeaf !== undefined) {
    const shown = neutraliseText(decodeText(textLeaf, limits.maxTextChars), limits.maxTextChars);
    text = shown.text;
    if (shown.truncated) truncated.push('text');
  }

  let html: string | undefined;
  let counts: SanitizeCounts | undefined;
  if (htmlLeaf !== undefined) {
    const source = decodeText(htmlLeaf, limits.maxHtmlInputChars);
    if (source.length > limits.maxHtmlInputChars) truncated.push('html');
    const sanitized = sanitizeHtmlBody(source.slice(0, limits.maxHtmlInputChars), {
      remoteContent: options.remoteContent,
      resolveCid: createCidResolver(parsed.leaves, limits.maxInlineImageBytes, limits.maxInlineImagesBytes),
      maxOutputChars: limits.maxHtmlOutputChars,
    });
    html = sanitized.html;
    counts = sanitized.counts;
    if (sanitized.truncated && !truncated.includes('html')) truncated.push('html');
  }

  const attachments: PreviewAttachment[] = parsed.leaves
    .filter((leaf) => leaf !== textLeaf && leaf !== htmlLeaf)
    .map((leaf) => ({
      path: leaf.path,
      ...(leaf.fileName === undefined ? {} : { name: escapeForDisplay(leaf.fileName, MAX_NAME_CHARS) }),
      declaredType: escapeForDisplay(leaf.contentType, MAX_NAME_CHARS),
      size: leaf.content.length,
      sha256: createHash('sha256').update(leaf.content).digest('hex'),
    }));

  return {
    remoteContent: options.remoteContent,
    headers: readPreviewHeaders(input),
    ...(text === undefined ? {} : { text }),
    ...(html === undefined ? {} : { html }),
    attachments,
    notes: { ...(counts ?? emptySanitizeCounts()), truncated },
  };
}

/** Resolves `cid:` references to data: URLs of raster image parts, within a per-image and a total byte budget. */
function createCidResolver(leaves: readonly MimeLeaf[], maxImageBytes: number, maxTotalBytes: number): (contentId: string) => string | undefined {
  const byId = new Map<string, MimeLeaf>();
  for (const leaf of leaves) {
    const id = leaf.contentId?.replace(/^<|>$/gu, '').trim();
    if (id !== undefined && id !== '' && !byId.has(id)) byId.set(id, leaf);
  }
  const made = new Map<string, string | undefined>();
  let spent = 0;
  return (contentId) => {
    if (made.has(contentId)) return made.get(contentId);
    const leaf = byId.get(contentId);
    let url: string | undefined;
    // The type comes from the bytes, not the declaration: a "PNG" that is SVG or HTML is not shown.
    const type = leaf === undefined ? undefined : RASTER_SIGNATURES.find(([, matches]) => matches(leaf.content))?.[0];
    if (leaf !== undefined && type !== undefined && leaf.content.length <= maxImageBytes && spent + leaf.content.length <= maxTotalBytes) {
      spent += leaf.content.length;
      url = `data:${type};base64,${Buffer.from(leaf.content.buffer, leaf.content.byteOffset, leaf.content.length).toString('base64')}`;
    }
    made.set(contentId, url);
    return url;
  };
}

/**
 * Text of a body part in its declared charset; undeclared or unknown: UTF-8 when the
 * bytes are valid UTF-8, Windows-1252 (the usual undeclared legacy charset) when not.
 * Only the bytes that can make `maxChars` characters are decoded.
 */
function decodeText(leaf: MimeLeaf, maxChars: number): string {
  const bytes = leaf.content.subarray(0, maxChars * BYTES_PER_CHAR);
  const declared = leaf.charset === undefined ? undefined : decoderFor(leaf.charset);
  if (declared !== undefined) return declared.decode(bytes);
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    return new TextDecoder('windows-1252').decode(bytes);
  }
}

function decoderFor(charset: string): TextDecoder | undefined {
  try {
    return new TextDecoder(charset);
  } catch {
    // Not a WHATWG encoding label: sniff instead.
    return undefined;
  }
}

