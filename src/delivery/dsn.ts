/**
 * Delivery status notifications (RFC 3464) in a multipart/report (RFC 6522):
 * a human-readable part, the machine-readable message/delivery-status part,
 * and the original header block as text/rfc822-headers. Everything we
 * generate is 7-bit with CRLF line ends and lines of at most 998 octets.
 */
import { randomBytes } from 'node:crypto';
import { formatRfc5322Date } from './rfc5322-date.js';

export type DsnAction = 'failed' | 'delayed';

export interface DsnRecipient {
  readonly recipient: string;
  readonly action: DsnAction;
  /** RFC 3463 status, e.g. `5.1.1`. */
  readonly status: string;
  /** The remote reply (or local error) text. */
  readonly diagnostic: string;
  /** Host name of the MTA that gave the reply. */
  readonly remoteMta?: string;
}

export interface DsnOptions {
  /** Our host name. */
  readonly reportingMta: string;
  readonly originalEnvelopeId?: string;
  /** The original reverse path; the DSN goes there. */
  readonly mailFrom: string;
  readonly arrivalDate: Date;
  readonly recipients: readonly DsnRecipient[];
  /** The original header block, raw. */
  readonly originalHeaders: Buffer;
  readonly queueId: string;
  /** Defaults to now. */
  readonly date?: Date;
}

// Header blocks beyond this are cut at a line boundary: the bounce reports, it does not archive.
const MAX_ORIGINAL_HEADERS = 64 * 1024;
// Room for the field name on a line of at most 998 octets.
const MAX_FIELD_VALUE = 900;
const STATUS = /^[245]\.\d{1,3}\.\d{1,3}$/;

/** Printable ASCII only, on one line, bounded: remote text is untrusted. */
function oneLine(text: string, max = MAX_FIELD_VALUE): string {
  return text
    .replace(/[\r\n\t]+/g, ' ')
    .replace(/[^\x20-\x7e]/g, '?')
    .trim()
    .slice(0, max);
}

/**
 * An address for a 7-bit DSN field. ASCII addresses are `rfc822`; others use
 * the RFC 6533 §3 `utf-8` type with non-ASCII written as `\x{HEX}`.
 */
function addressField(address: string): string {
  if (/^[\x21-\x7e]*$/.test(address) && !address.includes('\\')) return `rfc822; ${oneLine(address, 320)}`;
  let out = '';
  for (const ch of address) {
    const cp = ch.codePointAt(0) ?? 0;
    out += cp > 0x20 && cp < 0x7f && ch !== '\\' && ch !== '+' && ch !== '=' ? ch : `\\x{${cp.toString(16).toUpperCase()}}`;
  }
  return `utf-8; ${out.slice(0, MAX_FIELD_VALUE)}`;
}

/** The address as shown to a person in the text part. */
function displayAddress(address: string): string {
  return addressField(address).replace(/^[a-z0-9-]+; /, '');
}

function hostName(value: string): string {
  return value.replace(/[^A-Za-z0-9.:\-[\]]/g, '_').slice(0, 255) || 'unknown';
}

function normaliseStatus(status: string, action: DsnAction): string {
  if (STATUS.test(status)) return status;
  return action === 'failed' ? '5.0.0' : '4.0.0';
}

/** CRLF line ends, cut at a line boundary to the limit. */
function prepareHeaders(raw: Buffer): { body: string; encoding: '7bit' | 'base64' } {
  let block = raw.subarray(0, MAX_ORIGINAL_HEADERS);
  if (raw.length > MAX_ORIGINAL_HEADERS) {
    const lastLf = block.lastIndexOf(0x0a);
    if (lastLf > 0) block = block.subarray(0, lastLf + 1);
  }
  const text = block.toString('latin1').replace(/\r?\n/g, '\r\n').replace(/(\r\n)+$/, '\r\n');
  const withEnd = text.endsWith('\r\n') ? text : `${text}\r\n`;
  const sevenBit = /^[\x00-\x7f]*$/.test(withEnd) && !withEnd.includes('\0');
  const shortLines = withEnd.split('\r\n').every((line) => line.length <= 998);
  const bareCr = /\r(?!\n)/.test(withEnd);
  if (sevenBit && shortLines && !bareCr) return { body: withEnd, encoding: '7bit' };
  // 8-bit (SMTPUTF8) headers or over-long lines: base64 keeps the DSN 7-bit and within line limits.
  const b64 = Buffer.from(withEnd, 'latin1').toString('base64');
  const lines = b64.match(/.{1,76}/g) ?? [];
  return { body: `${lines.join('\r\n')}\r\n`, encoding: 'base64' };
}

function humanText(opts: DsnOptions, failed: readonly DsnRecipient[], delayed: readonly DsnRecipient[]): string {
  const lines = [`This is the mail system at host ${hostName(opts.reportingMta)}.`, ''];
  if (failed.length > 0) {
    lines.push(
      'I am sorry to have to inform you that your message could not be delivered',
      'to one or more recipients. Its headers are attached below.',
      '',
    );
    for (const r of failed) lines.push(`<${displayAddress(r.recipient)}>: ${oneLine(r.diagnostic, 900)}`);
    lines.push('');
  }
  if (delayed.length > 0) {
    lines.push('Delivery to the following recipients has been delayed. The mail system', 'will keep trying; you do not need to resend.', '');
    for (const r of delayed) lines.push(`<${displayAddress(r.recipient)}>: ${oneLine(r.diagnostic, 900)}`);
    lines.push('');
  }
  lines.push(`Queue ID: ${oneLine(opts.queueId, 64)}`);
  return `${lines.join('\r\n')}\r\n`;
}

function deliveryStatus(opts: DsnOptions): string {
  const perMessage = [`Reporting-MTA: dns; ${hostName(opts.reportingMta)}`, `X-Moat-Queue-ID: ${oneLine(opts.queueId, 64)}`];
  if (opts.originalEnvelopeId !== undefined && opts.originalEnvelopeId !== '') {
    perMessage.push(`Original-Envelope-Id: ${oneLine(opts.originalEnvelopeId, 100)}`);
  }
  perMessage.push(`Arrival-Date: ${formatRfc5322Date(opts.arrivalDate)}`);
  const blocks = [perMessage.join('\r\n')];
  for (const r of opts.recipients) {
    const fields = [
      `Final-Recipient: ${addressField(r.recipient)}`,
      `Action: ${r.action}`,
      `Status: ${normaliseStatus(r.status, r.action)}`,
    ];
    if (r.remoteMta !== undefined && r.remoteMta !== '') fields.push(`Remote-MTA: dns; ${hostName(r.remoteMta)}`);
    fields.push(`Diagnostic-Code: smtp; ${oneLine(r.diagnostic)}`);
    blocks.push(fields.join('\r\n'));
  }
  return `${blocks.join('\r\n\r\n')}\r\n`;
}

/**
 * Builds a complete DSN message, ready to inject with the null reverse path.
 * From `MAILER-DAEMON@<reportingMta>`, To the original sender, marked
 * `Auto-Submitted: auto-replied` (RFC 3834 §5) so responders leave it alone.
 */
export function buildDsn(opts: DsnOptions): Buffer {
  const failed = opts.recipients.filter((r) => r.action === 'failed');
  const delayed = opts.recipients.filter((r) => r.action === 'delayed');
  const host = hostName(opts.reportingMta);
  const boundary = `=_moat_${randomBytes(12).toString('hex')}`;
  const date = opts.date ?? new Date();
  const messageId = `<${date.getTime().toString(36)}.${randomBytes(8).toString('hex')}.dsn@${host}>`;
  const subject = failed.length > 0 ? 'Undelivered Mail Returned to Sender' : 'Delayed Mail (still being retried)';
  const to = opts.mailFrom.replace(/[^\x21-\x7e\u0080-\uffff]|[<>]/g, '');
  const headers = prepareHeaders(opts.originalHeaders);

  const parts = [
    `From: Mail Delivery System <MAILER-DAEMON@${host}>`,
    `To: <${to}>`,
    `Subject: ${subject}`,
    `Date: ${formatRfc5322Date(date)}`,
    `Message-ID: ${messageId}`,
    'Auto-Submitted: auto-replied',
    'MIME-Version: 1.0',
    `Content-Type: multipart/report; report-type=delivery-status;\r\n\tboundary="${boundary}"`,
    '',
    'This is a MIME-encapsulated message.',
    '',
    `--${boundary}`,
    'Content-Description: Notification',
    'Content-Type: text/plain; charset=us-ascii',
    '',
    humanText(opts, failed, delayed),
    `--${boundary}`,
    'Content-Description: Delivery report',
    'Content-Type: message/delivery-status',
    '',
    deliveryStatus(opts),
    `--${boundary}`,
    'Content-Description: Undelivered message headers',
    'Content-Type: text/rfc822-headers',
    ...(headers.encoding === 'base64' ? ['Content-Transfer-Encoding: base64'] : []),
    '',
    headers.body,
    `--${boundary}--`,
    '',
  ];
  return Buffer.from(parts.join('\r\n'), 'utf8');
}
