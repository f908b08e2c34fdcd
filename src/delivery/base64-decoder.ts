/**
 * Base64 for the MIME rewriter, decoded the way the analysis decodes it.
 */
import { Buffer } from 'node:buffer';
import { Transform } from 'node:stream';
import type { TransformCallback } from 'node:stream';

/**
 * Streaming base64 decoding with exactly the result of `Buffer.from(latin1, 'base64')` on the
 * whole body (what parse-mime's decodeBase64 returns): bytes outside the alphabet are skipped,
 * `-` and `_` count as `+` and `/`, decoding stops at the first `=`, and a final partial
 * quantum gives the bytes it holds.
 */
export function createBase64Decoder(): Transform {
  let carry = '';
  let padded = false;
  return new Transform({
    transform(chunk: unknown, _encoding: BufferEncoding, callback: TransformCallback): void {
      if (padded) {
        callback();
        return;
      }
      let text = Buffer.isBuffer(chunk) ? chunk.toString('latin1') : String(chunk);
      const pad = text.indexOf('=');
      if (pad >= 0) {
        text = text.slice(0, pad);
        padded = true;
      }
      const symbols = carry + text.replace(/[^A-Za-z0-9+/_-]+/g, '');
      const whole = symbols.length - (symbols.length % 4);
      carry = symbols.slice(whole);
      if (whole === 0) callback();
      else callback(null, Buffer.from(symbols.slice(0, whole), 'base64'));
    },
    flush(callback: TransformCallback): void {
      if (carry === '') callback();
      else callback(null, Buffer.from(carry, 'base64'));
    },
  });
}
