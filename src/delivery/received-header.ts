/**
 * The `Received:` trace field Moat adds to each message it relays
 * (RFC 5321 §4.4). HELO, reverse name and recipient are attacker-controlled:
 * they are reduced to a safe character set so that they can neither start a
 * new header line nor pose as another clause of the trace field.
 */
import { isIPv6, isIP } from 'node:net';
import type { TlsInfo } from '../core/index.js';
import { formatRfc5322Date } from './rfc5322-date.js';

export interface ReceivedHeaderOptions {
  /** HELO/EHLO argument as the client sent it. */
  readonly helo: string;
  readonly reverseName?: string;
  readonly clientAddress: string;
  /** Our own host name. */
  readonly hostname: string;
  readonly tls?: TlsInfo;
  /** Client authenticated (RFC 3848 `ESMTPA`). */
  readonly authenticated?: boolean;
  /** Transaction used SMTPUTF8 (RFC 6531 §3.7.3 `UTF8SMTP`). */
  readonly smtpUtf8?: boolean;
  readonly queueId: string;
  /** Only when the message has exactly one recipient: more would leak Bcc. */
  readonly recipient?: string;
  readonly date: Date;
}

// A domain name is at most 253 characters (RFC 1035); with an address literal's brackets 255 is enough.
const MAX_NAME = 255;
// RFC 5321 §4.5.3.1.3: a path is at most 256 octets.
const MAX_PATH = 256;

/** Keeps domain, address-literal and IPv6 characters; everything else becomes `_`. */
function sanitizeName(value: string): string {
  const cleaned = value.replace(/[\x00-\x1f\x7f]/g, '').replace(/[^A-Za-z0-9.:\-[\]_]/g, '_');
  const limited = cleaned.slice(0, MAX_NAME);
  return limited.length > 0 ? limited : 'unknown';
}

/** Keeps printable ASCII minus the characters that would close `<...>` or open a comment. */
function sanitizePath(value: string): string {
  return value.replace(/[^\x21-\x7e]|[<>()\\;]/g, '_').slice(0, MAX_PATH);
}

function sanitizeToken(value: string): string {
  return value.replace(/[^A-Za-z0-9_.-]/g, '_').slice(0, 64);
}

/** RFC 3848 / RFC 6531 protocol type for the `with` clause. */
function protocolName(opts: ReceivedHeaderOptions): string {
  const base = opts.smtpUtf8 === true ? 'UTF8SMTP' : 'ESMTP';
  return `${base}${opts.tls ? 'S' : ''}${opts.authenticated === true ? 'A' : ''}`;
}

function addressLiteral(address: string): string {
  if (isIPv6(address)) return `[IPv6:${address}]`;
  if (isIP(address) === 4) return `[${address}]`;
  return `[${sanitizeName(address)}]`;
}

/**
 * Builds a folded, CRLF-terminated `Received:` header, e.g.
 * `Received: from helo (rdns [192.0.2.1])\r\n\tby mx.example with ESMTPS (...)\r\n\tid 01H...\r\n\tfor <a@b>; date\r\n`.
 */
export function buildReceivedHeader(opts: ReceivedHeaderOptions): string {
  const helo = sanitizeName(opts.helo);
  const reverse = opts.reverseName === undefined || opts.reverseName === '' ? 'unknown' : sanitizeName(opts.reverseName);
  const lines = [
    `Received: from ${helo} (${reverse} ${addressLiteral(opts.clientAddress)})`,
    `\tby ${sanitizeName(opts.hostname)} (Moat) with ${protocolName(opts)}` +
      (opts.tls ? ` (version=${sanitizeToken(opts.tls.protocol)} cipher=${sanitizeToken(opts.tls.cipher)})` : ''),
    `\tid ${sanitizeToken(opts.queueId)}`,
  ];
  const date = formatRfc5322Date(opts.date);
  if (opts.recipient !== undefined) {
    lines.push(`\tfor <${sanitizePath(opts.recipient)}>; ${date}`);
  } else {
    const last = lines.length - 1;
    lines[last] = `${lines[last] ?? ''}; ${date}`;
  }
  return `${lines.join('\r\n')}\r\n`;
}
