/**
 * A small clamd client over node:net: PING, VERSION and zINSTREAM, one
 * connection per command (clamd serves one INSTREAM per connection; sessions
 * would save a TCP handshake on loopback, not worth their state here).
 * Every call has a connect timeout and an overall deadline, and the reply
 * read is bounded, so a wedged or hostile clamd cannot hold a worker.
 */
import { connect } from 'node:net';
import type { Socket } from 'node:net';

/** Where clamd listens: TCP host:port or a Unix socket path. */
export type ClamdTarget = { readonly host: string; readonly port: number } | { readonly socketPath: string };

export interface ClamdCallOptions {
  /** Deadline of the whole call (connect, send, reply), in ms. */
  readonly timeoutMs: number;
  /** Deadline of the TCP/Unix connect alone, in ms; defaults to timeoutMs. */
  readonly connectTimeoutMs?: number;
  /** Caller's cancellation (e.g. the message's analysis deadline). */
  readonly signal?: AbortSignal;
}

export type ScanResult =
  | { readonly status: 'clean' }
  | { readonly status: 'found'; readonly signature: string }
  /** clamd refused the stream as longer than its StreamMaxLength. */
  | { readonly status: 'too-large' }
  /** clamd unreachable, timed out, or answered something we cannot read. */
  | { readonly status: 'unavailable'; readonly reason: string };

// clamd's replies are one short line; anything longer is not clamd.
const MAX_REPLY_BYTES = 4096;
// INSTREAM chunk size: clamd's default and what clamdscan sends.
const CHUNK_BYTES = 64 * 1024;

class ClamdCallError extends Error {}

// How long a failed write or a reset waits for a reply clamd already sent.
const REPLY_LINGER_MS = 200;

/**
 * Sends one command and reads its null-terminated reply. `send` writes the
 * request; it may still be writing when clamd answers early (size limit), so
 * a reply wins over a later write error.
 */
async function call(target: ClamdTarget, send: (socket: Socket) => Promise<void>, options: ClamdCallOptions): Promise<string> {
  if (options.signal?.aborted === true) throw new ClamdCallError('aborted before connecting');
  return new Promise<string>((resolve, reject) => {
    const socket = 'socketPath' in target ? connect({ path: target.socketPath }) : connect({ host: target.host, port: target.port });
    const chunks: Buffer[] = [];
    let received = 0;
    let settled = false;
    const finish = (error: Error | undefined, reply?: string): void => {
      if (settled) return;
      settled = true;
      clearTimeout(overall);
      clearTimeout(connecting);
      clearTimeout(lingering);
      options.signal?.removeEventListener('abort', onAbort);
      socket.destroy();
      if (error !== undefined) reject(error);
      else resolve(reply ?? '');
    };
    const onAbort = (): void => finish(new ClamdCallError('aborted'));
    options.signal?.addEventListener('abort', onAbort, { once: true });
    const overall = setTimeout(() => finish(new ClamdCallError(`no reply within ${options.timeoutMs} ms`)), options.timeoutMs);
    const connectMs = options.connectTimeoutMs ?? options.timeoutMs;
    const connecting = setTimeout(() => finish(new ClamdCallError(`connect timed out after ${connectMs} ms`)), connectMs);
    // clamd answers early and closes (size limit) while we may still be writing: the write
    // fails, and the reply may be read only after that. Give it a moment before failing.
    let lingering: NodeJS.Timeout | undefined;
    let pending: ClamdCallError | undefined;
    const failSoon = (error: ClamdCallError): void => {
      if (received > 0 || lingering !== undefined) return;
      pending = error;
      lingering = setTimeout(() => finish(error), REPLY_LINGER_MS);
      lingering.unref();
    };
    socket.on('connect', () => {
      clearTimeout(connecting);
      send(socket).catch((err: unknown) => failSoon(new ClamdCallError(`write failed: ${describe(err)}`)));
    });
    socket.on('data', (chunk: Buffer) => {
      chunks.push(chunk);
      received += chunk.length;
      const all = Buffer.concat(chunks);
      const end = all.indexOf(0);
      if (end >= 0) finish(undefined, all.subarray(0, end).toString('latin1'));
      else if (received > MAX_REPLY_BYTES) finish(new ClamdCallError(`reply longer than ${MAX_REPLY_BYTES} bytes`));
    });
    socket.on('error', (err) => failSoon(new ClamdCallError(describe(err))));
    socket.on('close', () => {
      if (received > 0) finish(new ClamdCallError('reply not terminated'));
      else finish(pending ?? new ClamdCallError('connection closed without a reply'));
    });
  });
}

function describe(err: unknown): string {
  if (err instanceof Error) {
    const code = (err as Error & { code?: unknown }).code;
    return typeof code === 'string' ? `${code}: ${err.message}` : err.message;
  }
  return String(err);
}

/** Writes and waits for 'drain' when the socket's buffer is full, so a big artifact is not queued whole. */
async function writeWithBackpressure(socket: Socket, data: Uint8Array): Promise<void> {
  if (socket.write(data)) return;
  await new Promise<void>((resolve, reject) => {
    const cleanup = (): void => {
      socket.off('drain', onDrain);
      socket.off('close', onClose);
    };
    const onDrain = (): void => {
      cleanup();
      resolve();
    };
    const onClose = (): void => {
      cleanup();
      reject(new ClamdCallError('connection closed while sending'));
    };
    socket.on('drain', onDrain);
    socket.on('close', onClose);
  });
}

/** The INSTREAM body: length-prefixed chunks, then a zero-length chunk. */
async function sendStream(socket: Socket, content: Uint8Array): Promise<void> {
  await writeWithBackpressure(socket, Buffer.from('zINSTREAM\0', 'latin1'));
  for (let offset = 0; offset < content.length; offset += CHUNK_BYTES) {
    const chunk = content.subarray(offset, Math.min(offset + CHUNK_BYTES, content.length));
    const header = Buffer.alloc(4);
    header.writeUInt32BE(chunk.length, 0);
    await writeWithBackpressure(socket, header);
    await writeWithBackpressure(socket, chunk);
  }
  await writeWithBackpressure(socket, Buffer.alloc(4));
}

const FOUND = /^stream: (.+) FOUND$/;

/** Reads clamd's INSTREAM reply. Exported for unit tests. */
export function parseScanReply(reply: string): ScanResult {
  const line = reply.trim();
  if (line === 'stream: OK') return { status: 'clean' };
  const found = FOUND.exec(line);
  if (found?.[1] !== undefined) return { status: 'found', signature: found[1] };
  if (line === 'INSTREAM size limit exceeded. ERROR') return { status: 'too-large' };
  if (line.endsWith(' ERROR')) return { status: 'unavailable', reason: `clamd error: ${line}` };
  return { status: 'unavailable', reason: `unexpected clamd reply: ${line}` };
}

/** Scans bytes with zINSTREAM. Never throws: an outage is `{ status: 'unavailable' }`. */
export async function scanBytes(target: ClamdTarget, content: Uint8Array, options: ClamdCallOptions): Promise<ScanResult> {
  try {
    return parseScanReply(await call(target, (socket) => sendStream(socket, content), options));
  } catch (err) {
    return { status: 'unavailable', reason: describe(err) };
  }
}

/** Sends zPING; resolves when clamd answers PONG, throws with the reason otherwise. */
export async function pingClamd(target: ClamdTarget, options: ClamdCallOptions): Promise<void> {
  const reply = await call(target, (socket) => writeWithBackpressure(socket, Buffer.from('zPING\0', 'latin1')), options);
  if (reply.trim() !== 'PONG') throw new ClamdCallError(`unexpected PING reply: ${reply.trim()}`);
}

/** Sends zVERSION; returns clamd's version line (engine and database versions). */
export async function readClamdVersion(target: ClamdTarget, options: ClamdCallOptions): Promise<string> {
  return (await call(target, (socket) => writeWithBackpressure(socket, Buffer.from('zVERSION\0', 'latin1')), options)).trim();
}
