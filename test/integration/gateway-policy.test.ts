/**
 * Per-organization, per-domain and per-recipient policy on the SMTP path:
 * a policy file imported at start, recipient exceptions, one policy per
 * transaction, live changes through `moat policy import` (no restart), the
 * authenticated reload route, and a broken policy that leaves the running
 * one in force. Every verdict is logged with the revision that decided it.
 */
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { stringify } from 'yaml';
import { openAdminServices } from '../../src/app/index.js';
import { makeDataDir, startTestGateway, type TestGateway } from '../support/gateway.js';
import { messageWithAttachment, plainMessage, tinyPe } from '../support/messages.js';
import { assertReply, queueIdOf } from '../support/replies.js';
import { runCliInProcess } from '../support/cli.js';
import { startSink, type Sink } from '../support/sink.js';
import { RawSmtpClient, sendMessage } from '../support/smtp-client.js';
import { waitUntil } from '../support/wait.js';

const ADMIN_TOKEN = 'test-admin-token-0123456789abcdef0123456789';

const firstPolicy = {
  organizations: { acme: { thresholds: { tag: 4 } } },
  recipients: {
    // Developers receive tools: executables are allowed for this mailbox only.
    'dev@example.test': { fileTypes: { allow: ['exe'] } },
    'ceo@example.test': { senders: { deny: ['sender.example'] } },
    // An engine switched off is not run at all for this mailbox.
    'ops@example.test': { engines: { filetype: { enabled: false } } },
  },
};

async function statusOf(moat: TestGateway, queueId: string): Promise<{ status: string; policyVersion: string; reasons: readonly string[] }> {
  const admin = await openAdminServices(moat.config);
  try {
    const detail = await admin.messageLog.get(queueId);
    assert.ok(detail, `message ${queueId} logged`);
    return { status: detail.status, policyVersion: detail.policyVersion, reasons: detail.reasons };
  } finally {
    await admin.close();
  }
}

function exeMessage(to: string): string {
  return messageWithAttachment({ filename: 'setup.exe', content: tinyPe(), to });
}

async function reload(moat: TestGateway, token: string | undefined): Promise<{ status: number; body: unknown }> {
  const response = await fetch(`http://127.0.0.1:${moat.httpPort}/api/v1/reload`, {
    method: 'POST',
    headers: token === undefined ? {} : { authorization: `Bearer ${token}` },
  });
  return { status: response.status, body: await response.json() };
}

describe('policy per organization, domain and recipient, applied live', () => {
  let sink: Sink;
  let moat: TestGateway;
  let dir: string;
  let policyFile: string;

  before(async () => {
    dir = await makeDataDir();
    policyFile = join(dir, 'policy.yaml');
    await writeFile(policyFile, stringify(firstPolicy));
    sink = await startSink();
    moat = await startTestGateway(
      {
        http: { adminToken: ADMIN_TOKEN },
        policy: { file: policyFile, refreshSeconds: 1 },
        domains: [{ name: 'example.test', organization: 'acme', recipients: 'any', nextHop: { host: '127.0.0.1', port: sink.port, tls: 'none' } }],
      },
      dir,
    );
  });

  after(async () => {
    await moat?.stop();
    await sink?.close();
  });

  it('imports the policy file at start and decides by the recipient exception', async () => {
    const held = await sendMessage(moat.smtpPort, { from: 'mallory@sender.example', to: ['bob@example.test'], body: exeMessage('bob@example.test') });
    const heldStatus = await statusOf(moat, queueIdOf(held.data));
    assert.equal(heldStatus.status, 'quarantined');
    assert.match(heldStatus.policyVersion, /^r1-[0-9a-f]{12}$/);
    assert.ok(heldStatus.reasons.some((r) => r === `policy ${heldStatus.policyVersion} (installation > organization acme)`), heldStatus.reasons.join('\n'));

    const allowed = await sendMessage(moat.smtpPort, { from: 'mallory@sender.example', to: ['dev@example.test'], body: exeMessage('dev@example.test') });
    const allowedStatus = await statusOf(moat, queueIdOf(allowed.data));
    assert.notEqual(allowedStatus.policyVersion, heldStatus.policyVersion);
    assert.ok(allowedStatus.reasons.some((r) => r.includes('file-type finding(s) waived')), allowedStatus.reasons.join('\n'));
    await waitUntil(() => sink.messages.find((m) => m.rcptTo.includes('dev@example.test')), 15_000, 'delivery to dev@');

    const unscanned = await sendMessage(moat.smtpPort, { from: 'mallory@sender.example', to: ['ops@example.test'], body: exeMessage('ops@example.test') });
    const admin = await openAdminServices(moat.config);
    try {
      const detail = await admin.messageLog.get(queueIdOf(unscanned.data));
      assert.ok(detail?.action === 'deliver' || detail?.action === 'tag', `${detail?.action}: ${detail?.reasons.join('; ')}`);
      assert.deepEqual(detail?.findings.filter((f) => f.engine === 'filetype'), [], 'the file-type engine did not run');
      assert.ok(detail?.artifacts.some((a) => a.detectedExtension === 'exe'), 'the content was still analysed');
    } finally {
      await admin.close();
    }

    const denied = await sendMessage(moat.smtpPort, { from: 'mallory@sender.example', to: ['ceo@example.test'], body: plainMessage({ to: 'ceo@example.test' }) });
    assert.ok(denied.data, 'DATA answered');
    assertReply(denied.data, 550, '5.7.1', 'denied sender');
  });

  it('keeps recipients of different policies in different transactions (452 4.5.3)', async () => {
    const client = await RawSmtpClient.connect(moat.smtpPort);
    try {
      await client.read();
      await client.command('EHLO client.example.net');
      assert.equal((await client.command('MAIL FROM:<alice@partner.example>')).code, 250);
      assert.equal((await client.command('RCPT TO:<bob@example.test>')).code, 250);
      // Same policy as bob: accepted into the same transaction.
      assert.equal((await client.command('RCPT TO:<carol@example.test>')).code, 250);
      assertReply(await client.command('RCPT TO:<dev@example.test>'), 452, '4.5.3', 'recipient of another policy');
      const data = await client.data(plainMessage({ to: 'bob@example.test, carol@example.test' }));
      assert.equal(data.code, 250);
    } finally {
      client.close();
    }
  });

  it('applies a policy imported with the CLI within seconds, without a restart', async () => {
    const changed = join(dir, 'policy-2.yaml');
    await writeFile(changed, stringify({ recipients: { 'ceo@example.test': { senders: { deny: ['sender.example'] } } } }));
    const imported = await runCliInProcess(['policy', 'import', changed, '--config', moat.configPath, '--comment', 'dev exception ends']);
    assert.equal(imported.code, 0, imported.stderr);
    assert.match(imported.stdout, /as revision 2/);

    const queueId = await waitUntil(
      async () => {
        const result = await sendMessage(moat.smtpPort, { from: 'mallory@sender.example', to: ['dev@example.test'], body: exeMessage('dev@example.test') });
        const id = queueIdOf(result.data);
        return (await statusOf(moat, id)).status === 'quarantined' ? id : undefined;
      },
      15_000,
      'the new revision to apply',
    );
    assert.match((await statusOf(moat, queueId)).policyVersion, /^r2-/);

    const history = await runCliInProcess(['policy', 'history', '--config', moat.configPath]);
    assert.match(history.stdout, /^r2 .*"dev exception ends"$/m);
    assert.match(history.stdout, /^r1 .*policy\.yaml$/m);
    const resolved = await runCliInProcess(['policy', 'resolve', 'dev@example.test', '--config', moat.configPath, '--json']);
    assert.deepEqual(JSON.parse(resolved.stdout).rules.fileTypes.allow, []);
  });

  it('reloads over HTTP only with the admin token, and a broken policy leaves the running one in force', async () => {
    assert.equal((await reload(moat, undefined)).status, 401);
    assert.equal((await reload(moat, 'x'.repeat(40))).status, 401);

    await writeFile(policyFile, stringify({ recipients: { 'dev@example.test': { thresholds: { quarantine: 'high' } } }, domains: { 'nowhere.test': {} } }));
    const refused = await reload(moat, ADMIN_TOKEN);
    assert.equal(refused.status, 409);
    const detail = JSON.stringify(refused.body);
    assert.match(detail, /recipients\[\\"dev@example\.test\\"\]\.thresholds\.quarantine/);
    // Still revision 2: a denied sender to ceo@ is refused, dev@'s exe is held.
    const denied = await sendMessage(moat.smtpPort, { from: 'mallory@sender.example', to: ['ceo@example.test'], body: plainMessage({ to: 'ceo@example.test' }) });
    assert.equal(denied.data?.code, 550);

    await writeFile(policyFile, stringify(firstPolicy));
    const applied = await reload(moat, ADMIN_TOKEN);
    assert.equal(applied.status, 200, JSON.stringify(applied.body));
    assert.deepEqual((applied.body as { parts: { policy: unknown } }).parts.policy, { ok: true, detail: 'revision 3 (new)' });
    const allowed = await sendMessage(moat.smtpPort, { from: 'mallory@sender.example', to: ['dev@example.test'], body: exeMessage('dev@example.test') });
    assert.match((await statusOf(moat, queueIdOf(allowed.data))).policyVersion, /^r3-/);
  });
});
