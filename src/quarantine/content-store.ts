/**
 * Where held bodies and their spool meta live. Two stores keep one
 * contract: files in this node's data folder (SQLite, one node) and the
 * shared database (PostgreSQL, where any node must show or release what
 * another held). Bodies are content-addressed in both: one copy per SHA-256.
 */
import type { Readable } from 'node:stream';
import type { SpoolMeta } from '../delivery/ports.js';

export interface QuarantineContentStore {
  readonly kind: 'files' | 'database';
  /**
   * Stores the body file under its SHA-256 unless a copy is there already;
   * durable on return. `move` hands the file over (it is gone afterwards);
   * `copy` leaves it where it is.
   */
  putBody(body: { sha256: string; size: number; path: string; how: 'move' | 'copy' }): Promise<void>;
  openBody(sha256: string): Promise<Readable>;
  readBody(sha256: string): Promise<Buffer>;
  /** Removes the body when no held or released entry refers to it any more. */
  removeBodyIfUnreferenced(sha256: string): Promise<void>;
  putMeta(meta: SpoolMeta): Promise<void>;
  /** The meta of a held message; undefined when it is not stored. */
  readMeta(queueId: string): Promise<SpoolMeta | undefined>;
  removeMeta(queueId: string): Promise<void>;
}

/** Reads a readable to the end into one buffer (bodies are bounded by the message size limit). */
export async function readAll(stream: AsyncIterable<Uint8Array>): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const chunk of stream) parts.push(Buffer.from(chunk));
  return Buffer.concat(parts);
}
