import { test } from 'node:test';
import assert from 'node:assert/strict';
import PostalMime from 'postal-mime';
import { buildDsn } from './dsn.js';

const base = {
  reportingMta: 'mx.moat.test',
  mailFrom: 'sender@outside.test',
  arrivalDate: new Date(Date.UTC(2024, 0, 2, 3, 4, 5)),
  queueId: '01HQUEUEID0000000000',
  date: new Date(Date.UTC(2024, 0, 3, 0, 0, 0)),
};

function contentText(content: string | ArrayBuffer | Uint8Array): string {
  return typeof content === 'string' ? content : Buffer.from(content instanceof ArrayBuffer ? new Uint8Array(content) : content).toString('utf8');
}

/** Splits a delivery-status body into its field groups (RFC 3464 §2.1). */
function fieldGroups(body: string): Record<string, string>[] {
  return body
    .split(/\r?\n\r?\n/)
    .filter((block) => block.trim() !== '')
    .map((block) =>
      Object.fromEntries(
        block.split(/\r?\n/).map((line) => {
          const colon = line.indexOf(':');
          return [line.slice(0, colon).toLowerCase(), line.slice(colon + 1).trim()];
        }),
      ),
    );
}

test('buildDsn produces an RFC 3464 multipart/report with its three parts', async () => {
  const raw = buildDsn({
    ...base,
    recipients: [
      { recipient: 'a@example.test', action: 'failed', status: '5.1.1', diagnostic: '550 5.1.1 <a@example.test>: no such user', remoteMta: 'mail.example.test' },
      { recipient: 'b@example.test', action: 'delayed', status: '4.4.1', diagnostic: '451 4.4.1 try later' },
    ],
    originalHeaders: Buffer.from('Subject: hello\r\nFrom: sender@outside.test\r\nMessage-ID: <m1@outside.test>\r\n\r\n'),
  });
  const text = raw.toString('latin1');
  assert.ok(/^[\x00-\x7f]*$/.test(text), 'DSN is 7-bit');
  assert.ok(!/[^\r]\n/.test(text), 'only CRLF line ends');
  assert.ok(text.split('\r\n').every((line) => line.length <= 998));

  const email = await PostalMime.parse(raw);
  const header = (name: string): string | undefined => email.headers.find((h) => h.key === name)?.value;
  assert.equal(email.from?.address, 'MAILER-DAEMON@mx.moat.test');
  assert.equal(email.to?.[0]?.address, 'sender@outside.test');
  assert.equal(header('auto-submitted'), 'auto-replied');
  assert.match(header('message-id') ?? '', /^<[^<>@]+@mx\.moat\.test>$/);
  assert.equal(header('date'), 'Wed, 03 Jan 2024 00:00:00 +0000');
  assert.match(header('content-type') ?? '', /^multipart\/report;\s*report-type=delivery-status;\s*boundary=/);
  assert.match(email.text ?? '', /<a@example\.test>: 550 5\.1\.1/);

  assert.deepEqual(email.attachments.map((a) => a.mimeType), ['message/delivery-status', 'text/rfc822-headers']);
  const [status, headers] = email.attachments;
  const groups = fieldGroups(contentText(status?.content ?? ''));
  assert.equal(groups.length, 3);
  assert.equal(groups[0]?.['reporting-mta'], 'dns; mx.moat.test');
  assert.equal(groups[0]?.['arrival-date'], 'Tue, 02 Jan 2024 03:04:05 +0000');
  assert.deepEqual(groups[1], {
    'final-recipient': 'rfc822; a@example.test',
    action: 'failed',
    status: '5.1.1',
    'remote-mta': 'dns; mail.example.test',
    'diagnostic-code': 'smtp; 550 5.1.1 <a@example.test>: no such user',
  });
  assert.equal(groups[2]?.action, 'delayed');
  assert.equal(groups[2]?.status, '4.4.1');
  assert.match(contentText(headers?.content ?? ''), /^Subject: hello\r?\nFrom: sender@outside\.test/);
  assert.equal(header('subject'), 'Undelivered Mail Returned to Sender');
});

test('hostile diagnostics stay on one line and 8-bit original headers are base64', async () => {
  const raw = buildDsn({
    ...base,
    recipients: [
      {
        recipient: 'ü@example.test',
        action: 'failed',
        status: 'bogus',
        diagnostic: `550 bad\r\nX-Injected: yes\r\n${'z'.repeat(3000)}\u00ff`,
        remoteMta: 'evil host\r\n',
      },
    ],
    originalHeaders: Buffer.from('Subject: Grüße\r\n\r\n', 'utf8'),
  });
  const text = raw.toString('latin1');
  assert.ok(/^[\x00-\x7f]*$/.test(text));
  assert.ok(text.split('\r\n').every((line) => line.length <= 998));
  assert.doesNotMatch(text, /^X-Injected/m);
  const email = await PostalMime.parse(raw);
  const [status, headers] = email.attachments;
  const groups = fieldGroups(contentText(status?.content ?? ''));
  assert.equal(groups[1]?.status, '5.0.0');
  assert.equal(groups[1]?.['final-recipient'], 'utf-8; \\x{FC}@example.test');
  assert.equal(groups[1]?.['remote-mta'], 'dns; evil_host__');
  assert.match(contentText(headers?.content ?? ''), /^Subject: Grüße/);
});

test('only delayed recipients make a delay notice', async () => {
  const raw = buildDsn({
    ...base,
    recipients: [{ recipient: 'b@example.test', action: 'delayed', status: '4.4.1', diagnostic: '451 later' }],
    originalHeaders: Buffer.alloc(0),
  });
  const email = await PostalMime.parse(raw);
  assert.equal(email.subject, 'Delayed Mail (still being retried)');
});
