/**
 * Idle SMTP sessions to next hops, kept for the next message as Postfix's
 * connection cache does. A new session costs a connect, the greeting, EHLO and
 * perhaps a TLS handshake; a reused one costs one RSET. Only a session whose
 * last transaction ended cleanly comes back here; a session the server closes,
 * answers unexpectedly or greets with 421 while idle is dropped at once.
 */
import type SMTPConnection from 'nodemailer/lib/smtp-connection';

/** One open, set-up session to a next hop. */
export interface SmtpSession {
  readonly conn: SMTPConnection;
  /** The EHLO reply at setup (after STARTTLS), or `false` when unknown (HELO fallback). */
  readonly ehlo: string | false;
  /** `Date.now()` when the session was opened. */
  readonly openedAt: number;
  /** Transactions completed on this session. */
  transactions: number;
}

export interface SessionPoolOptions {
  /** Idle sessions kept per destination; the oldest is closed past this. Default 4. */
  readonly maxIdlePerDestination?: number;
  /** An idle session is closed (QUIT) after this long unused. Default 5 s, above Postfix's 2 s. */
  readonly idleTimeoutMs?: number;
  /** Transactions per session before it is closed, so no session lives for ever. Default 100. */
  readonly maxTransactionsPerSession?: number;
  /** Session age after which it is not reused (Postfix smtp_connection_reuse_time_limit). Default 300 s. */
  readonly maxSessionAgeMs?: number;
  readonly now?: () => number;
}

export interface SessionPool {
  /** Takes the most recently used idle session for `key`, if any. */
  take(key: string): SmtpSession | undefined;
  /** Hands back a session after a clean transaction; it is closed instead when spent, surplus or the pool is closed. */
  give(key: string, session: SmtpSession): void;
  /** Idle sessions held, for one destination or all. */
  idle(key?: string): number;
  /** Closes every idle session and refuses new ones; resolves once their sockets are gone (bounded). */
  close(): Promise<void>;
}

const DEFAULT_MAX_IDLE = 4;
const DEFAULT_IDLE_TIMEOUT_MS = 5000;
const DEFAULT_MAX_TRANSACTIONS = 100;
const DEFAULT_MAX_AGE_MS = 300_000;
// A server that does not answer QUIT must not keep the socket (and the process) around.
const QUIT_GRACE_MS = 1000;

const ignoreError = (): void => undefined;

/**
 * Ends a session we no longer use: QUIT when it is healthy (RFC 5321 §4.1.1.10),
 * otherwise a plain close. Resolves when the connection is gone.
 */
export function retireSession(conn: SMTPConnection, graceful: boolean): Promise<void> {
  // Late errors from a connection we let go of must not become unhandled 'error' events.
  conn.on('error', ignoreError);
  if (conn.destroyed) return Promise.resolve();
  const gone = new Promise<void>((resolve) => conn.once('end', () => resolve()));
  if (!graceful) {
    conn.close();
    return gone;
  }
  const force = setTimeout(() => conn.close(), QUIT_GRACE_MS);
  force.unref();
  conn.once('end', () => clearTimeout(force));
  conn.quit();
  return gone;
}

interface IdleEntry {
  readonly session: SmtpSession;
  readonly timer: NodeJS.Timeout;
  readonly onGone: () => void;
}

/** Creates an empty pool; it opens nothing itself, `deliverToNextHop` fills it. */
export function createSessionPool(opts: SessionPoolOptions = {}): SessionPool {
  const maxIdle = opts.maxIdlePerDestination ?? DEFAULT_MAX_IDLE;
  const idleTimeoutMs = opts.idleTimeoutMs ?? DEFAULT_IDLE_TIMEOUT_MS;
  const maxTransactions = opts.maxTransactionsPerSession ?? DEFAULT_MAX_TRANSACTIONS;
  const maxAgeMs = opts.maxSessionAgeMs ?? DEFAULT_MAX_AGE_MS;
  const now = opts.now ?? Date.now;
  const idle = new Map<string, IdleEntry[]>();
  let closed = false;
  const closing = new Set<Promise<void>>();

  function retire(conn: SMTPConnection, graceful: boolean): void {
    const gone = retireSession(conn, graceful);
    closing.add(gone);
    void gone.then(() => closing.delete(gone));
  }

  /** Removes `entry` from the idle list and stops watching it; the caller owns the session again. */
  function detach(key: string, entry: IdleEntry): void {
    clearTimeout(entry.timer);
    entry.session.conn.removeListener('error', entry.onGone);
    entry.session.conn.removeListener('end', entry.onGone);
    const list = idle.get(key);
    if (list === undefined) return;
    const at = list.indexOf(entry);
    if (at >= 0) list.splice(at, 1);
    if (list.length === 0) idle.delete(key);
  }

  function spent(session: SmtpSession): boolean {
    return session.conn.destroyed || session.transactions >= maxTransactions || now() - session.openedAt >= maxAgeMs;
  }

  return {
    take(key) {
      const list = idle.get(key);
      while (list !== undefined && list.length > 0) {
        const entry = list[list.length - 1];
        if (entry === undefined) break;
        detach(key, entry);
        if (!spent(entry.session)) return entry.session;
        retire(entry.session.conn, true);
      }
      return undefined;
    },

    give(key, session) {
      if (closed || maxIdle <= 0 || spent(session)) {
        retire(session.conn, true);
        return;
      }
      let list = idle.get(key);
      if (list === undefined) {
        list = [];
        idle.set(key, list);
      }
      if (list.length >= maxIdle) {
        const oldest = list[0];
        if (oldest !== undefined) {
          detach(key, oldest);
          retire(oldest.session.conn, true);
        }
        list = idle.get(key) ?? [];
        idle.set(key, list);
      }
      const entry: IdleEntry = {
        session,
        // Unref'd: an idle session alone must not keep the process alive.
        timer: setTimeout(() => {
          detach(key, entry);
          retire(session.conn, true);
        }, idleTimeoutMs).unref(),
        // The server closed it, sent 421 or something unexpected while idle: never reuse it.
        onGone: () => {
          detach(key, entry);
          retire(session.conn, false);
        },
      };
      session.conn.once('error', entry.onGone);
      session.conn.once('end', entry.onGone);
      list.push(entry);
    },

    idle(key) {
      if (key !== undefined) return idle.get(key)?.length ?? 0;
      let n = 0;
      for (const list of idle.values()) n += list.length;
      return n;
    },

    async close() {
      closed = true;
      for (const [key, list] of [...idle]) {
        for (const entry of [...list]) {
          detach(key, entry);
          retire(entry.session.conn, true);
        }
      }
      await Promise.all([...closing]);
    },
  };
}
