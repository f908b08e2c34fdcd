/**
 * A synthetic ClamAV signature database of realistic size for the engines
 * benchmark. No signature download is possible here, so this approximates
 * the size and shape of the official main+daily databases (several million
 * signatures, most of them hashes) and not their content: random MD5 (.hdb)
 * and SHA-256 (.hsb) hash signatures, random body signatures (.ndb, some with
 * `??` and `*` wildcards), and one real one for the EICAR test file. All of it
 * is seeded, so two runs load the same database.
 * Formats: https://docs.clamav.net/manual/Signatures (HashSignatures, BodySignatures).
 */
import { createWriteStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { once } from 'node:events';
import { EICAR } from './attachment-corpus.js';
import { createSeededRandom, type SeededRandom } from './engines-random.js';

export interface ClamavDbOptions {
  /** `.hdb` MD5 file-hash signatures. */
  readonly md5Hashes: number;
  /** `.hsb` SHA-256 file-hash signatures. */
  readonly sha256Hashes: number;
  /** `.ndb` body signatures (target type 0: any file). */
  readonly bodySignatures: number;
  readonly seed: number;
}

export interface ClamavDbSummary {
  readonly files: readonly string[];
  readonly signatures: number;
  readonly bytes: number;
}

export const EICAR_BODY_NAME = 'Moat.Bench.EICAR';
export const EICAR_HASH_NAME = 'Moat.Bench.EICAR.MD5';

/** Lines are buffered and written in chunks of this size, so a million signatures are not one huge string. */
const CHUNK_CHARS = 1 << 20;

/** File sizes for hash signatures: malware samples are mostly 10 KB–10 MB. */
function hashSize(random: SeededRandom): number {
  return Math.round(Math.exp(Math.log(1024) + random.next() * (Math.log(10_000_000) - Math.log(1024))));
}

/** `MD5:size:Name` (hdb). */
export function md5Line(random: SeededRandom, n: number): string {
  return `${random.bytes(16).toString('hex')}:${hashSize(random)}:Moat.Bench.Hdb-${n}`;
}

/** `SHA256:size:Name` (hsb). */
export function sha256Line(random: SeededRandom, n: number): string {
  return `${random.bytes(32).toString('hex')}:${hashSize(random)}:Moat.Bench.Hsb-${n}`;
}

/**
 * `Name:0:*:HexSignature` (ndb, any file type, any offset): 16–40 random bytes;
 * one in five has a `??` (any byte) inside it, one in ten is two parts joined
 * by `*` (any run of bytes), each part at least 8 bytes as clamd's matcher wants.
 */
export function bodyLine(random: SeededRandom, n: number): string {
  const length = random.int(16, 40);
  const hex = random.bytes(length).toString('hex');
  const roll = random.next();
  let pattern = hex;
  if (roll < 0.2) {
    const at = random.int(4, length - 5) * 2;
    pattern = `${hex.slice(0, at)}??${hex.slice(at + 2)}`;
  } else if (roll < 0.3) {
    const at = random.int(8, length - 8) * 2;
    pattern = `${hex.slice(0, at)}*${hex.slice(at)}`;
  }
  return `Moat.Bench.Ndb-${n}:0:*:${pattern}`;
}

async function writeLines(path: string, count: number, line: (n: number) => string, extra: readonly string[] = []): Promise<number> {
  const out = createWriteStream(path);
  let buffer = '';
  const flush = async (): Promise<void> => {
    if (!out.write(buffer)) await once(out, 'drain');
    buffer = '';
  };
  for (const text of extra) buffer += `${text}\n`;
  for (let n = 0; n < count; n++) {
    buffer += `${line(n)}\n`;
    if (buffer.length >= CHUNK_CHARS) await flush();
  }
  await flush();
  out.end();
  await once(out, 'finish');
  return (await stat(path)).size;
}

/** The EICAR lines: a body signature and its MD5 (44d88612… is the well-known hash of the 68-byte file). */
export function eicarLines(): { ndb: string; hdb: string } {
  return {
    ndb: `${EICAR_BODY_NAME}:0:*:${Buffer.from(EICAR, 'latin1').toString('hex')}`,
    hdb: `44d88612fea8a8f36de82e1278abb02f:68:${EICAR_HASH_NAME}`,
  };
}

/** Writes `moat-bench.hdb`, `.hsb` and `.ndb` into `dir` (which clamd then loads as its DatabaseDirectory). */
export async function writeClamavDb(dir: string, options: ClamavDbOptions): Promise<ClamavDbSummary> {
  // One generator per file, so changing one count leaves the other files' bytes alone.
  const eicar = eicarLines();
  const hdb = createSeededRandom(options.seed);
  const hsb = createSeededRandom(options.seed + 1);
  const ndb = createSeededRandom(options.seed + 2);
  const files = [join(dir, 'moat-bench.hdb'), join(dir, 'moat-bench.hsb'), join(dir, 'moat-bench.ndb')] as const;
  let bytes = 0;
  bytes += await writeLines(files[0], options.md5Hashes, (n) => md5Line(hdb, n), [eicar.hdb]);
  bytes += await writeLines(files[2], options.bodySignatures, (n) => bodyLine(ndb, n), [eicar.ndb]);
  // clamd refuses an empty database file, so the .hsb is left out when it would be empty.
  if (options.sha256Hashes > 0) bytes += await writeLines(files[1], options.sha256Hashes, (n) => sha256Line(hsb, n));
  return { files: options.sha256Hashes > 0 ? files : [files[0], files[2]], signatures: options.md5Hashes + options.sha256Hashes + options.bodySignatures + 2, bytes };
}
