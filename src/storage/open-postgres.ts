/**
 * The PostgreSQL backend: a `pg` connection pool behind Kysely's Postgres
 * dialect, checked and migrated before anyone uses it. Several nodes share
 * one database; migrations serialise on Kysely's advisory lock.
 */
import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import { MoatError } from '../core/index.js';
import { PostgresChangeFeed, type ChangeFeedState } from './change-feed.js';
import type { Database } from './database.js';
import { migrateToLatest } from './migrate.js';
import type { Storage } from './open-sqlite.js';

/** TLS to the server: `true` verifies the certificate against the system CAs; `ca` pins a PEM bundle. */
export type PostgresTlsOptions = boolean | { readonly rejectUnauthorized?: boolean; readonly ca?: string };

export interface PostgresStorageOptions {
  /**
   * `postgres://user:password@host:port/database`. Fields given below override
   * the URL's parts (so the password can come from a secrets file). Query
   * parameters are refused: use `ssl` instead of `?sslmode=`.
   */
  readonly url?: string;
  /** Default `127.0.0.1`. A path (`/run/postgresql`) means a Unix socket folder. */
  readonly host?: string;
  /** Default 5432. */
  readonly port?: number;
  /** Default `moat`. */
  readonly database?: string;
  /** Default `moat`. */
  readonly user?: string;
  readonly password?: string;
  readonly ssl?: PostgresTlsOptions;
  /**
   * Schema the tables live in (the connection's `search_path`); created when
   * missing. Lower-case letters, digits and `_`. Default: the server's
   * (normally `public`).
   */
  readonly schema?: string;
  /** Pool size per node. Default 10. */
  readonly poolMax?: number;
  /** Deadline for opening a connection (TCP, TLS, auth) and for waiting on a free one. Default 5000 ms. */
  readonly connectTimeoutMs?: number;
  /** `statement_timeout` of every connection: the deadline of each database call. Default 30000 ms. */
  readonly statementTimeoutMs?: number;
  /**
   * An idle pooled connection failed (server restart, network cut). The pool
   * drops it and opens a fresh one on the next query; `app/` logs this at `warn`.
   */
  readonly onPoolError?: (error: Error) => void;
  /** The change feed's listener connection was lost (and is retried) or restored; `app/` logs it. */
  readonly onChangeFeedState?: (state: ChangeFeedState) => void;
}

const DEFAULTS = {
  host: '127.0.0.1',
  port: 5432,
  database: 'moat',
  user: 'moat',
  poolMax: 10,
  connectTimeoutMs: 5000,
  statementTimeoutMs: 30_000,
} as const;

// Interpolated into the startup `options` (`-c search_path=...`), which takes no bind parameters; unquoted
// identifiers fold to lower case, so only lower-case names mean the same thing everywhere.
const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

interface Target {
  host: string;
  port: number;
  database: string;
  user: string;
  password: string | undefined;
}

/** The server the options name, for the pool and for error messages (which never carry the password). */
function resolveTarget(options: PostgresStorageOptions): Target {
  let fromUrl: Partial<Target> = {};
  if (options.url !== undefined) {
    let url: URL;
    try {
      url = new URL(options.url);
    } catch {
      // The URL may hold a password: it is not echoed.
      throw new MoatError('STORAGE_OPEN_FAILED', 'invalid PostgreSQL url');
    }
    if (url.protocol !== 'postgres:' && url.protocol !== 'postgresql:') throw new MoatError('STORAGE_OPEN_FAILED', `PostgreSQL url has scheme ${url.protocol}, expected postgres:`);
    if (url.search !== '') throw new MoatError('STORAGE_OPEN_FAILED', 'PostgreSQL url has query parameters; use the ssl option instead');
    fromUrl = {
      ...(url.hostname !== '' && { host: decodeURIComponent(url.hostname).replace(/^\[|\]$/g, '') }),
      ...(url.port !== '' && { port: Number(url.port) }),
      ...(url.pathname.length > 1 && { database: decodeURIComponent(url.pathname.slice(1)) }),
      ...(url.username !== '' && { user: decodeURIComponent(url.username) }),
      ...(url.password !== '' && { password: decodeURIComponent(url.password) }),
    };
  }
  const target: Target = {
    host: options.host ?? fromUrl.host ?? DEFAULTS.host,
    port: options.port ?? fromUrl.port ?? DEFAULTS.port,
    database: options.database ?? fromUrl.database ?? DEFAULTS.database,
    user: options.user ?? fromUrl.user ?? DEFAULTS.user,
    password: options.password ?? fromUrl.password,
  };
  if (!Number.isInteger(target.port) || target.port < 1 || target.port > 65_535) throw new MoatError('STORAGE_OPEN_FAILED', `invalid PostgreSQL port ${String(target.port)}`);
  return target;
}

function checkMs(name: string, value: number, min: number): number {
  if (!Number.isSafeInteger(value) || value < min) throw new MoatError('STORAGE_OPEN_FAILED', `invalid ${name} ${String(value)}`);
  return value;
}

/** `host:port/database as user`: what an operator needs to find the server, and nothing secret. */
function describeTarget(t: Target): string {
  return `${t.host}:${String(t.port)}/${t.database} as ${t.user}`;
}

function reasonOf(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  const code = typeof error === 'object' && error !== null && 'code' in error && typeof error.code === 'string' ? ` (${error.code})` : '';
  return `${message.slice(0, 200)}${code}`;
}

/**
 * Opens a pool to PostgreSQL, checks that the server answers within
 * `connectTimeoutMs` (else `STORAGE_OPEN_FAILED` naming host, port, database
 * and user, never the password), and runs pending migrations
 * (`STORAGE_MIGRATION_FAILED`). Every connection has `statement_timeout` and
 * `application_name=moat`. The storage's `changes` feed opens one more
 * connection (`application_name=moat-listen`) on its first subscribe.
 */
export async function openPostgresStorage(options: PostgresStorageOptions): Promise<Storage> {
  const target = resolveTarget(options);
  const poolMax = checkMs('poolMax', options.poolMax ?? DEFAULTS.poolMax, 1);
  const connectTimeoutMs = checkMs('connectTimeoutMs', options.connectTimeoutMs ?? DEFAULTS.connectTimeoutMs, 1);
  const statementTimeoutMs = checkMs('statementTimeoutMs', options.statementTimeoutMs ?? DEFAULTS.statementTimeoutMs, 1);
  if (options.schema !== undefined && !SCHEMA_NAME.test(options.schema)) {
    throw new MoatError('STORAGE_OPEN_FAILED', `invalid PostgreSQL schema name ${JSON.stringify(options.schema.slice(0, 64))}`);
  }

  // What the pool's connections and the change feed's listener connection share.
  const connection: pg.ClientConfig = {
    host: target.host,
    port: target.port,
    database: target.database,
    user: target.user,
    ...(target.password !== undefined && { password: target.password }),
    ...(options.ssl !== undefined && { ssl: typeof options.ssl === 'boolean' ? options.ssl : { ...options.ssl } }),
    connectionTimeoutMillis: connectTimeoutMs,
    // A dead peer (cable pulled, VM gone) is noticed by the kernel instead of hanging a query forever.
    keepAlive: true,
  };
  const pool = new pg.Pool({
    ...connection,
    max: poolMax,
    statement_timeout: statementTimeoutMs,
    // A lock or row another node holds must not outlive the statement deadline either.
    idle_in_transaction_session_timeout: statementTimeoutMs,
    application_name: 'moat',
    ...(options.schema !== undefined && { options: `-c search_path=${options.schema}` }),
  });
  const onPoolError = options.onPoolError;
  // Without a listener an idle client's error would be an uncaught 'error' event and end the process.
  pool.on('error', (error) => onPoolError?.(error));
  // The pool listens only while a client is idle; a connection cut during a query also emits
  // 'error' on the checked-out client. The query rejects on its own and the pool drops the
  // broken client at release; this listener keeps the event from ending the process.
  pool.on('connect', (client) => client.on('error', () => undefined));

  // The schema the tables live in (the server's default when none is configured) names the change channels.
  let schema: string;
  try {
    const client = await pool.connect();
    try {
      const result = await client.query<{ schema: string | null }>('select current_schema() as schema');
      schema = options.schema ?? result.rows[0]?.schema ?? 'public';
    } finally {
      client.release();
    }
  } catch (err) {
    await pool.end().catch(() => undefined);
    throw new MoatError('STORAGE_OPEN_FAILED', `cannot connect to PostgreSQL at ${describeTarget(target)}: ${reasonOf(err)}`, { cause: err });
  }

  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  try {
    await migrateToLatest(db, options.schema === undefined ? {} : { schema: options.schema });
  } catch (err) {
    await db.destroy();
    throw err;
  }
  const changes = new PostgresChangeFeed({
    // Its own name, so an operator (or a test) tells the one listening session per node from pool connections.
    client: { ...connection, application_name: 'moat-listen' },
    schema,
    ...(options.onChangeFeedState === undefined ? {} : { onState: options.onChangeFeedState }),
  });
  return {
    db,
    changes,
    close: async () => {
      await changes.close();
      await db.destroy();
    },
  };
}
