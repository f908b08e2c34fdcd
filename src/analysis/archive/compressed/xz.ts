/**
 * xz via xz-decompress (xz-embedded compiled to WebAssembly). It is a web
 * ReadableStream of output chunks, so we pull chunk by chunk and cancel as
 * soon as the budget cap is passed: output never grows past the cap.
 *
 * Residual risk (documented in FINDINGS.md): the decoder's dictionary lives in
 * WebAssembly memory, outside V8's heap limit. xz-embedded allocates the
 * dictionary size the stream declares (up to 1.5 GiB) but the pages are only
 * touched as output is written, and output is capped, so resident memory
 * stays near the cap. The library serialises decoders through a mutex, so a
 * stream must always be finished or cancelled: the finally block does that.
 */
import { Buffer } from 'node:buffer';
import xzDecompress from 'xz-decompress';
import { capMemberOutput, exceedCap } from '../../dissect/budget.js';
import type { DissectResult, Dissector, DissectSubject, DissectContext } from '../../dissect/dissector.js';
import { createStreamFindings } from './findings.js';
import { nameDecompressed } from './member-name.js';

const XZ_MAGIC = [0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00];
// xz-embedded reports "no progress" on a truncated stream, but not before some empty rounds; this bounds them.
const MAX_EMPTY_CHUNKS = 64;

/** True for an xz stream header. */
export function looksLikeXz(content: Uint8Array): boolean {
  return content.length >= 32 && XZ_MAGIC.every((b, i) => content[i] === b);
}

/** Creates the xz dissector (stateless; the WebAssembly module is loaded on first use). */
export function createXzDissector(): Dissector {
  return { name: 'xz', accepts: (s) => looksLikeXz(s.content), dissect: dissectXz };
}

async function dissectXz(subject: DissectSubject, ctx: DissectContext): Promise<DissectResult> {
  const findings = createStreamFindings('xz', subject.path);
  const cap = capMemberOutput(ctx.budget, subject.content.length);
  const input = new Blob([subject.content]).stream();
  const reader = new xzDecompress.XzReadableStream(input).getReader();
  const chunks: Uint8Array[] = [];
  let produced = 0;
  let done = false;
  try {
    for (let empty = 0; ; ) {
      const next = await reader.read();
      if (next.done) {
        done = true;
        break;
      }
      const chunk = next.value;
      empty = chunk.length === 0 ? empty + 1 : 0;
      if (empty > MAX_EMPTY_CHUNKS) {
        findings.note('XZ_MALFORMED', 'the stream makes no progress (truncated)');
        break;
      }
      produced += chunk.length;
      if (produced > cap.bytes) throw exceedCap(cap);
      chunks.push(chunk);
    }
  } catch (err) {
    // The wasm decoder reports data errors as "get_next_output failed with error code N"; a truncated input ends its reads early.
    if (!isDecoderError(err)) throw err;
    done = true;
    findings.note('XZ_MALFORMED', 'the stream is corrupt or truncated');
  } finally {
    // Releases the library's decoder mutex; a stream left open would block every later xz in this worker.
    if (!done) await reader.cancel().catch(() => undefined);
  }
  const data = Buffer.concat(chunks, produced);
  if (data.length === 0 && findings.list.length > 0) return { members: [], findings: findings.list };
  ctx.budget.chargeEntry();
  ctx.budget.chargeBytes(data.length);
  const name = nameDecompressed('xz', subject.rawName);
  return { members: [{ name, kind: 'file', content: data, declaredSize: data.length, compressedSize: subject.content.length }], findings: findings.list };
}

function isDecoderError(err: unknown): boolean {
  if (!(err instanceof Error)) return false;
  // A TypeError from reading past the end of the input happens inside the library on truncated streams.
  return /get_next_output failed/u.test(err.message) || (err instanceof TypeError && /byteLength|null/u.test(err.message));
}
