/**
 * Tenants on the SMTP path: a message belongs to the organization of its
 * recipient domain; recipients of two organizations never share one
 * transaction (452 4.5.3 sends the second to its own), so each organization
 * gets its own verdict and copy; searches scoped by organization see only it.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { openAdminServices } from '../../src/app/index.js';
import { startTestGateway, type TestGateway } from '../support/gateway.js';
import { messageWithAttachment, plainMessage, tinyPe } from '../support/messages.js';
import { assertReply, queueIdOf } from '../support/replies.js';
import { startSink, type Sink } from '../support/sink.js';
import { RawSmtpClient, sendMessage } from '../support/smtp-client.js';
import { waitUntil } from '../support/wait.js';

describe('organizations (tenants)', () => {
  let moat: TestGateway;
  let acmeMx: Sink;
  let globexMx: Sink;

  before(async () => {
    acmeMx = await startSink();
    globexMx = await startSink();
    const hop = (sink: Sink) => ({ host: '127.0.0.1', port: sink.port, tls: 'none' });
    moat = await startTestGateway({
      organizations: [
        { name: 'acme', country: 'US', nextHop: hop(acmeMx) },
        { name: 'globex', country: 'DE', nextHop: hop(globexMx) },
      ],
      domains: [
        { name: 'acme.test', recipients: 'any', organization: 'acme' },
        // A domain's own next hop wins over its organization's.
        { name: 'acme-labs.test', recipients: 'any', organization: 'acme', nextHop: hop(globexMx) },
        { name: 'globex.test', recipients: 'any', organization: 'globex' },
      ],
    });
  });

  after(async () => {
    await moat?.stop();
    await acmeMx?.close();
    await globexMx?.close();
  });

  it("delivers to each organization's next hop unless the domain names its own", async () => {
    const send = (to: string, subject: string) => sendMessage(moat.smtpPort, { from: 'routing@other.example', to: [to], body: plainMessage({ from: 'routing@other.example', to, subject }) });
    for (const [to, subject] of [['bob@acme.test', 'hop acme'], ['carol@globex.test', 'hop globex'], ['eve@acme-labs.test', 'hop labs']] as const) {
      assert.equal((await send(to, subject)).data?.code, 250);
    }
    const subjects = (sink: Sink) => sink.messages.map((m) => /^Subject: (hop .*)$/m.exec(m.raw.toString())?.[1]?.trim()).filter((x) => x !== undefined).sort();
    await waitUntil(() => (acmeMx.messages.length + globexMx.messages.length >= 3 ? true : undefined), 15_000, 'three deliveries');
    assert.deepEqual(subjects(acmeMx), ['hop acme']);
    assert.deepEqual(subjects(globexMx), ['hop globex', 'hop labs']);
  });

  it('splits recipients of two organizations into separate transactions', async () => {
    const client = await RawSmtpClient.connect(moat.smtpPort);
    try {
      await client.read();
      await client.command('EHLO client.example.net');
      assert.equal((await client.command('MAIL FROM:<alice@partner.example>')).code, 250);
      assert.equal((await client.command('RCPT TO:<bob@acme.test>')).code, 250);
      // Another domain of the same organization, same policy: same transaction.
      assert.equal((await client.command('RCPT TO:<eve@acme-labs.test>')).code, 250);
      assertReply(await client.command('RCPT TO:<carol@globex.test>'), 452, '4.5.3', 'recipient of another organization');
    } finally {
      client.close();
    }
  });

  it('logs each message under its organization, and scoped searches see only their own', async () => {
    const acme = queueIdOf((await sendMessage(moat.smtpPort, { from: 'alice@partner.example', to: ['bob@acme.test'], body: plainMessage({ to: 'bob@acme.test', subject: 'for acme' }) })).data);
    const globex = queueIdOf((await sendMessage(moat.smtpPort, { from: 'alice@partner.example', to: ['carol@globex.test'], body: plainMessage({ to: 'carol@globex.test', subject: 'for globex' }) })).data);
    const admin = await openAdminServices(moat.config);
    try {
      const acmeRow = await admin.messageLog.get(acme);
      const globexRow = await admin.messageLog.get(globex);
      assert.ok(acmeRow && globexRow);
      assert.notEqual(acmeRow.organizationId, globexRow.organizationId);
      assert.notEqual(acmeRow.organizationId, 1, 'not the default organization');
      const seenByAcme = await admin.messageLog.search({ organizationId: acmeRow.organizationId, sender: 'partner.example' });
      assert.deepEqual(seenByAcme.map((m) => m.queueId), [acme]);
      const seenByGlobex = await admin.messageLog.search({ organizationId: globexRow.organizationId, subject: 'for' });
      assert.deepEqual(seenByGlobex.map((m) => m.queueId), [globex]);
    } finally {
      await admin.close();
    }
  });

  it('holds quarantined mail under its organization, listed only in its own view', async () => {
    const held = async (to: string): Promise<string> => {
      const body = messageWithAttachment({ filename: 'setup.exe', content: tinyPe(), subject: `held for ${to}`, to });
      return queueIdOf((await sendMessage(moat.smtpPort, { from: 'mallory@partner.example', to: [to], body })).data);
    };
    const acme = await held('bob@acme.test');
    const globex = await held('carol@globex.test');
    const admin = await openAdminServices(moat.config);
    try {
      const acmeOrganization = (await admin.messageLog.get(acme))?.organizationId;
      const globexOrganization = (await admin.messageLog.get(globex))?.organizationId;
      assert.ok(acmeOrganization !== undefined && globexOrganization !== undefined && acmeOrganization !== globexOrganization);
      assert.deepEqual((await admin.quarantine.list({ organizationId: acmeOrganization })).map((e) => e.queueId), [acme]);
      assert.deepEqual((await admin.quarantine.list({ organizationId: globexOrganization })).map((e) => e.queueId), [globex]);
    } finally {
      await admin.close();
    }
  });
});
