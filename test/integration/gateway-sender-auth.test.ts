/**
 * Sender authentication and reputation on the SMTP path, with a local DNS
 * server: an authenticated message is delivered with our
 * Authentication-Results (and a forged one claiming our id removed), a
 * DMARC p=reject failure is refused in the dialogue, results reach the
 * message log, and greylisting defers a first attempt and passes the retry.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { openAdminServices } from '../../src/app/index.js';
import { createDkimKey, signDkim } from '../support/dkim.js';
import { startDnsServer, type TestDnsServer } from '../support/dns-server.js';
import { startTestGateway, type TestGateway } from '../support/gateway.js';
import { plainMessage } from '../support/messages.js';
import { assertReply, queueIdOf } from '../support/replies.js';
import { startSink, type Sink } from '../support/sink.js';
import { sendMessage } from '../support/smtp-client.js';
import { waitUntil } from '../support/wait.js';

const key = createDkimKey('partner.example', 'mail');

async function signed(body: string): Promise<string> {
  return (await signDkim(body, key)) + body;
}

describe('sender authentication and reputation on the SMTP path', () => {
  let dns: TestDnsServer;
  let sink: Sink;
  let moat: TestGateway;

  before(async () => {
    dns = await startDnsServer([
      { name: 'partner.example', type: 'TXT', data: 'v=spf1 ip4:127.0.0.0/8 -all' },
      { name: '_dmarc.partner.example', type: 'TXT', data: 'v=DMARC1; p=reject' },
      key.record,
      { name: 'bank.example', type: 'TXT', data: 'v=spf1 ip4:192.0.2.0/24 -all' },
      { name: '_dmarc.bank.example', type: 'TXT', data: 'v=DMARC1; p=reject' },
    ]);
    sink = await startSink();
    moat = await startTestGateway({
      dns: { servers: [dns.address], timeoutMs: 500, tries: 1 },
      policy: { externalSubjectPrefix: '[EXTERNAL]' },
      domains: [{ name: 'example.test', recipients: 'any', nextHop: { host: '127.0.0.1', port: sink.port, tls: 'none' } }],
    });
  });

  after(async () => {
    await moat?.stop();
    await sink?.close();
    await dns?.stop();
  });

  it('delivers an authenticated message with our Authentication-Results, a forged one removed', async () => {
    const body = plainMessage({ from: 'Billing <billing@partner.example>', to: 'bob@example.test', subject: 'invoice 42' });
    const forged = `Authentication-Results: mx.test.moat; spf=pass smtp.mailfrom=ceo@example.test; dmarc=pass\r\n${body}`;
    const result = await sendMessage(moat.smtpPort, { from: 'billing@partner.example', to: ['bob@example.test'], body: await signed(forged) });
    const queueId = queueIdOf(result.data);
    const delivered = await waitUntil(() => sink.messages.find((m) => m.raw.includes('invoice 42')), 15_000, 'delivery');
    const text = delivered.raw.toString('latin1');
    const ours = text.match(/^Authentication-Results: mx\.test\.moat;[^]*?(?=\r\n\S)/gm) ?? [];
    assert.equal(ours.length, 1, `exactly one Authentication-Results with our id: ${JSON.stringify(ours)}`);
    assert.match(ours[0] ?? '', /spf=pass/);
    assert.match(ours[0] ?? '', /dkim=pass/);
    assert.match(ours[0] ?? '', /dmarc=pass/);
    // Authenticated, but not one of our domains: the external-sender banner.
    assert.match(text, /^Subject: \[EXTERNAL\] invoice 42\r$/m);

    const admin = await openAdminServices(moat.config);
    try {
      const detail = await admin.messageLog.get(queueId);
      assert.deepEqual(detail?.auth, { spf: 'pass', dkim: 'pass', dmarc: 'pass', arc: 'none' });
      const symbols = detail?.findings.map((f) => f.symbol) ?? [];
      assert.ok(symbols.includes('AUTH_RESULTS_FORGED'), symbols.join(','));
    } finally {
      await admin.close();
    }
  });

  it('refuses a message failing DMARC of a p=reject domain in the SMTP dialogue', async () => {
    // bank.example's SPF does not cover 127.0.0.1, and there is no signature.
    const body = plainMessage({ from: 'Security <security@bank.example>', to: 'bob@example.test', subject: 'verify your account' });
    const result = await sendMessage(moat.smtpPort, { from: 'security@bank.example', to: ['bob@example.test'], body });
    assert.ok(result.data);
    assertReply(result.data, 550, '5.7.1', 'DMARC p=reject');
  });

  it('greylists a first attempt and lets the retry through', async () => {
    const grey = await startTestGateway({
      dns: { servers: [dns.address], timeoutMs: 500, tries: 1 },
      reputation: { greylisting: { enabled: true, minDelaySeconds: 1 } },
      domains: [{ name: 'example.test', recipients: 'any', nextHop: { host: '127.0.0.1', port: sink.port, tls: 'none' } }],
    });
    try {
      const message = { from: 'news@partner.example', to: ['carol@example.test'], body: await signed(plainMessage({ from: 'news@partner.example', to: 'carol@example.test', subject: 'grey' })) };
      const first = await sendMessage(grey.smtpPort, message);
      const rcpt = first.rcpt[0];
      assert.ok(rcpt);
      assertReply(rcpt, 451, '4.7.1', 'first attempt greylisted');
      const retried = await waitUntil(
        async () => {
          const again = await sendMessage(grey.smtpPort, message);
          return again.data?.code === 250 ? again : undefined;
        },
        10_000,
        'the retry to pass',
      );
      assert.equal(retried.data?.code, 250);
    } finally {
      await grey.stop();
    }
  });
});
