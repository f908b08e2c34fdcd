/**
 * WinZip AES encryption (AE-1 / AE-2, https://www.winzip.com/en/support/aes-encryption/):
 * PBKDF2-HMAC-SHA1 (1000 iterations) derives an AES key, an HMAC key and a
 * 2-byte password verifier from the password and a per-entry salt; data is
 * AES in CTR mode with a little-endian counter starting at 1 (Gladman's
 * fileenc, which is not the big-endian counter of NIST CTR, so we run ECB
 * over counter blocks); the last 10 bytes are HMAC-SHA1-80 of the ciphertext.
 */
import type { Buffer as NodeBuffer } from 'node:buffer';
import { Buffer } from 'node:buffer';
import { createCipheriv, createHmac, pbkdf2Sync } from 'node:crypto';

const KEY_BYTES: Readonly<Record<number, number>> = { 1: 16, 2: 24, 3: 32 };
const VERIFIER_BYTES = 2;
const MAC_BYTES = 10;
const ITERATIONS = 1000;
// Counter blocks encrypted per cipher call: 64 KiB of key stream at a time bounds the scratch memory.
const BLOCKS_PER_CALL = 4096;

export interface AesOpened {
  readonly plain: NodeBuffer;
  /** False when the HMAC does not match: the ciphertext was altered or corrupted. */
  readonly authentic: boolean;
}

/** True when `strength` names an AES key size WinZip defines. */
export function isAesStrength(strength: number): boolean {
  return KEY_BYTES[strength] !== undefined;
}

/**
 * Opens one AES entry's data (salt, verifier, ciphertext, MAC). Returns
 * undefined when the password verifier rules the password out (1 in 65,536
 * wrong passwords passes it; the HMAC then tells).
 */
export function openWinZipAes(data: NodeBuffer, password: Uint8Array, strength: number): AesOpened | undefined {
  const keyBytes = KEY_BYTES[strength];
  if (keyBytes === undefined) return undefined;
  // Salt is half the key length: 8, 12 or 16 bytes.
  const saltBytes = keyBytes / 2;
  if (data.length < saltBytes + VERIFIER_BYTES + MAC_BYTES) return undefined;
  const salt = data.subarray(0, saltBytes);
  const derived = pbkdf2Sync(password, salt, ITERATIONS, 2 * keyBytes + VERIFIER_BYTES, 'sha1');
  const verifier = data.subarray(saltBytes, saltBytes + VERIFIER_BYTES);
  if (!derived.subarray(2 * keyBytes).equals(verifier)) return undefined;
  const cipherText = data.subarray(saltBytes + VERIFIER_BYTES, data.length - MAC_BYTES);
  const mac = createHmac('sha1', derived.subarray(keyBytes, 2 * keyBytes)).update(cipherText).digest().subarray(0, MAC_BYTES);
  const authentic = mac.equals(data.subarray(data.length - MAC_BYTES));
  return { plain: ctrLittleEndian(derived.subarray(0, keyBytes), cipherText), authentic };
}

function ctrLittleEndian(key: NodeBuffer, input: NodeBuffer): NodeBuffer {
  const ecb = createCipheriv(`aes-${key.length * 8}-ecb`, key, null);
  ecb.setAutoPadding(false);
  const out = Buffer.allocUnsafe(input.length);
  const counters = Buffer.alloc(BLOCKS_PER_CALL * 16);
  let counter = 1;
  for (let offset = 0; offset < input.length; offset += BLOCKS_PER_CALL * 16) {
    const length = Math.min(BLOCKS_PER_CALL * 16, input.length - offset);
    const blocks = Math.ceil(length / 16);
    for (let b = 0; b < blocks; b++, counter++) {
      counters.writeUInt32LE(counter % 0x100000000, b * 16);
      counters.writeUInt32LE(Math.floor(counter / 0x100000000), b * 16 + 4);
    }
    const stream = ecb.update(counters.subarray(0, blocks * 16));
    for (let i = 0; i < length; i++) out[offset + i] = (input[offset + i] ?? 0) ^ (stream[i] ?? 0);
  }
  return out;
}
