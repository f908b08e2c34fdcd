/**
 * The preview worker pool: one piscina thread, started on the first preview
 * and stopped when idle, so previews cost nothing while nobody looks. Each
 * preview has a time budget and the thread a heap limit; a preview that
 * overruns either, or whose thread dies, rejects with PREVIEW_TIMEOUT or
 * PREVIEW_FAILED and the thread is replaced. The attacker's MIME and HTML are
 * parsed only there (DESIGN.md property 1).
 */
import { Buffer } from 'node:buffer';
import { Piscina } from 'piscina';
import { escapeForDisplay, MoatError } from '../../core/index.js';
import type { MessagePreview, PreviewLimits } from './types.js';

// Resolved against this compiled file (dist/src/analysis/preview/pool.js): dist/src/workers/preview-worker.js.
const WORKER_URL = new URL('../../workers/preview-worker.js', import.meta.url);
const WORKER_FUNCTION = 'renderPreviewTask';
// Time close() allows a running preview beyond its own budget before the thread is terminated.
const CLOSE_GRACE_MS = 1000;
// An idle thread is stopped after this long: previews come in bursts while an analyst works the quarantine.
const DEFAULT_IDLE_TIMEOUT_MS = 60_000;
// Previews waiting for the one thread; more are refused at once rather than piling up behind a slow one.
const MAX_QUEUE = 16;

/** The task message the pool posts to the preview worker (src/workers/preview-worker.ts). */
export interface PreviewTask {
  readonly raw: Uint8Array;
  readonly remoteContent: boolean;
  readonly limits: PreviewLimits;
}

export interface PreviewPoolOptions {
  /** Wall-clock budget per preview, queue wait included. */
  readonly timeBudgetMs: number;
  /** V8 old-generation heap limit of the thread. */
  readonly workerHeapMb: number;
  readonly limits: PreviewLimits;
  /** The thread stops after this long without work (default 60 s). */
  readonly idleTimeoutMs?: number;
  /** Receives errors of an idle thread (no preview to attach them to); piscina has already replaced it. */
  readonly onWorkerError?: (error: unknown) => void;
}

export interface PreviewPool {
  /**
   * Renders the preview of a message (bytes, or a stream read up to limits.maxMessageBytes) in the worker.
   * Rejects with PREVIEW_TIMEOUT (budget), PREVIEW_FAILED (out of memory, thread died), PREVIEW_BUSY (queue full)
   * or PREVIEW_POOL_CLOSED.
   */
  preview(message: Uint8Array | AsyncIterable<Uint8Array>, options: { remoteContent: boolean }): Promise<MessagePreview>;
  close(): Promise<void>;
}

/** Creates the pool; no thread starts until the first preview. */
export function createPreviewPool(options: PreviewPoolOptions): PreviewPool {
  const piscina = new Piscina({
    filename: WORKER_URL.href,
    name: WORKER_FUNCTION,
    minThreads: 0,
    maxThreads: 1,
    maxQueue: MAX_QUEUE,
    idleTimeout: options.idleTimeoutMs ?? DEFAULT_IDLE_TIMEOUT_MS,
    resourceLimits: { maxOldGenerationSizeMb: options.workerHeapMb },
    // The thread parsing hostile content gets no copy of the process environment (secrets).
    env: {},
    closeTimeout: options.timeBudgetMs + CLOSE_GRACE_MS,
  });
  // Without a listener an idle worker's error would be thrown as an uncaught 'error' event.
  piscina.on('error', (error: unknown) => options.onWorkerError?.(error));
  let closed = false;
  let closing: Promise<void> | undefined;

  const closedError = (cause?: unknown): MoatError => new MoatError('PREVIEW_POOL_CLOSED', 'the preview pool is closed', cause === undefined ? undefined : { cause });

  return {
    async preview(message, previewOptions) {
      if (closed) throw closedError();
      const raw = message instanceof Uint8Array ? message : await readBounded(message, options.limits.maxMessageBytes + 1);
      if (closed) throw closedError();
      // Aborting a running task makes piscina terminate its thread and start a new one on demand.
      const signal = AbortSignal.timeout(options.timeBudgetMs);
      const task: PreviewTask = { raw, remoteContent: previewOptions.remoteContent, limits: options.limits };
      try {
        const result: unknown = await piscina.run(task, { signal });
        // Trust boundary: the value was produced by renderPreview in our own worker script.
        return result as MessagePreview;
      } catch (err) {
        if (closed) throw closedError(err);
        if (signal.aborted) throw new MoatError('PREVIEW_TIMEOUT', `the preview exceeded its time budget of ${options.timeBudgetMs} ms`, { cause: err });
        if (isQueueFull(err)) throw new MoatError('PREVIEW_BUSY', 'too many previews waiting, try again', { cause: err });
        throw new MoatError('PREVIEW_FAILED', describeWorkerFailure(err, options.workerHeapMb), { cause: err });
      }
    },
    close() {
      closed = true;
      closing ??= piscina.close({ force: true });
      return closing;
    },
  };
}

/** At most `maxBytes` of the stream; the rest is not read (the caller's preview notes say the message was cut). */
async function readBounded(source: AsyncIterable<Uint8Array>, maxBytes: number): Promise<Uint8Array> {
  const chunks: Buffer[] = [];
  let total = 0;
  // Leaving the loop early calls the iterator's return(), which destroys a Readable: nothing more is read.
  for await (const chunk of source) {
    const piece = Buffer.from(chunk.buffer, chunk.byteOffset, Math.min(chunk.length, maxBytes - total));
    chunks.push(piece);
    total += piece.length;
    if (total >= maxBytes) break;
  }
  return Buffer.concat(chunks, total);
}

function isQueueFull(err: unknown): boolean {
  return err instanceof Error && /queue is at limit/iu.test(err.message);
}

function describeWorkerFailure(err: unknown, heapMb: number): string {
  const code = err instanceof Error ? (err as Error & { code?: unknown }).code : undefined;
  if (code === 'ERR_WORKER_OUT_OF_MEMORY') return `the preview worker ran out of memory (heap limit ${heapMb} MB) and was replaced`;
  const text = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
  return `the preview worker failed: ${escapeForDisplay(text, 200)}`;
}
