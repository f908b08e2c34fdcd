/**
 * Quarantined bodies and their spool meta in the database: what lets every
 * node of a PostgreSQL installation show and release a message another node
 * quarantined. Bodies are content-addressed (one copy per SHA-256) and kept
 * in chunks, so neither writing nor reading one holds a whole message in
 * memory or in one row.
 */
import { createHash } from 'node:crypto';
import { PostgresAdapter, sql, type Kysely, type Transaction } from 'kysely';
import { MoatError } from '../core/index.js';
import type { Database } from './database.js';

/** Bytes per chunk row: big enough that a 25 MB message is 25 rows, small enough to be one cheap read. */
export const QUARANTINE_CHUNK_BYTES = 1024 * 1024;

export interface QuarantineContent {
  /**
   * Stores a body under its SHA-256 unless a copy is already there, checking
   * the bytes against the hash and size on the way (a mismatch stores
   * nothing). True when this call stored it.
   */
  putBody(body: { sha256: string; size: number; chunks: AsyncIterable<Uint8Array>; at: Date }): Promise<boolean>;
  hasBody(sha256: string): Promise<boolean>;
  /** The body, a chunk at a time; `QUARANTINE_BODY_MISSING` when it is not (or no longer) stored. */
  readBody(sha256: string): AsyncIterable<Buffer>;
  /** Deletes the body unless a quarantine entry that is not deleted still refers to it. True when deleted. */
  removeBodyIfUnreferenced(sha256: string): Promise<boolean>;
  /** Stores (or replaces) a held message's spool meta, as JSON. */
  putMeta(queueId: string, meta: string): Promise<void>;
  getMeta(queueId: string): Promise<string | undefined>;
  removeMeta(queueId: string): Promise<void>;
}

/**
 * PostgreSQL: storing and removing one body serialise on a lock named by its
 * hash, so a node removing the last other reference can never delete a body
 * another node is just starting to share (the remover's check then sees the
 * new entry, or the storer finds the body gone and stores it again).
 * SQLite has one writer at a time anyway.
 */
async function lockBody(trx: Transaction<Database>, sha256: string): Promise<void> {
  if (trx.getExecutor().adapter instanceof PostgresAdapter) {
    await sql`select pg_advisory_xact_lock(hashtextextended(${`moat-quarantine-body:${sha256}`}, 0))`.execute(trx);
  }
}

/** Re-cuts a byte stream into chunks of exactly `size` bytes (the last may be shorter). */
async function* rechunk(source: AsyncIterable<Uint8Array>, size: number): AsyncGenerator<Buffer> {
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  for await (const piece of source) {
    let offset = 0;
    while (offset < piece.length) {
      const take = Math.min(size - pendingBytes, piece.length - offset);
      pending.push(Buffer.from(piece.buffer, piece.byteOffset + offset, take));
      pendingBytes += take;
      offset += take;
      if (pendingBytes === size) {
        yield Buffer.concat(pending, pendingBytes);
        pending = [];
        pendingBytes = 0;
      }
    }
  }
  if (pendingBytes > 0) yield Buffer.concat(pending, pendingBytes);
}

const HEX_SHA256 = /^[0-9a-f]{64}$/;

function checkHash(sha256: string): string {
  const lower = sha256.toLowerCase();
  if (!HEX_SHA256.test(lower)) throw new MoatError('QUARANTINE_BAD_HASH', `not a SHA-256: ${JSON.stringify(sha256.slice(0, 80))}`);
  return lower;
}

/** Creates the database content store over a migrated database (either engine). */
export function createQuarantineContent(db: Kysely<Database>): QuarantineContent {
  return {
    async putBody({ sha256, size, chunks, at }) {
      const key = checkHash(sha256);
      return db.transaction().execute(async (trx) => {
        await lockBody(trx, key);
        const present = await trx.selectFrom('quarantine_bodies').select('sha256').where('sha256', '=', key).executeTakeFirst();
        if (present !== undefined) return false;
        const hash = createHash('sha256');
        let seq = 0;
        let total = 0;
        // The parent row first (chunks reference it); its chunk count is set once all are in.
        await trx.insertInto('quarantine_bodies').values({ sha256: key, size, chunks: 0, stored_at: at.toISOString() }).execute();
        for await (const chunk of rechunk(chunks, QUARANTINE_CHUNK_BYTES)) {
          hash.update(chunk);
          total += chunk.length;
          if (total > size) break;
          await trx.insertInto('quarantine_body_chunks').values({ sha256: key, seq, data: chunk }).execute();
          seq += 1;
        }
        const digest = hash.digest('hex');
        if (total !== size || digest !== key) {
          // Throwing rolls the transaction back: nothing of a body that is not what was promised stays.
          throw new MoatError('QUARANTINE_BODY_MISMATCH', `body ${key} read back as ${total} bytes with SHA-256 ${digest} (expected ${size} bytes)`);
        }
        await trx.updateTable('quarantine_bodies').set({ chunks: seq }).where('sha256', '=', key).execute();
        return true;
      });
    },

    async hasBody(sha256) {
      const row = await db.selectFrom('quarantine_bodies').select('sha256').where('sha256', '=', checkHash(sha256)).executeTakeFirst();
      return row !== undefined;
    },

    async *readBody(sha256) {
      const key = checkHash(sha256);
      const body = await db.selectFrom('quarantine_bodies').select(['chunks', 'size']).where('sha256', '=', key).executeTakeFirst();
      if (body === undefined) throw new MoatError('QUARANTINE_BODY_MISSING', `quarantined body ${key} is not stored`);
      for (let seq = 0; seq < body.chunks; seq++) {
        const row = await db.selectFrom('quarantine_body_chunks').select('data').where('sha256', '=', key).where('seq', '=', seq).executeTakeFirst();
        // Deleted under us (the last reference went while we read): the reader gets a clear error, not a short body.
        if (row === undefined) throw new MoatError('QUARANTINE_BODY_MISSING', `quarantined body ${key} lost chunk ${seq}`);
        yield Buffer.from(row.data);
      }
    },

    async removeBodyIfUnreferenced(sha256) {
      const key = checkHash(sha256);
      return db.transaction().execute(async (trx) => {
        await lockBody(trx, key);
        const result = await trx
          .deleteFrom('quarantine_bodies')
          .where('sha256', '=', key)
          .where((eb) => eb.not(eb.exists(eb.selectFrom('quarantine').select('queue_id').where('quarantine.sha256', '=', key).where('quarantine.state', '<>', 'deleted'))))
          .executeTakeFirst();
        // Chunks go with their body (ON DELETE CASCADE).
        return result.numDeletedRows > 0n;
      });
    },

    async putMeta(queueId, meta) {
      await db
        .insertInto('quarantine_meta')
        .values({ queue_id: queueId, meta })
        .onConflict((oc) => oc.column('queue_id').doUpdateSet({ meta }))
        .execute();
    },

    async getMeta(queueId) {
      const row = await db.selectFrom('quarantine_meta').select('meta').where('queue_id', '=', queueId).executeTakeFirst();
      return row?.meta;
    },

    async removeMeta(queueId) {
      await db.deleteFrom('quarantine_meta').where('queue_id', '=', queueId).execute();
    },
  };
}
