/**
 * Base64 body decoding that also says whether the input was well-formed.
 * Mail clients decode broken base64 leniently and differently; a part that
 * is not clean base64 is a parser-confusion signal worth a finding.
 */
import { Buffer } from 'node:buffer';

export interface Base64Outcome {
  readonly content: Buffer;
  /** False when the input held bytes outside the alphabet, data after padding, or a truncated quantum. */
  readonly valid: boolean;
}

const INVALID = 0;
const ALPHABET = 1;
const PAD = 2;
const SPACE = 3;

// One lookup per byte keeps the scan branch-light; it runs over every base64 byte of every message.
const KIND = new Uint8Array(256);
for (const ch of 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/') KIND[ch.charCodeAt(0)] = ALPHABET;
KIND[0x3d] = PAD;
for (const code of [0x20, 0x09, 0x0d, 0x0a]) KIND[code] = SPACE;

/** Decodes base64 body bytes (line breaks allowed) and reports whether they were well-formed. */
export function decodeBase64(encoded: Uint8Array): Base64Outcome {
  let symbols = 0;
  let padding = 0;
  let valid = true;
  for (let i = 0; i < encoded.length; i++) {
    const kind = KIND[encoded[i] ?? 0];
    if (kind === ALPHABET) {
      if (padding > 0) valid = false;
      symbols++;
    } else if (kind === PAD) {
      padding++;
    } else if (kind === INVALID) {
      valid = false;
    }
  }
  // A lone trailing symbol carries 6 bits, less than a byte: the data was cut or mangled.
  // Missing `=` padding alone is tolerated, as every client decodes it the same way.
  if (symbols % 4 === 1 || padding > 2) valid = false;
  const bytes = Buffer.from(encoded.buffer, encoded.byteOffset, encoded.length);
  return { content: Buffer.from(bytes.toString('latin1'), 'base64'), valid };
}
