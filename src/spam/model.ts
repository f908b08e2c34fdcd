/**
 * The shipped global model: per-token spam and ham message counts and the
 * number of messages of each class it was trained on. Stored as a gzipped
 * columnar binary (bench/spam-train.ts writes it): sorted token hashes as
 * deltas, then the spam counts, then the ham counts, all u32 big-endian,
 * which gzip folds to about a third. Decoding checks every length, so a
 * truncated or foreign file is an error, never a half-loaded model.
 */
import { readFile, stat } from 'node:fs/promises';
import { gunzipSync, gzipSync } from 'node:zlib';
import { MoatError } from '../core/index.js';

/** Spam and ham message counts of one token. */
export interface TokenCounts {
  readonly spam: number;
  readonly ham: number;
}

export interface BayesModel {
  readonly spamMessages: number;
  readonly hamMessages: number;
  /** Token hash (8 hex digits) to counts. */
  readonly tokens: ReadonlyMap<string, TokenCounts>;
}

const MAGIC = Buffer.from('MOATBAY1', 'latin1');
const HEADER_BYTES = MAGIC.length + 12;
// The shipped model is ~1 MB gzipped; a file far larger is not ours (or is a decompression bomb).
const MAX_FILE_BYTES = 32 * 1024 * 1024;
const MAX_TOKENS = 4_000_000;
const TOKEN = /^[0-9a-f]{8}$/u;

/** Serialises a model (gzip level 9, deterministic: same model, same bytes). */
export function encodeBayesModel(model: BayesModel): Buffer {
  const entries = [...model.tokens].map(([token, counts]) => [Number.parseInt(token, 16), counts] as const).sort((a, b) => a[0] - b[0]);
  const n = entries.length;
  const out = Buffer.alloc(HEADER_BYTES + n * 12);
  MAGIC.copy(out, 0);
  out.writeUInt32BE(model.spamMessages, 8);
  out.writeUInt32BE(model.hamMessages, 12);
  out.writeUInt32BE(n, 16);
  let previous = 0;
  entries.forEach(([token, counts], i) => {
    out.writeUInt32BE(token - previous, HEADER_BYTES + i * 4);
    out.writeUInt32BE(counts.spam, HEADER_BYTES + n * 4 + i * 4);
    out.writeUInt32BE(counts.ham, HEADER_BYTES + n * 8 + i * 4);
    previous = token;
  });
  return gzipSync(out, { level: 9 });
}

/** Parses a model file's bytes; throws MoatError('SPAM_MODEL_INVALID') on anything unexpected. */
export function decodeBayesModel(gz: Uint8Array): BayesModel {
  let raw: Buffer;
  try {
    raw = gunzipSync(gz, { maxOutputLength: HEADER_BYTES + MAX_TOKENS * 12 });
  } catch (err) {
    throw new MoatError('SPAM_MODEL_INVALID', 'spam model is not a gzip stream within the size limit', { cause: err });
  }
  if (raw.length < HEADER_BYTES || !raw.subarray(0, MAGIC.length).equals(MAGIC)) throw new MoatError('SPAM_MODEL_INVALID', 'spam model has no MOATBAY1 header');
  const n = raw.readUInt32BE(16);
  if (n > MAX_TOKENS || raw.length !== HEADER_BYTES + n * 12) throw new MoatError('SPAM_MODEL_INVALID', `spam model length does not match its ${n} tokens`);
  const tokens = new Map<string, TokenCounts>();
  let token = 0;
  for (let i = 0; i < n; i++) {
    token += raw.readUInt32BE(HEADER_BYTES + i * 4);
    if (token > 0xffffffff || (i > 0 && raw.readUInt32BE(HEADER_BYTES + i * 4) === 0)) throw new MoatError('SPAM_MODEL_INVALID', 'spam model tokens are not strictly increasing');
    tokens.set(token.toString(16).padStart(8, '0'), { spam: raw.readUInt32BE(HEADER_BYTES + n * 4 + i * 4), ham: raw.readUInt32BE(HEADER_BYTES + n * 8 + i * 4) });
  }
  return { spamMessages: raw.readUInt32BE(8), hamMessages: raw.readUInt32BE(12), tokens };
}

/** Reads and decodes a model file (the shipped one is rules/spam/model.bin.gz). */
export async function loadBayesModel(path: string): Promise<BayesModel> {
  const info = await stat(path);
  if (info.size > MAX_FILE_BYTES) throw new MoatError('SPAM_MODEL_INVALID', `spam model ${path} is over ${MAX_FILE_BYTES} bytes`);
  return decodeBayesModel(await readFile(path));
}

/** An empty model: classifies nothing until an organization has trained enough. */
export function emptyBayesModel(): BayesModel {
  return { spamMessages: 0, hamMessages: 0, tokens: new Map() };
}

/** True for a well-formed token hash (as the worker produces them). */
export function isTokenHash(token: string): boolean {
  return TOKEN.test(token);
}
