/**
 * One SMTP transaction to a configured next hop, through nodemailer's
 * low-level SMTPConnection. Remote trouble never throws: every recipient comes
 * back accepted or rejected (permanent or not), so the caller only has to
 * record outcomes. With a session pool, a clean session is kept for the next
 * message to the same destination instead of being QUIT.
 */
import type { Readable } from 'node:stream';
import SMTPConnection from 'nodemailer/lib/smtp-connection';
import type { NextHopConfig } from '../config/schema.js';
import { allRejected, cleanReply, perRecipient, rejectedByFailure, rejectedBySendError, toFailure } from './relay-reply.js';
import type { RelayResult } from './relay-reply.js';
import { retireSession } from './session-pool.js';
import type { SessionPool, SmtpSession } from './session-pool.js';

export type { RelayAccepted, RelayRejected, RelayResult } from './relay-reply.js';

export interface NextHopDeliveryOptions {
  readonly hop: NextHopConfig;
  /** Our name in EHLO. */
  readonly heloName: string;
  /** Reverse path; `''` is the null sender. */
  readonly mailFrom: string;
  readonly recipients: readonly string[];
  /** Opens the message stream; called once, only after the session is set up. */
  readonly message: () => Readable;
  /** Bounds session setup: connect, greeting, EHLO, STARTTLS, and the RSET that checks a reused session. */
  readonly connectTimeoutMs: number;
  /** Inactivity limit once connected; RFC 5321 §4.5.3.2 suggests up to 10 minutes for DATA. */
  readonly socketTimeoutMs?: number;
  readonly signal?: AbortSignal;
  /** The original transaction used SMTPUTF8 (UTF-8 headers or addresses). */
  readonly smtpUtf8?: boolean;
  /** BODY= of the original transaction. */
  readonly body?: '7BIT' | '8BITMIME' | 'BINARYMIME';
  /** Expected size in bytes, sent as SIZE= when offered. */
  readonly size?: number;
  /** Idle sessions to reuse and to hand a clean session back to; absent: one session per call. */
  readonly pool?: SessionPool;
}

const DEFAULT_SOCKET_TIMEOUT_MS = 5 * 60 * 1000;
const NON_ASCII = /[^\x00-\x7f]/;
const ignoreError = (): void => undefined;

function offers(ehlo: string | false, keyword: string): boolean {
  if (ehlo === false) return false;
  return new RegExp(`^\\d{3}[ -]${keyword}(?:[ \\t]|$)`, 'im').test(ehlo);
}

function cancelledReply(where: string): string {
  return `451 4.3.2 delivery to ${where} cancelled: shutting down`;
}

/**
 * Sessions are shared only between deliveries that would have set them up
 * identically: same peer, TLS policy and EHLO name.
 */
function sessionKey(hop: NextHopConfig, heloName: string): string {
  return `${hop.host}\u0000${hop.port}\u0000${hop.tls}\u0000${hop.verifyCertificate}\u0000${heloName}`;
}

type Acquired = { readonly session: SmtpSession } | { readonly failed: RelayResult };

/** Opens and sets up a new session (connect, greeting, EHLO, STARTTLS as the hop's policy says). */
function openSession(opts: NextHopDeliveryOptions, recipients: readonly string[], where: string): Promise<Acquired> {
  const conn = new SMTPConnection({
    host: opts.hop.host,
    port: opts.hop.port,
    name: opts.heloName,
    requireTLS: opts.hop.tls === 'required',
    opportunisticTLS: opts.hop.tls === 'opportunistic',
    ignoreTLS: opts.hop.tls === 'none',
    tls: {
      rejectUnauthorized: opts.hop.verifyCertificate,
      minVersion: 'TLSv1.2',
    },
    connectionTimeout: opts.connectTimeoutMs,
    greetingTimeout: opts.connectTimeoutMs,
    dnsTimeout: opts.connectTimeoutMs,
    socketTimeout: opts.socketTimeoutMs ?? DEFAULT_SOCKET_TIMEOUT_MS,
    // The next hop may well be on this host or network (a local MTA).
    allowInternalNetworkInterfaces: true,
    logger: false,
  });
  // Each phase below listens for errors itself; this keeps one that falls between
  // phases (or while pooled) from being thrown as an unhandled 'error' event.
  conn.on('error', ignoreError);

  // nodemailer reports trouble through a callback, an 'error' event or an
  // 'end' event depending on the phase; settle exactly once, whichever comes first.
  return new Promise<Acquired>((resolve) => {
    let settled = false;
    const settle = (value: Acquired): void => {
      if (settled) return;
      settled = true;
      conn.removeListener('error', onError);
      conn.removeListener('end', onEnd);
      opts.signal?.removeEventListener('abort', onAbort);
      if ('failed' in value) void retireSession(conn, false);
      resolve(value);
    };
    const onError = (err: unknown): void => settle({ failed: rejectedByFailure(recipients, err, where, conn.secure) });
    const onEnd = (): void => onError(new Error('connection closed'));
    const onAbort = (): void => settle({ failed: allRejected(recipients, cancelledReply(where), false, conn.secure) });
    conn.on('error', onError);
    conn.once('end', onEnd);
    opts.signal?.addEventListener('abort', onAbort, { once: true });
    conn.connect((connectErr) => {
      if (connectErr) {
        onError(connectErr);
        return;
      }
      // After connect() the last reply is the (post-STARTTLS) EHLO reply; if it
      // is anything else (a failed STARTTLS, HELO fallback) we do not know the extensions.
      const ehlo = conn.lastServerResponse;
      settle({ session: { conn, ehlo: typeof ehlo === 'string' && /^250[ -]/.test(ehlo) ? ehlo : false, openedAt: Date.now(), transactions: 0 } });
    });
  });
}

/**
 * RSET on an idle session before its next transaction (RFC 5321 §4.1.1.5):
 * clears any state and proves the session still works before a message is
 * committed to it. Any error, close, 421 or silence means: do not use it.
 */
function resetSession(session: SmtpSession, timeoutMs: number, signal: AbortSignal | undefined): Promise<boolean> {
  const { conn } = session;
  if (conn.destroyed) return Promise.resolve(false);
  return new Promise<boolean>((resolve) => {
    let settled = false;
    const settle = (ok: boolean): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      conn.removeListener('error', onFail);
      conn.removeListener('end', onFail);
      signal?.removeEventListener('abort', onFail);
      resolve(ok);
    };
    const onFail = (): void => settle(false);
    const timer = setTimeout(onFail, timeoutMs);
    conn.on('error', onFail);
    conn.once('end', onFail);
    signal?.addEventListener('abort', onFail, { once: true });
    conn.reset((err) => settle(!err));
  });
}

/** A reused idle session that passes RSET, else a new one. */
async function acquireSession(opts: NextHopDeliveryOptions, key: string, recipients: readonly string[], where: string): Promise<Acquired> {
  // Bounded: the pool holds at most maxIdlePerDestination sessions per key.
  for (let idle = opts.pool?.take(key); idle !== undefined; idle = opts.pool?.take(key)) {
    if (await resetSession(idle, opts.connectTimeoutMs, opts.signal)) return { session: idle };
    void retireSession(idle.conn, false);
    if (opts.signal?.aborted === true) return { failed: allRejected(recipients, cancelledReply(where), false, false) };
  }
  return openSession(opts, recipients, where);
}

interface TransactionOutcome {
  readonly result: RelayResult;
  /** The server answered the whole transaction as expected; the session may carry another. */
  readonly clean: boolean;
}

/** MAIL, RCPT, DATA on a set-up session. */
function transact(session: SmtpSession, opts: NextHopDeliveryOptions, recipients: readonly string[], where: string): Promise<TransactionOutcome> {
  const { conn } = session;
  if (opts.hop.tls === 'required' && !conn.secure) {
    return Promise.resolve({ result: allRejected(recipients, `451 4.7.10 ${where} did not negotiate required TLS`, false, false), clean: false });
  }
  // RFC 6531 §3.2: without SMTPUTF8 at the next hop, an internationalised
  // message cannot be relayed at all, so this is a bounce, not a retry.
  const needsUtf8 = opts.smtpUtf8 === true || NON_ASCII.test(opts.mailFrom) || recipients.some((r) => NON_ASCII.test(r));
  if (needsUtf8 && session.ehlo !== false && !offers(session.ehlo, 'SMTPUTF8')) {
    return Promise.resolve({
      result: allRejected(recipients, `550 5.6.7 ${where} does not support SMTPUTF8, required by this message`, true, conn.secure),
      clean: false,
    });
  }

  return new Promise<TransactionOutcome>((resolve) => {
    let settled = false;
    const settle = (result: RelayResult, clean: boolean): void => {
      if (settled) return;
      settled = true;
      conn.removeListener('error', fail);
      conn.removeListener('end', onEnd);
      opts.signal?.removeEventListener('abort', onAbort);
      resolve({ result, clean });
    };
    const fail = (err: unknown): void => settle(rejectedByFailure(recipients, err, where, conn.secure), false);
    const onEnd = (): void => fail(new Error('connection closed'));
    const onAbort = (): void => {
      settle(allRejected(recipients, cancelledReply(where), false, conn.secure), false);
      conn.close();
    };
    conn.on('error', fail);
    conn.once('end', onEnd);
    opts.signal?.addEventListener('abort', onAbort, { once: true });
    if (conn.destroyed) {
      onEnd();
      return;
    }

    let stream: Readable;
    try {
      stream = opts.message();
    } catch (err) {
      // Thrown inside nodemailer's callback it would escape as an uncaught exception.
      fail(Object.assign(toFailure(err), { code: 'ESTREAM' }));
      return;
    }
    conn.send(
      {
        from: opts.mailFrom === '' ? false : opts.mailFrom,
        to: [...recipients],
        use8BitMime: opts.body === '8BITMIME' || opts.body === 'BINARYMIME' || opts.smtpUtf8 === true,
        ...(opts.size !== undefined ? { size: opts.size } : {}),
      },
      stream,
      (sendErr, info) => {
        if (sendErr || !info) {
          stream.destroy();
          settle(rejectedBySendError(recipients, sendErr, where, conn.secure), false);
          return;
        }
        const reply = cleanReply(info.response);
        settle(perRecipient(recipients, info.accepted.map((r) => ({ r, reply })), (info.rejectedErrors ?? []).map(toFailure), reply, conn.secure), true);
      },
    );
  });
}

/**
 * Delivers one message to `hop` for `recipients` in one transaction. Outcomes
 * are per recipient: RCPT replies apply to one, the DATA reply to all.
 */
export async function deliverToNextHop(opts: NextHopDeliveryOptions): Promise<RelayResult> {
  const where = `${opts.hop.host}:${opts.hop.port}`;
  const recipients = [...new Set(opts.recipients)];
  if (recipients.length === 0) return { accepted: [], rejected: [], tls: false };
  if (opts.signal?.aborted === true) return allRejected(recipients, cancelledReply(where), false, false);

  const key = sessionKey(opts.hop, opts.heloName);
  const acquired = await acquireSession(opts, key, recipients, where);
  if ('failed' in acquired) return acquired.failed;
  const { session } = acquired;
  const outcome = await transact(session, opts, recipients, where);
  if (outcome.clean) session.transactions += 1;
  // Read again: the signal may have fired while the transaction ran (TypeScript narrowed it above).
  const aborted = (opts.signal as AbortSignal | undefined)?.aborted === true;
  if (outcome.clean && opts.pool !== undefined && !aborted) opts.pool.give(key, session);
  // A clean session ends with QUIT (RFC 5321 §4.1.1.10); a failed one is just dropped.
  else void retireSession(session.conn, outcome.clean);
  return outcome.result;
}
