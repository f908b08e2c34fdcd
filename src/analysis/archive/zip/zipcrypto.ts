/**
 * Traditional PKWARE encryption ("ZipCrypto", APPNOTE 6.1): a stream cipher
 * keyed by three CRC-mixed 32-bit words. Weak, but still what most "zip with
 * a password" phishing attachments use; and what a quarantine download is
 * sealed with, since every unzip tool opens it (the point is that no mail
 * client or virus scanner opens the sample by accident, not secrecy).
 */
import type { Buffer as NodeBuffer } from 'node:buffer';
import { Buffer } from 'node:buffer';

// Signed 32-bit entries: the key words stay small integers for the JIT (about twice as fast as unsigned).
const CRC_TABLE = ((): Int32Array => {
  const table = new Int32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c | 0;
  }
  return table;
})();

/** Size of the random header in front of every ZipCrypto entry. */
export const ZIPCRYPTO_HEADER = 12;

/**
 * Decrypts one ZipCrypto entry (12-byte header + data). Returns undefined when
 * the header's check byte rules the password out, so a wrong password costs
 * twelve bytes of work; the caller confirms a match by CRC, since one wrong
 * password in 256 passes the check.
 */
export function openZipCrypto(data: NodeBuffer, password: Uint8Array, checkBytes: readonly number[]): NodeBuffer | undefined {
  if (data.length < ZIPCRYPTO_HEADER) return undefined;
  let k0 = 0x12345678;
  let k1 = 0x23456789;
  let k2 = 0x34567890;
  const table = CRC_TABLE;
  const update = (byte: number): void => {
    k0 = (table[(k0 ^ byte) & 0xff] ?? 0) ^ (k0 >>> 8);
    k1 = (Math.imul(k1 + (k0 & 0xff), 134775813) + 1) | 0;
    k2 = (table[(k2 ^ (k1 >>> 24)) & 0xff] ?? 0) ^ (k2 >>> 8);
  };
  for (const byte of password) update(byte);
  let last = 0;
  for (let i = 0; i < ZIPCRYPTO_HEADER; i++) {
    const t = (k2 | 2) & 0xffff;
    last = (data[i] ?? 0) ^ ((Math.imul(t, t ^ 1) >>> 8) & 0xff);
    update(last);
  }
  if (!checkBytes.includes(last)) return undefined;
  const out = Buffer.allocUnsafe(data.length - ZIPCRYPTO_HEADER);
  // Hot loop: the key update is inlined (this runs once per byte of every opened entry).
  for (let i = ZIPCRYPTO_HEADER, j = 0; i < data.length; i++, j++) {
    const t = (k2 | 2) & 0xffff;
    const plain = (data[i] ?? 0) ^ ((Math.imul(t, t ^ 1) >>> 8) & 0xff);
    out[j] = plain;
    k0 = (table[(k0 ^ plain) & 0xff] ?? 0) ^ (k0 >>> 8);
    k1 = (Math.imul(k1 + (k0 & 0xff), 134775813) + 1) | 0;
    k2 = (table[(k2 ^ (k1 >>> 24)) & 0xff] ?? 0) ^ (k2 >>> 8);
  }
  return out;
}

/**
 * Encrypts one entry (APPNOTE 6.1.5): the 12-byte header is `random` with
 * its last byte set to `checkByte` (the high byte of the entry's CRC-32),
 * followed by the data. Returns header + ciphertext.
 */
export function sealZipCrypto(plain: Uint8Array, password: Uint8Array, checkByte: number, random: Uint8Array): NodeBuffer {
  if (random.length < ZIPCRYPTO_HEADER - 1) throw new RangeError('ZipCrypto needs 11 random header bytes');
  let k0 = 0x12345678;
  let k1 = 0x23456789;
  let k2 = 0x34567890;
  const table = CRC_TABLE;
  const update = (byte: number): void => {
    k0 = (table[(k0 ^ byte) & 0xff] ?? 0) ^ (k0 >>> 8);
    k1 = (Math.imul(k1 + (k0 & 0xff), 134775813) + 1) | 0;
    k2 = (table[(k2 ^ (k1 >>> 24)) & 0xff] ?? 0) ^ (k2 >>> 8);
  };
  for (const byte of password) update(byte);
  const out = Buffer.allocUnsafe(ZIPCRYPTO_HEADER + plain.length);
  const seal = (byte: number, at: number): void => {
    const t = (k2 | 2) & 0xffff;
    out[at] = byte ^ ((Math.imul(t, t ^ 1) >>> 8) & 0xff);
    update(byte);
  };
  for (let i = 0; i < ZIPCRYPTO_HEADER - 1; i++) seal(random[i] ?? 0, i);
  seal(checkByte & 0xff, ZIPCRYPTO_HEADER - 1);
  for (let i = 0; i < plain.length; i++) seal(plain[i] ?? 0, ZIPCRYPTO_HEADER + i);
  return out;
}
