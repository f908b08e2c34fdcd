/**
 * The embedded SQLite backend: one file, opened with the pragmas the gateway
 * relies on, migrated before anyone uses it.
 */
import { mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { Kysely, SqliteDialect, type SqliteDatabase } from 'kysely';
import { MoatError } from '../core/index.js';
import type { ChangeFeed } from './change-feed.js';
import type { Database } from './database.js';
import { migrateToLatest } from './migrate.js';

/** A migrated database handle; `app/` owns its lifecycle. */
export interface Storage {
  readonly db: Kysely<Database>;
  /**
   * Change notifications between the nodes sharing the database (PostgreSQL
   * LISTEN/NOTIFY). Absent on SQLite: one node, and its polling suffices.
   */
  readonly changes?: ChangeFeed;
  /** Closes the change feed (if any), then the database. */
  close(): Promise<void>;
}

export interface SqliteStorageOptions {
  /** Database file; created with its folder when missing. `:memory:` for a throwaway database. */
  readonly path: string;
  /**
   * How long a statement waits for another connection's write lock before it
   * fails with SQLITE_BUSY: the database call's timeout. Default 5000 ms.
   */
  readonly busyTimeoutMs?: number;
}

const DEFAULT_BUSY_TIMEOUT_MS = 5000;

/**
 * Opens (creating) the SQLite file, sets WAL, synchronous=NORMAL,
 * busy_timeout and foreign_keys, and runs pending migrations.
 */
export async function openSqliteStorage(options: SqliteStorageOptions): Promise<Storage> {
  const busyTimeoutMs = options.busyTimeoutMs ?? DEFAULT_BUSY_TIMEOUT_MS;
  // Interpolated into a PRAGMA below (pragmas take no bind parameters), so it must be a plain integer.
  if (!Number.isSafeInteger(busyTimeoutMs) || busyTimeoutMs < 0) {
    throw new MoatError('STORAGE_OPEN_FAILED', `invalid busyTimeoutMs ${String(busyTimeoutMs)}`);
  }
  let sqlite: BetterSqlite3.Database;
  try {
    if (options.path !== ':memory:') await mkdir(dirname(options.path), { recursive: true });
    sqlite = new BetterSqlite3(options.path, { timeout: busyTimeoutMs });
  } catch (err) {
    throw new MoatError('STORAGE_OPEN_FAILED', `cannot open database ${options.path}`, { cause: err });
  }
  try {
    // WAL: readers (search, UI) never block the SMTP path's writers, and commits append instead of rewriting pages.
    sqlite.pragma('journal_mode = WAL');
    // NORMAL skips the fsync on each commit; WAL stays consistent, but a power loss may drop the last
    // transactions. That is acceptable because the spool, fsynced before `250`, is the durability record,
    // not the database: startup re-enqueues spool entries (enqueue is idempotent) and the log is rebuilt from them.
    sqlite.pragma('synchronous = NORMAL');
    sqlite.pragma(`busy_timeout = ${String(busyTimeoutMs)}`);
    sqlite.pragma('foreign_keys = ON');
  } catch (err) {
    sqlite.close();
    throw new MoatError('STORAGE_OPEN_FAILED', `cannot configure database ${options.path}`, { cause: err });
  }
  const db = new Kysely<Database>({ dialect: new SqliteDialect({ database: withStatementCache(sqlite) }) });
  try {
    await migrateToLatest(db);
  } catch (err) {
    await db.destroy();
    throw err;
  }
  return { db, close: () => db.destroy() };
}

// Distinct SQL texts the gateway issues are a few dozen; the bound keeps ad-hoc searches from growing it.
const STATEMENT_CACHE_SIZE = 256;

/**
 * Kysely prepares every query anew; on the SMTP hot path that is several
 * prepares per message. This wrapper (what Kysely's dialect asks for:
 * `prepare` and `close`) reuses a prepared statement per SQL text, unless
 * that statement is busy iterating.
 */
function withStatementCache(sqlite: BetterSqlite3.Database): SqliteDatabase {
  const cache = new Map<string, BetterSqlite3.Statement>();
  return {
    close: () => {
      cache.clear();
      sqlite.close();
    },
    prepare(sql: string) {
      const cached = cache.get(sql);
      if (cached !== undefined && !cached.busy) return cached;
      const statement = sqlite.prepare(sql);
      if (cached === undefined) {
        if (cache.size >= STATEMENT_CACHE_SIZE) {
          const oldest = cache.keys().next().value;
          if (oldest !== undefined) cache.delete(oldest);
        }
        cache.set(sql, statement);
      }
      return statement;
    },
  };
}
