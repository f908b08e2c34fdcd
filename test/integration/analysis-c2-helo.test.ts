/**
 * SMTP_HELO_NOT_HOSTNAME end to end: a real gateway on loopback, the EHLO
 * argument judged at intake and recorded with the message (THREAT.md SEASIDE).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { openAdminServices } from '../../src/app/index.js';
import type { Finding } from '../../src/core/index.js';
import { sendMessage } from '../support/smtp-client.js';
import { startTestGateway, type TestGateway } from '../support/gateway.js';
import { plainMessage } from '../support/messages.js';
import { startSink, type Sink } from '../support/sink.js';

describe('HELO/EHLO C2 check at intake', () => {
  let sink: Sink;
  let moat: TestGateway;

  before(async () => {
    sink = await startSink();
    moat = await startTestGateway({
      domains: [{ name: 'example.test', recipients: 'any', nextHop: { host: '127.0.0.1', port: sink.port, tls: 'none' } }],
    });
  });

  after(async () => {
    await moat.stop();
    await sink.close();
  });

  async function send(ehlo: string): Promise<{ status: string | undefined; helo: Finding | undefined; recordedHelo: string | undefined }> {
    const result = await sendMessage(moat.smtpPort, { from: 'alice@sender.example', to: ['bob@example.test'], body: plainMessage({ subject: `helo ${ehlo}` }), ehlo });
    assert.equal(result.ehlo.code, 250, `EHLO ${ehlo}`);
    assert.equal(result.data?.code, 250);
    const queueId = /queued as ([0-9A-Z]{20})/.exec(result.data?.text ?? '')?.[1] ?? '';
    const admin = await openAdminServices(moat.config);
    try {
      const detail = await admin.messageLog.get(queueId);
      return { status: detail?.status, helo: detail?.findings.find((f) => f.symbol === 'SMTP_HELO_NOT_HOSTNAME'), recordedHelo: detail?.helo };
    } finally {
      await admin.close();
    }
  }

  it('an onion address in EHLO is quarantined', async () => {
    const { status, helo, recordedHelo } = await send('c2relay.abcdefghijklmnop.onion');
    assert.equal(status, 'quarantined');
    assert.equal(helo?.score, 15);
    assert.equal(helo?.engine, 'smtp');
    assert.equal(recordedHelo, 'c2relay.abcdefghijklmnop.onion');
  });

  it('shell syntax in EHLO is quarantined', async () => {
    const { status, helo } = await send('$(echo${IFS}hello)');
    assert.equal(status, 'quarantined');
    assert.equal(helo?.severity, 'high');
  });

  it('a bare word from a broken client is noted, low, and the mail is queued', async () => {
    const { status, helo } = await send('localhost');
    assert.ok(status === 'queued' || status === 'delivered', String(status));
    assert.equal(helo?.score, 1);
  });

  it('a proper host name gives no finding', async () => {
    const { status, helo } = await send('mail.sender.example');
    assert.ok(status === 'queued' || status === 'delivered', String(status));
    assert.equal(helo, undefined);
  });
});
