/**
 * The gateway end to end over real sockets: SMTP in, analysis, policy,
 * spool, delivery to a real next-hop SMTP server, quarantine and the log.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { openAdminServices } from '../../src/app/index.js';
import { RawSmtpClient, sendMessage } from '../support/smtp-client.js';
import { startTestGateway, type TestGateway } from '../support/gateway.js';
import { messageWithAttachment, plainMessage, tinyPe } from '../support/messages.js';
import { startSink, type Sink } from '../support/sink.js';
import { waitUntil } from '../support/wait.js';

describe('gateway over SMTP', () => {
  let sink: Sink;
  let bounces: Sink;
  let moat: TestGateway;

  before(async () => {
    sink = await startSink({ rejectRecipients: ['nobody@example.test'] });
    bounces = await startSink();
    moat = await startTestGateway({
      domains: [
        { name: 'example.test', recipients: 'any', nextHop: { host: '127.0.0.1', port: sink.port, tls: 'none' } },
        { name: 'listed.test', recipients: ['alice', 'bob@listed.test'], nextHop: { host: '127.0.0.1', port: sink.port, tls: 'none' } },
      ],
      delivery: { smartHost: { host: '127.0.0.1', port: bounces.port, tls: 'none' } },
    });
  });

  after(async () => {
    await moat.stop();
    await sink.close();
    await bounces.close();
  });

  it('advertises the ESMTP extensions an MX needs', async () => {
    const client = await RawSmtpClient.connect(moat.smtpPort);
    const greeting = await client.read();
    assert.equal(greeting.code, 220);
    assert.match(greeting.text, /mx\.test\.moat/);
    const ehlo = await client.command('EHLO client.example.net');
    for (const extension of ['STARTTLS', 'PIPELINING', '8BITMIME', 'SMTPUTF8', 'ENHANCEDSTATUSCODES']) {
      assert.ok(ehlo.lines.includes(extension), `EHLO lacks ${extension}: ${ehlo.text}`);
    }
    assert.ok(ehlo.lines.includes(`SIZE ${moat.config.smtp.limits.maxMessageBytes}`));
    assert.ok(!ehlo.lines.some((l) => l.startsWith('AUTH')), 'an MX does not offer AUTH');
    await client.startTls();
    assert.match(client.tlsProtocol ?? '', /^TLSv1\.[23]$/);
    const again = await client.command('EHLO client.example.net');
    assert.equal(again.code, 250);
    assert.ok(!again.lines.includes('STARTTLS'));
    client.close();
  });

  it('delivers a clean message byte for byte with one Received header prepended', async () => {
    const body = plainMessage({ subject: 'byte exact' });
    const result = await sendMessage(moat.smtpPort, { from: 'alice@sender.example', to: ['bob@example.test'], body });
    assert.equal(result.data?.code, 250);
    const queueId = /queued as ([0-9A-Z]{20})/.exec(result.data?.text ?? '')?.[1];
    assert.ok(queueId, result.data?.text);
    const [received] = (await sink.waitFor(1)).filter((m) => m.raw.includes('byte exact'));
    assert.ok(received);
    const raw = received.raw.toString('latin1');
    assert.match(raw, /^Received: from client\.example\.net \(unknown \[127\.0\.0\.1\]\)\r\n\tby mx\.test\.moat \(Moat\) with ESMTP\r\n\tid [0-9A-Z]{20}\r\n/);
    assert.ok(raw.endsWith(body), 'the original bytes follow the Received header unchanged');
    assert.equal(raw.length - body.length, raw.indexOf(body));
    assert.equal(raw.slice(0, raw.indexOf(body)).match(/^Received:/gm)?.length, 1);
    assert.equal(received.mailFrom, 'alice@sender.example');
    assert.deepEqual(received.rcptTo, ['bob@example.test']);
  });

  it('is never an open relay', async () => {
    const result = await sendMessage(moat.smtpPort, { from: 'spammer@sender.example', to: ['victim@elsewhere.example', 'victim@example.test.evil.example'], body: plainMessage() });
    for (const reply of result.rcpt) {
      assert.equal(reply.code, 550);
      assert.match(reply.text, /^5\.7\.1 /);
    }
    assert.equal(result.data, undefined, 'no DATA without an accepted recipient');
  });

  it('refuses unknown recipients of a domain with a recipient list, and accepts listed ones', async () => {
    const result = await sendMessage(moat.smtpPort, { from: 'a@sender.example', to: ['mallory@listed.test', 'ALICE@listed.test', 'bob@listed.test'], body: plainMessage({ subject: 'listed' }) });
    assert.equal(result.rcpt[0]?.code, 550);
    assert.match(result.rcpt[0]?.text ?? '', /^5\.1\.1 /);
    assert.equal(result.rcpt[1]?.code, 250);
    assert.equal(result.rcpt[2]?.code, 250);
    assert.equal(result.data?.code, 250);
  });

  it('quarantines an executable attachment, and releases it through the queue', async () => {
    const body = messageWithAttachment({ filename: 'setup.exe', content: tinyPe(), subject: 'quarantine me' });
    const result = await sendMessage(moat.smtpPort, { from: 'mallory@sender.example', to: ['carol@example.test'], body });
    assert.equal(result.data?.code, 250, 'quarantined mail is accepted (no backscatter, no oracle)');
    const queueId = /queued as ([0-9A-Z]{20})/.exec(result.data?.text ?? '')?.[1] as string;

    const admin = await openAdminServices(moat.config);
    try {
      const held = await admin.quarantine.list({ state: 'held' });
      assert.ok(held.some((e) => e.queueId === queueId), 'listed in the quarantine');
      const detail = await admin.messageLog.get(queueId);
      assert.equal(detail?.status, 'quarantined');
      assert.ok(detail?.findings.some((f) => f.symbol === 'FILETYPE_EXECUTABLE'));
      assert.ok(!sink.messages.some((m) => m.raw.includes('quarantine me')), 'not delivered');

      await admin.quarantine.release(queueId, 'test');
    } finally {
      await admin.close();
    }
    const delivered = await waitUntil(() => sink.messages.find((m) => m.raw.includes('quarantine me')));
    assert.ok(delivered.raw.toString('latin1').endsWith(body));
  });

  it('rejects in the SMTP dialogue what policy scores past the reject threshold', async () => {
    // An executable named with a right-to-left override to look like a JPEG, with a double extension.
    const body = messageWithAttachment({ filename: 'holiday.jpg.\u202Egnp.exe', content: tinyPe() });
    const result = await sendMessage(moat.smtpPort, { from: 'mallory@sender.example', to: ['bob@example.test'], body });
    assert.equal(result.data?.code, 550);
    assert.match(result.data?.text ?? '', /^5\.7\.1 Message refused by content policy/);
  });

  it('bounces with a DSN to the sender when the next hop refuses a recipient after acceptance', async () => {
    const body = plainMessage({ subject: 'for nobody' });
    const result = await sendMessage(moat.smtpPort, { from: 'alice@sender.example', to: ['nobody@example.test'], body });
    assert.equal(result.data?.code, 250);
    const [dsn] = await bounces.waitFor(1);
    assert.ok(dsn);
    assert.equal(dsn.mailFrom, '', 'a DSN is sent with the null sender');
    assert.deepEqual(dsn.rcptTo, ['alice@sender.example']);
    const text = dsn.raw.toString('latin1');
    assert.match(text, /Content-Type: multipart\/report;[\s\S]*report-type=("?)delivery-status\1/i);
    assert.match(text, /Final-Recipient: rfc822; ?nobody@example\.test/i);
    assert.match(text, /Action: failed/i);
    assert.match(text, /Status: 5\.\d\.\d/);
  });

  it('records each message in the log, searchable by sender and subject', async () => {
    const admin = await openAdminServices(moat.config);
    try {
      const bySubject = await waitUntil(async () => {
        const rows = await admin.messageLog.search({ subject: 'byte exact' });
        return rows.find((r) => r.status === 'delivered');
      });
      assert.equal(bySubject.mailFrom, 'alice@sender.example');
      const bySender = await admin.messageLog.search({ sender: 'mallory@sender.example' });
      assert.ok(bySender.length >= 2);
      assert.ok(bySender.some((r) => r.action === 'reject'));
    } finally {
      await admin.close();
    }
  });

  it('serves health and Prometheus metrics', async () => {
    const health = await fetch(`http://127.0.0.1:${moat.httpPort}/healthz`);
    assert.equal(health.status, 200);
    const metrics = await (await fetch(`http://127.0.0.1:${moat.httpPort}/metrics`)).text();
    assert.match(metrics, /moat_messages_total\{action="deliver"\} [1-9]/);
    assert.match(metrics, /moat_analysis_seconds_bucket/);
    assert.match(metrics, /moat_queue_depth \d+/);
  });
});
