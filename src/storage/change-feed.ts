/**
 * The change feed: PostgreSQL LISTEN/NOTIFY, so that a change committed by
 * one node (or by the CLI) reaches every node of the installation at once.
 * A writer queues a notification inside its transaction (delivered at commit,
 * dropped on rollback); each node holds one dedicated connection that listens,
 * reconnects forever with capped, jittered backoff, and tells its listeners to
 * re-check ("resync") after a gap, because notifications sent while it was
 * disconnected are lost. The feed is a fast path only: callers keep polling.
 */
import { createHash } from 'node:crypto';
import { sql, type Kysely } from 'kysely';
import pg from 'pg';
import { MoatError } from '../core/index.js';
import type { Database } from './database.js';

/** What changed. One channel per topic per schema. */
export type ChangeTopic = 'policy';

/**
 * `change`: a writer committed a change (`payload` is the writer's, say a revision number).
 * `resync`: listening resumed after a gap; changes may have been missed, so re-read the state.
 */
export type ChangeEvent = { readonly kind: 'change'; readonly payload: string } | { readonly kind: 'resync' };

/** Called on the connection's event loop turn: it must not throw, and slow work belongs in the caller's own queue. */
export type ChangeListener = (event: ChangeEvent) => void;

export interface ChangeFeed {
  /** Queues a notification in `trx`: every node's listeners see it when, and only if, the transaction commits. */
  notify(trx: Kysely<Database>, topic: ChangeTopic, payload: string): Promise<void>;
  /**
   * Listens on `topic`. Resolves once the first attempt to listen is over,
   * listening or retrying in the background (never rejects for a database
   * outage: polling covers it). Returns the unsubscribe function.
   */
  subscribe(topic: ChangeTopic, listener: ChangeListener): Promise<() => Promise<void>>;
}

/** The listener connection's state, for `app/` to log. */
export type ChangeFeedState =
  | { readonly state: 'lost'; readonly error: Error; readonly retryInMs: number }
  | { readonly state: 'restored'; readonly downMs: number };

export interface PostgresChangeFeedOptions {
  /** Connection settings of the listener's own client (the pool's, without pool options). */
  readonly client: pg.ClientConfig;
  /** The schema the tables live in: it scopes the channels, so installations sharing a database stay apart. */
  readonly schema: string;
  readonly onState?: (state: ChangeFeedState) => void;
  /** Injected for tests; default `Math.random`. */
  readonly random?: () => number;
}

// NAMEDATALEN - 1: LISTEN silently truncates a longer identifier while pg_notify() refuses it, so the two would disagree.
const MAX_CHANNEL_BYTES = 63;
// First retry soon (a terminated backend or a restarted server is usually back at once); the cap bounds the load
// a hundred nodes put on a server that is coming back up.
const RETRY_BASE_MS = 250;
const RETRY_MAX_MS = 30_000;
// An idle LISTEN connection sends nothing; without a probe a silently dropped network path (NAT timeout, pulled
// cable) goes unnoticed for hours of TCP keep-alive, and every notification in between is lost. The probe
// re-issues the LISTENs (a no-op for a channel already listened to), so pg_stat_activity keeps showing them.
const HEARTBEAT_MS = 30_000;
const QUERY_TIMEOUT_MS = 10_000;

/**
 * The channel of `topic` for the tables in `schema`: `moat:<schema>:<topic>`.
 * A schema too long to fit 63 bytes is shortened and suffixed with a hash of
 * its full name, so distinct schemas keep distinct channels.
 */
export function changeChannelName(schema: string, topic: ChangeTopic): string {
  const plain = `moat:${schema}:${topic}`;
  if (Buffer.byteLength(plain) <= MAX_CHANNEL_BYTES) return plain;
  const digest = createHash('sha256').update(schema).digest('hex').slice(0, 12);
  const room = MAX_CHANNEL_BYTES - Buffer.byteLength(`moat:~${digest}:${topic}`);
  let head = schema;
  // By code point, so a multi-byte character is never cut in half.
  while (Buffer.byteLength(head) > room) head = Array.from(head).slice(0, -1).join('');
  return `moat:${head}~${digest}:${topic}`;
}

/** A quoted identifier: the channel keeps its case and punctuation (`"` doubled). */
function quoteIdentifier(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

function asError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error));
}

/**
 * Owns the node's one listening connection (not a pool slot: a pooled
 * connection is shared and recycled, and LISTEN belongs to a session). It is
 * opened on the first `subscribe`, so a CLI process that only writes never
 * opens one.
 */
export class PostgresChangeFeed implements ChangeFeed {
  readonly #options: PostgresChangeFeedOptions;
  readonly #random: () => number;
  readonly #listeners = new Map<ChangeTopic, Set<ChangeListener>>();
  readonly #topicOfChannel = new Map<string, ChangeTopic>();
  #client: pg.Client | undefined;
  #connecting: Promise<void> | undefined;
  #retryTimer: NodeJS.Timeout | undefined;
  #heartbeat: NodeJS.Timeout | undefined;
  #failures = 0;
  /** When listening stopped (or first failed); undefined while listening or before the first attempt. */
  #downSince: number | undefined;
  #closed = false;

  constructor(options: PostgresChangeFeedOptions) {
    this.#options = options;
    this.#random = options.random ?? Math.random;
  }

  /** The channel name of `topic` in this feed's schema. */
  channel(topic: ChangeTopic): string {
    return changeChannelName(this.#options.schema, topic);
  }

  async notify(trx: Kysely<Database>, topic: ChangeTopic, payload: string): Promise<void> {
    // Bound parameters: pg_notify takes the channel as text, unquoted, so it matches the quoted LISTEN exactly.
    await sql`select pg_notify(${this.channel(topic)}, ${payload})`.execute(trx);
  }

  async subscribe(topic: ChangeTopic, listener: ChangeListener): Promise<() => Promise<void>> {
    if (this.#closed) throw new MoatError('STORAGE_CLOSED', 'the change feed is closed');
    this.#topicOfChannel.set(this.channel(topic), topic);
    let set = this.#listeners.get(topic);
    const first = set === undefined;
    set ??= new Set();
    set.add(listener);
    this.#listeners.set(topic, set);

    const client = this.#client;
    if (this.#connecting !== undefined) {
      // The attempt in flight LISTENs every topic that has listeners, this one included.
      await this.#connecting;
    } else if (client !== undefined) {
      if (first) await client.query(`LISTEN ${quoteIdentifier(this.channel(topic))}`).catch((error: unknown) => this.#lose(client, error));
    } else if (this.#retryTimer === undefined) {
      this.#startConnecting();
      await this.#connecting;
    }
    // Otherwise a retry is scheduled: it LISTENs this topic too and sends `resync`.

    return async () => {
      set.delete(listener);
      if (set.size > 0 || this.#listeners.get(topic) !== set) return;
      this.#listeners.delete(topic);
      const current = this.#client;
      // A failed UNLISTEN needs no handling: the connection is then being replaced, and a new one
      // listens only to topics that still have listeners.
      if (current !== undefined) await current.query(`UNLISTEN ${quoteIdentifier(this.channel(topic))}`).catch(() => undefined);
    };
  }

  /** Stops listening and reconnecting; waits for the connection to close. */
  async close(): Promise<void> {
    this.#closed = true;
    clearTimeout(this.#retryTimer);
    this.#retryTimer = undefined;
    this.#listeners.clear();
    await this.#connecting;
    clearInterval(this.#heartbeat);
    this.#heartbeat = undefined;
    const client = this.#client;
    this.#client = undefined;
    // An end that fails means the connection is already gone, which is what closing wants.
    if (client !== undefined) await client.end().catch(() => undefined);
  }

  #startConnecting(): void {
    this.#connecting = this.#connect().finally(() => {
      this.#connecting = undefined;
    });
  }

  async #connect(): Promise<void> {
    // query_timeout bounds the heartbeat: on a dead path the probe fails instead of hanging.
    const client = new pg.Client({ keepAlive: true, ...this.#options.client, query_timeout: QUERY_TIMEOUT_MS });
    // Registered before connect: an unhandled 'error' event on the client would end the process.
    client.on('error', (error) => this.#lose(client, error));
    client.on('end', () => this.#lose(client, new Error('listener connection ended')));
    client.on('notification', (message) => this.#deliver(message));
    this.#client = client;
    try {
      await client.connect();
      await this.#listenAll(client);
    } catch (error) {
      this.#lose(client, error);
      return;
    }
    // Lost while connecting (`#lose` owns the client now), or closing (`close` ends it).
    if (this.#client !== client || this.#closed) return;
    this.#failures = 0;
    this.#heartbeat = setInterval(() => {
      this.#listenAll(client).catch((error: unknown) => this.#lose(client, error));
    }, HEARTBEAT_MS);
    this.#heartbeat.unref();
    const downSince = this.#downSince;
    this.#downSince = undefined;
    if (downSince === undefined) return;
    this.#options.onState?.({ state: 'restored', downMs: Date.now() - downSince });
    for (const listeners of this.#listeners.values()) for (const listener of listeners) listener({ kind: 'resync' });
  }

  /** LISTENs every topic that has listeners, in one round trip (a simple query may hold several statements). */
  async #listenAll(client: pg.Client): Promise<void> {
    const statements = [...this.#listeners.keys()].map((topic) => `LISTEN ${quoteIdentifier(this.channel(topic))}`);
    if (statements.length > 0) await client.query(statements.join('; '));
  }

  #deliver(message: pg.Notification): void {
    const topic = this.#topicOfChannel.get(message.channel);
    if (topic === undefined) return;
    for (const listener of this.#listeners.get(topic) ?? []) listener({ kind: 'change', payload: message.payload ?? '' });
  }

  /** The connection failed: drop it and schedule the next attempt. A stale client's late events are ignored. */
  #lose(client: pg.Client, cause: unknown): void {
    if (client !== this.#client) return;
    this.#client = undefined;
    clearInterval(this.#heartbeat);
    this.#heartbeat = undefined;
    // Ending a broken client only releases its socket; its own failure is the one being reported.
    client.end().catch(() => undefined);
    if (this.#closed) return;
    this.#downSince ??= Date.now();
    const ceiling = Math.min(RETRY_MAX_MS, RETRY_BASE_MS * 2 ** Math.min(this.#failures, 16));
    this.#failures += 1;
    // Jitter in [ceiling/2, ceiling): nodes cut off together do not reconnect in lockstep.
    const retryInMs = Math.round(ceiling / 2 + (this.#random() * ceiling) / 2);
    this.#options.onState?.({ state: 'lost', error: asError(cause), retryInMs });
    this.#retryTimer = setTimeout(() => {
      this.#retryTimer = undefined;
      if (!this.#closed) this.#startConnecting();
    }, retryInMs);
    this.#retryTimer.unref();
  }
}
