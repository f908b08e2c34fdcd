/**
 * The spam engine's one pass over a message, in the worker: the token hashes
 * the main-thread classifier scores (src/spam), and the content rule
 * findings. Tokens come from selected headers (prefixed by field) and from
 * the visible text of the message's text and HTML parts. Every input is cut
 * to a bound first, so the cost does not depend on what the sender chose.
 */
import { TextDecoder } from 'node:util';
import type { Finding } from '../../../core/index.js';
import type { MimeLeaf } from '../../mime/index.js';
import { evaluateContentRules } from './content-rules.js';
import type { ContentFacts } from './content-rules.js';
import { countAddresses, firstField, readHeaderFields, splitAddress } from './headers.js';
import type { HeaderField } from './headers.js';
import { readHtml } from './html-text.js';
import { createTokenBag } from './token-bag.js';
import type { TokenBag } from './token-bag.js';
import { addHostTokens, addUrlTokens, tokenizeText } from './tokenize-text.js';
import type { TextLimits } from './tokenize-text.js';

/** Bounds of the token pass. */
export interface SpamTokenLimits {
  /** Distinct token hashes per message (SpamBayes scores the 150 strongest; more only costs). */
  readonly maxTokens: number;
  /** Characters of visible text tokenized per message, all parts together. */
  readonly maxTextChars: number;
  /** White-space separated chunks looked at per text. */
  readonly maxChunks: number;
}

export const DEFAULT_SPAM_TOKEN_LIMITS: SpamTokenLimits = { maxTokens: 2000, maxTextChars: 100_000, maxChunks: 20_000 };

export interface SpamContent {
  /** Distinct token hashes (8 hex digits), headers first, at most `maxTokens`. */
  readonly tokens: readonly string[];
  readonly findings: readonly Finding[];
}

const GTUBE = Buffer.from('XJS*C4JDBQADN1.NSBN3*2IDNEN*GTUBE-STANDARD-ANTI-UBE-TEST-EMAIL*C.34X', 'latin1');
// Bucket edges for counts (recipients, hops): the shape matters, not the exact number.
const COUNT_BUCKETS = [0, 1, 2, 3, 5, 10, 20, 50] as const;
// Fields whose mere presence is a token (see addHeaderTokens).
const PRESENCE_FIELDS = ['x-priority', 'x-msmail-priority', 'importance', 'organization', 'x-mimeole', 'disposition-notification-to', 'errors-to'] as const;
// HTML markup is read up to this many times the text budget (markup is mostly tags).
const MARKUP_FACTOR = 4;
const UTF8 = new TextDecoder('utf-8', { fatal: true });
const WINDOWS_1252 = new TextDecoder('windows-1252');
// ESC $ B: the switch to JIS X 0208 that starts Japanese text in ISO-2022-JP (RFC 1468).
const ISO_2022_JP_ESCAPE = Buffer.from([0x1b, 0x24, 0x42]);

/** Tokens and content findings of one message; `leaves` are the pipeline's decoded MIME leaves. */
export function inspectSpamContent(raw: Uint8Array, leaves: readonly MimeLeaf[], limits: SpamTokenLimits = DEFAULT_SPAM_TOKEN_LIMITS): SpamContent {
  const bag = createTokenBag(limits.maxTokens);
  const fields = readHeaderFields(raw);
  const textLimits: TextLimits = { maxChars: limits.maxTextChars, maxChunks: limits.maxChunks };
  const subject = firstField(fields, 'subject');
  addHeaderTokens(fields, bag, textLimits);
  const topContentType = firstField(fields, 'content-type');
  const singlePartCharset = topContentType === undefined || /^\s*multipart\//iu.test(topContentType) ? undefined : charsetOf(topContentType);
  let budget = limits.maxTextChars;
  let gtubePath: string | undefined;
  let hasHtml = false;
  let plainWords = 0;
  let htmlWords = 0;
  let images = 0;
  let links = 0;
  let hiddenChars = 0;
  for (const leaf of leaves) {
    if (leaf.contentType.startsWith('text/') && gtubePath === undefined && Buffer.from(leaf.content.buffer, leaf.content.byteOffset, leaf.content.length).includes(GTUBE)) {
      gtubePath = leaf.path;
    }
    if (leaf.disposition === 'attachment') {
      bag.add(`att:${extensionOf(leaf.fileName)}`);
      bag.add(`at:${leaf.contentType}`);
      continue;
    }
    bag.add(`pt:${leaf.contentType}`);
    if (leaf.contentType.startsWith('image/')) images++;
    const html = leaf.contentType === 'text/html';
    if ((leaf.contentType !== 'text/plain' && !html) || budget <= 0) continue;
    const decoded = decodeText(leaf.content.subarray(0, budget * (html ? MARKUP_FACTOR : 1) * 2), singlePartCharset);
    let text = decoded;
    if (html) {
      hasHtml = true;
      const facts = readHtml(decoded, budget);
      text = facts.text;
      images += facts.images;
      links += facts.links.length;
      hiddenChars += facts.hiddenChars;
      for (const tag of facts.tags) bag.add(`h:${tag}`);
      for (const link of facts.links) if (/^(?:https?|ftp):|^www\./iu.test(link)) addUrlTokens(link, '', bag);
      htmlWords += countWords(text);
    } else {
      links += countTextLinks(text);
      plainWords += countWords(text);
    }
    text = text.slice(0, budget);
    budget -= text.length;
    tokenizeText(text, '', bag, textLimits);
  }
  const topType = (firstField(fields, 'content-type') ?? 'text/plain').toLowerCase();
  const base64Text = /^\s*text\//u.test(topType) && (firstField(fields, 'content-transfer-encoding') ?? '').trim().toLowerCase() === 'base64';
  const facts: ContentFacts = {
    ...(subject === undefined ? {} : { subject }),
    ...(gtubePath === undefined ? {} : { gtubePath }),
    hasHtml,
    plainWords,
    htmlWords,
    images,
    links,
    hiddenChars,
    base64Text,
  };
  return { tokens: bag.hashes(), findings: evaluateContentRules(facts) };
}

/** Header tokens: what a mailer and a campaign leave in the header, prefixed by field. */
function addHeaderTokens(fields: readonly HeaderField[], bag: TokenBag, limits: TextLimits): void {
  const subject = firstField(fields, 'subject');
  if (subject !== undefined) tokenizeText(subject, 's:', bag, limits);
  else bag.add('s:none');
  const from = firstField(fields, 'from');
  if (from !== undefined) {
    const { display, domain } = splitAddress(from);
    tokenizeText(display, 'fn:', bag, limits);
    if (domain !== undefined) addHostTokens('fd:', domain, bag);
  }
  const replyTo = firstField(fields, 'reply-to');
  if (replyTo !== undefined) {
    const { domain } = splitAddress(replyTo);
    bag.add(domain !== undefined && domain === (from === undefined ? undefined : splitAddress(from).domain) ? 'rt:same' : 'rt:other');
  }
  const to = firstField(fields, 'to');
  bag.add(`to:${bucket(countAddresses(to))}`);
  if (to !== undefined && /undisclosed|recipient list suppressed/iu.test(to)) bag.add('to:undisclosed');
  bag.add(`cc:${bucket(countAddresses(firstField(fields, 'cc')))}`);
  const contentType = firstField(fields, 'content-type');
  if (contentType !== undefined) {
    const type = /^\s*([\w.+-]+\/[\w.+-]+)/u.exec(contentType)?.[1];
    bag.add(`ct:${type?.toLowerCase() ?? 'bad'}`);
    const charset = charsetOf(contentType);
    if (charset !== undefined) bag.add(`cs:${charset}`);
  } else {
    bag.add('ct:none');
  }
  const encoding = firstField(fields, 'content-transfer-encoding');
  if (encoding !== undefined) bag.add(`cte:${encoding.trim().toLowerCase().slice(0, 20)}`);
  const mailer = firstField(fields, 'x-mailer') ?? firstField(fields, 'user-agent');
  if (mailer !== undefined) tokenizeText(mailer.split(/\s+/u).slice(0, 3).join(' '), 'xm:', bag, limits);
  else bag.add('xm:none');
  // Presence of fields that mark a mailer. Left out on purpose: collection-path fields (Received
  // count and hosts, Delivered-To, X-Spam-*, List-*), which describe how a corpus was gathered more
  // than the mail, and In-Reply-To/References, which no corpus spam carried (so they became near-certain
  // ham clues) but which any sender can forge. Measured without them: recall unchanged (DETECTION.md).
  for (const name of PRESENCE_FIELDS) if (firstField(fields, name) !== undefined) bag.add(`hdr:${name}`);
  if (firstField(fields, 'mime-version') === undefined) bag.add('hdr:no-mime-version');
  if (firstField(fields, 'date') === undefined) bag.add('hdr:no-date');
  const messageId = firstField(fields, 'message-id');
  const midDomain = messageId === undefined ? undefined : /@([^>\s]+)/u.exec(messageId)?.[1];
  if (midDomain === undefined) bag.add(messageId === undefined ? 'mid:none' : 'mid:nodomain');
  else addHostTokens('mid:', midDomain.toLowerCase(), bag);
}

function charsetOf(contentType: string): string | undefined {
  return /charset\s*=\s*"?([\w.:-]{1,40})/iu.exec(contentType)?.[1]?.toLowerCase();
}

function bucket(count: number): string {
  let edge: number = COUNT_BUCKETS[0];
  for (const b of COUNT_BUCKETS) if (count >= b) edge = b;
  return String(edge);
}

function extensionOf(name: string | undefined): string {
  const dot = name?.lastIndexOf('.') ?? -1;
  return name === undefined || dot < 0 ? 'none' : name.slice(dot + 1, dot + 9).toLowerCase();
}

/**
 * Text of a part. MIME leaves do not carry their charset, so: the message's own charset when it is a
 * single part; ISO-2022-JP when its escape sequences are there (7-bit Japanese mail); otherwise UTF-8
 * when the bytes are valid UTF-8, and Windows-1252 (the usual undeclared legacy charset) when not.
 */
function decodeText(bytes: Uint8Array, charset: string | undefined): string {
  const declared = charset === undefined ? undefined : decoderFor(charset);
  if (declared !== undefined) return declared.decode(bytes);
  if (Buffer.from(bytes.buffer, bytes.byteOffset, Math.min(bytes.length, 4096)).includes(ISO_2022_JP_ESCAPE)) return decoderFor('iso-2022-jp')?.decode(bytes) ?? '';
  try {
    return UTF8.decode(bytes);
  } catch {
    return WINDOWS_1252.decode(bytes);
  }
}

function decoderFor(charset: string): TextDecoder | undefined {
  try {
    return new TextDecoder(charset);
  } catch {
    // Not a WHATWG encoding label ("unknown-8bit", "x-user-defined" spelled oddly): sniff instead.
    return undefined;
  }
}

function countWords(text: string): number {
  let count = 0;
  for (const _ of text.matchAll(/[\p{L}\p{N}]\S*/gu)) count++;
  return count;
}

function countTextLinks(text: string): number {
  return text.match(/(?:https?|ftp):\/\/|www\./giu)?.length ?? 0;
}
