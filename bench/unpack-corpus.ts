/**
 * The fixed attachment corpus of `npm run bench:unpack`: zip (deflate) of
 * text and of random-ish data, tar, tar.gz, and zip-in-zip three deep, each
 * built from a seeded generator so every run measures identical bytes.
 */
import { Buffer } from 'node:buffer';
import { createHash } from 'node:crypto';
import type { ArchiveEntry } from '../fuzz/archives.js';
import { buildGzip, buildMessage, buildTar, buildZip, createRng, randomBytes, textBytes } from '../fuzz/archives.js';

export type CorpusFormat = 'zip-text' | 'zip-mixed' | 'tar' | 'tar.gz' | 'zip-nested';

export interface CorpusItem {
  readonly format: CorpusFormat;
  /** The whole message carrying the archive as a base64 attachment. */
  readonly message: Buffer;
  readonly archiveBytes: number;
  /** Bytes of the files at the leaves, at any depth (what unpacking must at least produce). */
  readonly contentBytes: number;
  /** File members at the leaves (inner archives not counted). */
  readonly members: number;
}

export interface Corpus {
  readonly items: readonly CorpusItem[];
  /** SHA-256 of all messages, to show two runs measured the same corpus. */
  readonly sha256: string;
}

const MB = 1024 * 1024;

function textFiles(seed: number, count: number, size: number): ArchiveEntry[] {
  const rng = createRng(seed);
  return Array.from({ length: count }, (_, i) => ({ name: `docs/chapter-${i}.txt`, content: textBytes(rng, size) }));
}

function mixedFiles(seed: number, count: number, size: number): ArchiveEntry[] {
  const rng = createRng(seed);
  return Array.from({ length: count }, (_, i) =>
    i % 2 === 0 ? { name: `data/blob-${i}.bin`, content: randomBytes(rng, size) } : { name: `data/notes-${i}.txt`, content: textBytes(rng, size) },
  );
}

const sum = (entries: readonly ArchiveEntry[]): number => entries.reduce((n, e) => n + e.content.length, 0);

function item(format: CorpusFormat, archive: Buffer, name: string, type: string, contentBytes: number, members: number): CorpusItem {
  return { format, message: buildMessage(`bench ${format}`, [{ fileName: name, contentType: type, content: archive }]), archiveBytes: archive.length, contentBytes, members };
}

/**
 * Builds the corpus. `scale` multiplies every member size (1 gives about
 * 64 MiB of content; tests use a small scale).
 */
export function buildUnpackCorpus(scale = 1): Corpus {
  const size = (bytes: number): number => Math.max(1, Math.round(bytes * scale));
  const text = textFiles(11, 8, size(2 * MB));
  const mixed = mixedFiles(12, 8, size(MB));
  const tarEntries = [...textFiles(13, 6, size(2 * MB)), ...mixedFiles(14, 4, size(MB))];
  const gzEntries = [...textFiles(15, 6, size(2 * MB)), ...mixedFiles(16, 2, size(MB))];
  const leaf = textFiles(17, 4, size(2 * MB));
  const level3 = buildZip(leaf);
  const level2 = buildZip([{ name: 'level3.zip', content: level3 }, ...textFiles(18, 1, size(MB))]);
  const nested = buildZip([{ name: 'level2.zip', content: level2 }]);
  // Content counts the files at the leaves only, not the inner archives (nor the tar inside a .tar.gz).
  const nestedContent = sum(leaf) + size(MB);
  const items = [
    item('zip-text', buildZip(text), 'chapters.zip', 'application/zip', sum(text), text.length),
    item('zip-mixed', buildZip(mixed), 'data.zip', 'application/zip', sum(mixed), mixed.length),
    item('tar', buildTar(tarEntries), 'bundle.tar', 'application/x-tar', sum(tarEntries), tarEntries.length),
    item('tar.gz', buildGzip(buildTar(gzEntries)), 'bundle.tar.gz', 'application/gzip', sum(gzEntries), gzEntries.length),
    item('zip-nested', nested, 'nested.zip', 'application/zip', nestedContent, leaf.length + 1),
  ];
  const hash = createHash('sha256');
  for (const i of items) hash.update(i.message);
  return { items, sha256: hash.digest('hex') };
}
