/**
 * Turns what nodemailer's SMTPConnection reports (errors, replies) into the
 * bounded, printable reply text and per-recipient outcomes the relay returns.
 */
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

// Replies are attacker-influenced text that ends up in logs and DSNs.
const MAX_REPLY = 512;

/** Narrowed view of the error objects nodemailer hands back. */
export interface SmtpFailure {
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

/** Narrows whatever nodemailer passed as an error. */
export function toFailure(err: unknown): SmtpFailure {
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

/** One printable line of at most 512 characters. */
export function cleanReply(text: string): string {
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

/** Every recipient rejected with one reply. */
export function allRejected(recipients: readonly string[], reply: string, permanent: boolean, tls: boolean): RelayResult {
  return { accepted: [], rejected: recipients.map((recipient) => ({ recipient, reply, permanent })), tls };
}

/** Every recipient rejected because of `err` (permanent only for a 5xx transaction reply). */
export function rejectedByFailure(recipients: readonly string[], err: unknown, where: string, tls: boolean): RelayResult {
  const failure = toFailure(err);
  const reply = failureReply(failure, where);
  return allRejected(recipients, reply, isTransactionFailure(failure) && isPermanent(reply), tls);
}

/** The result of a send that failed: per recipient when RCPT replies are known, else one reply for all. */
export function rejectedBySendError(recipients: readonly string[], err: unknown, where: string, tls: boolean): RelayResult {
  const failure = toFailure(err);
  if (failure.command === 'RCPT TO' && failure.rejectedErrors && failure.rejectedErrors.length > 0) {
    return perRecipient(recipients, [], failure.rejectedErrors, failureReply(failure, where), tls);
  }
  return rejectedByFailure(recipients, err, where, tls);
}

/** Outcomes by recipient after a DATA reply or all-RCPT rejection. */
export function perRecipient(
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
