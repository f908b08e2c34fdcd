/**
 * The quarantine content in the shared database (PostgreSQL installations):
 * any node shows and releases what any other held. Adapts the storage
 * layer's chunked, content-addressed store (src/storage/quarantine-content.ts)
 * to files: a body is streamed in from the spool and, when moved, its spool
 * file is removed once the database has committed it.
 */
import { createReadStream } from 'node:fs';
import { rm } from 'node:fs/promises';
import { Readable } from 'node:stream';
import type { SpoolMeta } from '../delivery/ports.js';
import { readAll, type QuarantineContentStore } from './content-store.js';

/** What the database offers (storage implements it). */
export interface QuarantineDatabasePort {
  putBody(body: { sha256: string; size: number; chunks: AsyncIterable<Uint8Array>; at: Date }): Promise<boolean>;
  readBody(sha256: string): AsyncIterable<Buffer>;
  removeBodyIfUnreferenced(sha256: string): Promise<boolean>;
  putMeta(queueId: string, meta: string): Promise<void>;
  getMeta(queueId: string): Promise<string | undefined>;
  removeMeta(queueId: string): Promise<void>;
}

export function createDatabaseContentStore(port: QuarantineDatabasePort, now: () => Date = () => new Date()): QuarantineContentStore {
  return {
    kind: 'database',

    async putBody({ sha256, size, path, how }) {
      // 1 MiB reads match the store's chunk size: one read, one row.
      await port.putBody({ sha256, size, chunks: createReadStream(path, { highWaterMark: 1024 * 1024 }), at: now() });
      if (how === 'move') await rm(path, { force: true });
    },

    openBody: (sha256) => Promise.resolve(Readable.from(port.readBody(sha256))),
    readBody: (sha256) => readAll(port.readBody(sha256)),

    async removeBodyIfUnreferenced(sha256) {
      await port.removeBodyIfUnreferenced(sha256);
    },

    putMeta: (meta) => port.putMeta(meta.queueId, JSON.stringify(meta)),

    async readMeta(queueId) {
      const text = await port.getMeta(queueId);
      // Trust boundary: written by putMeta above from a SpoolMeta.
      return text === undefined ? undefined : (JSON.parse(text) as SpoolMeta);
    },

    removeMeta: (queueId) => port.removeMeta(queueId),
  };
}
