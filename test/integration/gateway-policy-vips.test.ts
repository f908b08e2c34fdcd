/**
 * Protected people (VIPs) in the policy document: an organization's list
 * travels with the analysis job of its recipients' mail, so a display name
 * copied from one of its people is IMPERSONATION_VIP for that organization
 * only, and the person's own address is not flagged.
 */
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { stringify } from 'yaml';
import { openAdminServices } from '../../src/app/index.js';
import { makeDataDir, startTestGateway, type TestGateway } from '../support/gateway.js';
import { queueIdOf } from '../support/replies.js';
import { startSink, type Sink } from '../support/sink.js';
import { sendMessage } from '../support/smtp-client.js';

const policyDocument = {
  organizations: { acme: { vips: [{ name: 'Jane Doe', addresses: ['jane@acme.test'] }] } },
};

function fromJane(address: string, to: string): string {
  return [
    `From: "Jane Doe" <${address}>`,
    `To: ${to}`,
    'Subject: Quick favour',
    `Message-ID: <${Date.now()}.${Math.random().toString(36).slice(2)}@sender.example>`,
    'Date: Thu, 26 Nov 2026 08:00:00 +0000',
    'MIME-Version: 1.0',
    'Content-Type: text/plain; charset=utf-8',
    '',
    'Are you at your desk? Call me.',
    '',
  ].join('\r\n');
}

describe('protected people per organization in the policy', () => {
  let sink: Sink;
  let moat: TestGateway;

  before(async () => {
    const dir = await makeDataDir();
    const policyFile = join(dir, 'policy.yaml');
    await writeFile(policyFile, stringify(policyDocument));
    sink = await startSink();
    const nextHop = { host: '127.0.0.1', port: sink.port, tls: 'none' } as const;
    moat = await startTestGateway(
      {
        policy: { file: policyFile, refreshSeconds: 1 },
        domains: [
          { name: 'acme.test', organization: 'acme', recipients: 'any', nextHop },
          { name: 'globex.test', organization: 'globex', recipients: 'any', nextHop },
        ],
      },
      dir,
    );
  });

  after(async () => {
    await moat?.stop();
    await sink?.close();
  });

  async function vipFindings(from: string, to: string): Promise<string[]> {
    const sent = await sendMessage(moat.smtpPort, { from, to: [to], body: fromJane(from, to) });
    assert.ok(sent.data, 'DATA answered');
    const admin = await openAdminServices(moat.config);
    try {
      const detail = await admin.messageLog.get(queueIdOf(sent.data));
      assert.ok(detail, 'message logged');
      return detail.findings.filter((f) => f.symbol === 'IMPERSONATION_VIP').map((f) => f.detail ?? '');
    } finally {
      await admin.close();
    }
  }

  it("flags Jane Doe's name from another address for acme, whose policy protects her", async () => {
    const details = await vipFindings('jane@evil.example', 'bob@acme.test');
    assert.equal(details.length, 1, 'IMPERSONATION_VIP for acme');
    assert.match(details[0] ?? '', /protected person Jane Doe, but the address jane@evil\.example is not theirs/);
  });

  it('does not flag the same mail to globex, whose policy protects nobody', async () => {
    assert.deepEqual(await vipFindings('jane@evil.example', 'bob@globex.test'), []);
  });

  it("does not flag mail from Jane Doe's own address", async () => {
    assert.deepEqual(await vipFindings('jane@acme.test', 'bob@acme.test'), []);
  });
});
