/**
 * One SMTP transaction to a configured next hop, through nodemailer's
 * low-level SMTPConnection. Remote trouble never throws: every recipient comes
 * back accepted or rejected (permanent or not), so the caller only has to
 * record outcomes.
 */
import type { Readable } from 'node:stream';
import SMTPConnection from 'nodemailer/lib/smtp-connection';
import type { NextHopConfig } from '../config/schema.js';
import { classifyReply, parseReplyCodes } from './classify.js';

export interface RelayAccepted {
  readonly recipient: string;
  readonly reply: string;
}

export interface RelayRejected {
  readonly recipient: string;
  readonly reply: string;
  readonly permanent: boolean;
}

export interface RelayResult {
  readonly accepted: RelayAccepted[];
  readonly rejected: RelayRejected[];
  /** True when the session ran over TLS (after STARTTLS). */
  readonly tls: boolean;
}

export interface NextHopDeliveryOptions {
  readonly hop: NextHopConfig;
  /** Our name in EHLO. */
  readonly heloName: string;
  /** Reverse path; `''` is the null sender. */
  readonly mailFrom: string;
  readonly recipients: readonly string[];
  /** Opens the message stream; called once, only after the session is set up. */
  readonly message: () => Readable;
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
}

const DEFAULT_SOCKET_TIMEOUT_MS = 5 * 60 * 1000;
// Replies are attacker-influenced text that ends up in logs and DSNs.
const MAX_REPLY = 512;

/** Narrowed view of the error objects nodemailer hands back. */
interface SmtpFailure {
  readonly message: string;
  readonly code?: string;
  readonly response?: string;
  readonly responseCode?: number;
  readonly rejectedErrors?: readonly SmtpFailure[];
  readonly recipient?: string;
  readonly command?: string;
  /** The system error code nodemailer replaced with its own (`ECONNREFUSED`, `DEPTH_ZERO_SELF_SIGNED_CERT`). */
  readonly originalCode?: string;
}

function toFailure(err: unknown): SmtpFailure {
  if (typeof err !== 'object' || err === null) return { message: String(err) };
  const e = err as Record<string, unknown>;
  const failure: {
    message: string;
    code?: string;
    response?: string;
    responseCode?: number;
    rejectedErrors?: SmtpFailure[];
    recipient?: string;
    command?: string;
    originalCode?: string;
  } = { message: typeof e.message === 'string' ? e.message : 'unknown error' };
  if (typeof e.code === 'string') failure.code = e.code;
  if (typeof e.response === 'string') failure.response = e.response;
  if (typeof e.responseCode === 'number') failure.responseCode = e.responseCode;
  if (typeof e.recipient === 'string') failure.recipient = e.recipient;
  if (typeof e.command === 'string') failure.command = e.command;
  if (typeof e.originalCode === 'string') failure.originalCode = e.originalCode;
  if (Array.isArray(e.rejectedErrors)) failure.rejectedErrors = e.rejectedErrors.map(toFailure);
  return failure;
}

function cleanReply(text: string): string {
  return text
    .replace(/[\r\n]+/g, ' ')
    .replace(/[^\x20-\x7e]/g, '?')
    .trim()
    .slice(0, MAX_REPLY);
}

function isPermanent(reply: string): boolean {
  const { code, enhanced } = parseReplyCodes(reply);
  return classifyReply(code, enhanced) === 'permanent';
}

/** A reply for a failure that has no server reply of its own (network, TLS, timeout). */
function localReply(failure: SmtpFailure, where: string): string {
  const detail = cleanReply(failure.message);
  // A certificate or handshake error surfaces as a socket error; name it as the TLS problem it is.
  const tlsFailure = failure.code === 'ETLS' || /CERT|SSL|TLS|SIGNATURE|HOSTNAME/.test(failure.originalCode ?? '');
  switch (tlsFailure ? 'ETLS' : failure.code) {
    case 'ETLS':
      return `451 4.7.5 TLS negotiation with ${where} failed: ${detail}`;
    case 'ETIMEDOUT':
      return `451 4.4.2 timeout talking to ${where}: ${detail}`;
    case 'ESTREAM':
      return `451 4.3.0 reading the spooled message failed: ${detail}`;
    default:
      return `451 4.4.1 connection to ${where} failed: ${detail}`;
  }
}

/**
 * Only a reply to the transaction itself (MAIL, RCPT, DATA) can be permanent.
 * Anything in setting up the session (greeting, EHLO, STARTTLS) is the next
 * hop's problem, not the message's, and is retried.
 */
function isTransactionFailure(failure: SmtpFailure): boolean {
  return (
    (failure.code === 'EENVELOPE' || failure.code === 'EMESSAGE') &&
    failure.response !== undefined &&
    /^[45]\d\d/.test(failure.response)
  );
}

function failureReply(failure: SmtpFailure, where: string): string {
  if (isTransactionFailure(failure) && failure.response !== undefined) return cleanReply(failure.response);
  const local = localReply(failure, where);
  return failure.response !== undefined ? `${local} (${cleanReply(failure.response)})`.slice(0, MAX_REPLY) : local;
}

function allRejected(recipients: readonly string[], reply: string, permanent: boolean, tls: boolean): RelayResult {
  return { accepted: [], rejected: recipients.map((recipient) => ({ recipient, reply, permanent })), tls };
}

const NON_ASCII = /[^\x00-\x7f]/;

function offers(ehlo: string | false, keyword: string): boolean {
  if (ehlo === false) return false;
  return new RegExp(`^\\d{3}[ -]${keyword}(?:[ \\t]|$)`, 'im').test(ehlo);
}

/**
 * Delivers one message to `hop` for `recipients` in one transaction. Outcomes
 * are per recipient: RCPT replies apply to one, the DATA reply to all.
 */
export async function deliverToNextHop(opts: NextHopDeliveryOptions): Promise<RelayResult> {
  const where = `${opts.hop.host}:${opts.hop.port}`;
  const recipients = [...new Set(opts.recipients)];
  if (recipients.length === 0) return { accepted: [], rejected: [], tls: false };
  if (opts.signal?.aborted === true) {
    return allRejected(recipients, `451 4.3.2 delivery to ${where} cancelled: shutting down`, false, false);
  }

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

  // nodemailer reports trouble through a callback, an 'error' event or an
  // 'end' event depending on the phase; settle exactly once, whichever comes first.
  let settled = false;
  let sessionOk = false;
  let finish: (result: RelayResult) => void = () => undefined;
  const done = new Promise<RelayResult>((resolvePromise) => {
    finish = (result) => {
      if (settled) return;
      settled = true;
      resolvePromise(result);
    };
  });
  const fail = (err: unknown): void => {
    const failure = toFailure(err);
    const reply = failureReply(failure, where);
    finish(allRejected(recipients, reply, isTransactionFailure(failure) && isPermanent(reply), conn.secure));
  };
  const onAbort = (): void => {
    finish(allRejected(recipients, `451 4.3.2 delivery to ${where} cancelled: shutting down`, false, conn.secure));
    conn.close();
  };
  conn.on('error', fail);
  conn.once('end', () => fail(new Error('connection closed')));
  opts.signal?.addEventListener('abort', onAbort, { once: true });

  try {
    conn.connect((connectErr) => {
      if (connectErr) {
        fail(connectErr);
        return;
      }
      if (settled) return;
      // After connect() the last reply is the (post-STARTTLS) EHLO reply; if it
      // is anything else (a failed STARTTLS, HELO fallback) we do not know the extensions.
      const ehlo = conn.lastServerResponse;
      const ehloKnown = typeof ehlo === 'string' && /^250[ -]/.test(ehlo);
      if (opts.hop.tls === 'required' && !conn.secure) {
        finish(allRejected(recipients, `451 4.7.10 ${where} did not negotiate required TLS`, false, false));
        return;
      }
      // RFC 6531 §3.2: without SMTPUTF8 at the next hop, an internationalised
      // message cannot be relayed at all, so this is a bounce, not a retry.
      const needsUtf8 = opts.smtpUtf8 === true || NON_ASCII.test(opts.mailFrom) || recipients.some((r) => NON_ASCII.test(r));
      if (needsUtf8 && ehloKnown && !offers(ehlo, 'SMTPUTF8')) {
        finish(
          allRejected(recipients, `550 5.6.7 ${where} does not support SMTPUTF8, required by this message`, true, conn.secure),
        );
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
          to: recipients,
          use8BitMime: opts.body === '8BITMIME' || opts.body === 'BINARYMIME' || opts.smtpUtf8 === true,
          ...(opts.size !== undefined ? { size: opts.size } : {}),
        },
        stream,
        (sendErr, info) => {
          if (sendErr || !info) {
            stream.destroy();
            const failure = toFailure(sendErr);
            if (failure.command === 'RCPT TO' && failure.rejectedErrors && failure.rejectedErrors.length > 0) {
              finish(perRecipient(recipients, [], failure.rejectedErrors, failureReply(failure, where), conn.secure));
            } else {
              fail(sendErr);
            }
            return;
          }
          const reply = cleanReply(info.response);
          sessionOk = true;
          finish(perRecipient(recipients, info.accepted.map((r) => ({ r, reply })), (info.rejectedErrors ?? []).map(toFailure), reply, conn.secure));
        },
      );
    });
    return await done;
  } finally {
    opts.signal?.removeEventListener('abort', onAbort);
    conn.removeListener('error', fail);
    // Keep a late error from becoming an unhandled 'error' event.
    conn.on('error', () => undefined);
    if (!conn.destroyed) {
      // A clean session ends with QUIT (RFC 5321 §4.1.1.10); a failed one is just dropped.
      if (sessionOk) conn.quit();
      else conn.close();
    }
  }
}

function perRecipient(
  recipients: readonly string[],
  accepted: readonly { r: string; reply: string }[],
  rejectedErrors: readonly SmtpFailure[],
  fallbackReply: string,
  tls: boolean,
): RelayResult {
  const acceptedSet = new Map(accepted.map((a) => [a.r, a.reply]));
  const rejectedMap = new Map<string, string>();
  for (const e of rejectedErrors) {
    if (e.recipient !== undefined && e.response !== undefined) rejectedMap.set(e.recipient, cleanReply(e.response));
  }
  const result: { accepted: RelayAccepted[]; rejected: RelayRejected[]; tls: boolean } = { accepted: [], rejected: [], tls };
  for (const recipient of recipients) {
    const ok = acceptedSet.get(recipient);
    if (ok !== undefined) {
      result.accepted.push({ recipient, reply: ok });
      continue;
    }
    const reply = rejectedMap.get(recipient) ?? fallbackReply;
    result.rejected.push({ recipient, reply, permanent: isPermanent(reply) });
  }
  return result;
}
