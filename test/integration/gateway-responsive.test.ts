/**
 * Hostile content must not stall the front door: while the only analysis
 * worker grinds on a message past its time budget, the SMTP server keeps
 * answering other clients, the stuck message is quarantined with
 * ANALYSIS_TIMEOUT (never delivered), and the replaced worker serves the next.
 */
import assert from 'node:assert/strict';
import { readdir } from 'node:fs/promises';
import { after, before, describe, it } from 'node:test';
import { openAdminServices } from '../../src/app/index.js';
import { startTestGateway, type TestGateway } from '../support/gateway.js';
import { plainMessage } from '../support/messages.js';
import { startSink, type Sink } from '../support/sink.js';
import { RawSmtpClient, sendMessage } from '../support/smtp-client.js';
import { waitUntil } from '../support/wait.js';

describe('front door while a worker is stuck', () => {
  let sink: Sink;
  let moat: TestGateway;

  before(async () => {
    sink = await startSink();
    moat = await startTestGateway({
      smtp: { limits: { maxMessageBytes: 80_000_000 } },
      analysis: { workers: 1, timeBudgetMs: 1500, onTimeout: 'quarantine' },
      domains: [{ name: 'example.test', recipients: 'any', nextHop: { host: '127.0.0.1', port: sink.port, tls: 'none' } }],
    });
  });

  after(async () => {
    await moat.stop();
    await sink.close();
  });

  it('keeps answering SMTP, quarantines the stuck message and recovers', async () => {
    // 60 MB of empty lines: cheap to send, seconds of MIME walking (more than the 1.5 s budget).
    const slowBody = Buffer.concat([Buffer.from('Subject: slow one\r\nMessage-ID: <slow@sender.example>\r\n\r\n'), Buffer.from('\r\n'.repeat(30_000_000))]);
    const slow = await RawSmtpClient.connect(moat.smtpPort);
    await slow.read();
    await slow.command('EHLO slow.example.net');
    await slow.command('MAIL FROM:<slow@sender.example>');
    await slow.command('RCPT TO:<victim@example.test>');
    const slowReply = slow.data(slowBody);
    let slowAnswered = false;
    void slowReply.then(() => {
      slowAnswered = true;
    });

    // Wait until the slow message is in analysis (its body is in the spool's incoming folder).
    await waitUntil(async () => ((await readdir(`${moat.dataDir}/spool/incoming`)).length > 0 ? true : undefined), 20_000, 'slow message spooled');

    const started = Date.now();
    const other = await RawSmtpClient.connect(moat.smtpPort);
    assert.equal((await other.read()).code, 220);
    assert.equal((await other.command('EHLO quick.example.net')).code, 250);
    assert.equal((await other.command('MAIL FROM:<quick@sender.example>')).code, 250);
    assert.equal((await other.command('RCPT TO:<bob@example.test>')).code, 250);
    assert.equal((await other.command('RSET')).code, 250);
    const dialogueMs = Date.now() - started;
    other.close();
    assert.equal(slowAnswered, false, 'the other client was served while the slow message was still being analysed');
    assert.ok(dialogueMs < 1000, `SMTP dialogue took ${dialogueMs} ms while a worker was busy`);

    const reply = await slowReply;
    slow.close();
    assert.equal(reply.code, 250, 'a message that could not be analysed in time is accepted into quarantine');
    const queueId = /queued as ([0-9A-Z]{20})/.exec(reply.text)?.[1] as string;
    const admin = await openAdminServices(moat.config);
    try {
      const detail = await admin.messageLog.get(queueId);
      assert.equal(detail?.status, 'quarantined');
      assert.ok(detail?.findings.some((f) => f.symbol === 'ANALYSIS_TIMEOUT'));
    } finally {
      await admin.close();
    }
    assert.ok(!sink.messages.some((m) => m.raw.includes('slow@sender.example')), 'never delivered');

    // The stuck worker was replaced: the next message is analysed and delivered.
    const result = await sendMessage(moat.smtpPort, { from: 'alice@sender.example', to: ['bob@example.test'], body: plainMessage({ subject: 'after the storm' }) });
    assert.equal(result.data?.code, 250);
    await waitUntil(() => sink.messages.find((m) => m.raw.includes('after the storm')), 15_000, 'delivery after the timeout');
  });
});
