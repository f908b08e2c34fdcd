/**
 * Delivery end to end through a real gateway: a next hop that is down or
 * answers 4xx, local Maildir, a DKIM signature surviving the trip, tagging,
 * and the operator's queue commands.
 */
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { dkimSign } from 'mailauth/lib/dkim/sign.js';
import { dkimVerify } from 'mailauth/lib/dkim/verify.js';
import { openAdminServices, type AdminServices } from '../../src/app/index.js';
import { closedPort, runCliInProcess } from '../support/cli.js';
import { startTestGateway, type TestGateway } from '../support/gateway.js';
import { plainMessage } from '../support/messages.js';
import { assertReply, queueIdOf, spoolFiles } from '../support/replies.js';
import { startSink, type ReceivedMail, type Sink } from '../support/sink.js';
import { sendMessage } from '../support/smtp-client.js';
import { waitUntil } from '../support/wait.js';

async function send(port: number, to: string, body: string): Promise<string> {
  const result = await sendMessage(port, { from: 'alice@sender.example', to: [to], body });
  assert.ok(result.data, `RCPT refused: ${result.rcpt.map((r) => `${r.code} ${r.text}`).join('; ')}`);
  assertReply(result.data, 250, '2.0.0', 'end of DATA');
  return queueIdOf(result.data);
}

function copiesOf(sink: Sink, marker: string): ReceivedMail[] {
  return sink.messages.filter((m) => m.raw.includes(marker));
}

/** Waits until every recipient row of the message is final in the log. */
async function waitDelivered(admin: AdminServices, queueId: string, timeoutMs = 15_000): Promise<void> {
  await waitUntil(async () => ((await admin.messageLog.get(queueId))?.status === 'delivered' ? true : undefined), timeoutMs, `${queueId} delivered`);
}

describe('delivery with a next hop that is down, then up', () => {
  let port: number;
  let moat: TestGateway;
  let admin: AdminServices;
  let sink: Sink | undefined;

  before(async () => {
    port = await closedPort();
    moat = await startTestGateway({
      domains: [{ name: 'example.test', recipients: 'any', nextHop: { host: '127.0.0.1', port, tls: 'none' } }],
      delivery: { connectTimeoutSeconds: 2 },
    });
    admin = await openAdminServices(moat.config);
  });

  after(async () => {
    await admin.close();
    await moat.stop();
    await sink?.close();
  });

  it('keeps the message queued while the next hop is down and delivers it once when it comes up', async () => {
    const messageId = `down-then-up.${Date.now()}@sender.example`;
    const queueId = await send(moat.smtpPort, 'bob@example.test', plainMessage({ subject: 'down then up', messageId }));
    const row = await waitUntil(async () => (await admin.queue.list({ state: 'pending' })).find((r) => r.queueId === queueId && r.attempts > 0), 15_000, 'a failed attempt');
    assert.equal(row.recipient, 'bob@example.test');
    assert.ok(row.lastReply, 'the failure is recorded on the row');
    assert.deepEqual((await spoolFiles(moat.dataDir, 'messages')).filter((n) => n.startsWith(queueId)).sort(), [`${queueId}.eml`, `${queueId}.json`]);

    sink = await startSink({}, port);
    await waitDelivered(admin, queueId);
    // A second message through the same hop is a barrier: anything duplicated would have arrived by now.
    const barrier = await send(moat.smtpPort, 'bob@example.test', plainMessage({ subject: 'barrier one' }));
    await waitDelivered(admin, barrier);
    assert.equal(copiesOf(sink, `<${messageId}>`).length, 1, 'delivered exactly once');
    assert.deepEqual(await admin.queue.list({ state: 'pending' }), []);
    assert.deepEqual((await spoolFiles(moat.dataDir, 'messages')).filter((n) => n.startsWith(queueId)), [], 'spool entry removed after delivery');
  });
});

describe('delivery through a next hop', () => {
  let sink: Sink;
  let flaky: Sink;
  let moat: TestGateway;
  let admin: AdminServices;

  before(async () => {
    sink = await startSink();
    flaky = await startSink({ temporaryFailures: 2 });
    moat = await startTestGateway({
      domains: [
        { name: 'example.test', recipients: 'any', nextHop: { host: '127.0.0.1', port: sink.port, tls: 'none' } },
        { name: 'flaky.test', recipients: 'any', nextHop: { host: '127.0.0.1', port: flaky.port, tls: 'none' } },
        { name: 'local.test', recipients: 'any' },
      ],
      policy: { symbolScores: { SMTP_LINE_TOO_LONG: 6 }, thresholds: { tag: 5, quarantine: 15, reject: 40 }, subjectPrefix: '[SUSPICIOUS]' },
    });
    admin = await openAdminServices(moat.config);
  });

  after(async () => {
    await admin.close();
    await moat.stop();
    await sink.close();
    await flaky.close();
  });

  it('retries a next hop that answers 451 twice and delivers once', async () => {
    const messageId = `flaky.${Date.now()}@sender.example`;
    const queueId = await send(moat.smtpPort, 'bob@flaky.test', plainMessage({ subject: 'flaky hop', messageId }));
    await waitDelivered(admin, queueId, 20_000);
    const detail = await admin.messageLog.get(queueId);
    assert.deepEqual(detail?.attempts.map((a) => a.outcome), ['deferred', 'deferred', 'delivered']);
    const barrier = await send(moat.smtpPort, 'carol@flaky.test', plainMessage({ subject: 'barrier two' }));
    await waitDelivered(admin, barrier);
    assert.equal(copiesOf(flaky, `<${messageId}>`).length, 1);
  });

  it('delivers into Maildir for a domain without a next hop', async () => {
    const body = plainMessage({ subject: 'to the maildir', to: 'dave@local.test' });
    const queueId = await send(moat.smtpPort, 'dave@local.test', body);
    await waitDelivered(admin, queueId);
    const dir = join(moat.dataDir, 'maildir', 'local.test', 'dave', 'new');
    const [file, ...more] = await readdir(dir);
    assert.ok(file, 'a file in new/');
    assert.deepEqual(more, []);
    const raw = (await readFile(join(dir, file))).toString('latin1');
    assert.match(raw, new RegExp(`^Received: from client\\.example\\.net \\(unknown \\[127\\.0\\.0\\.1\\]\\)\\r\\n\\tby mx\\.test\\.moat \\(Moat\\) with ESMTP\\r\\n\\tid ${queueId}`));
    assert.ok(raw.endsWith(body), 'the original message follows the Received header unchanged');
    assert.equal(raw.slice(0, raw.length - body.length).match(/^Received:/gm)?.length, 1);
  });

  it('keeps a DKIM signature valid at the next hop', async () => {
    const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const record = `v=DKIM1; k=rsa; p=${publicKey.export({ type: 'spki', format: 'der' }).toString('base64')}`;
    // No real DNS: the verifier's resolver answers the selector's TXT record and nothing else.
    const resolver = async (name: string, type: string): Promise<string[][]> => {
      if (type === 'TXT' && name === 'moat2026._domainkey.sender.example') return [[record]];
      throw Object.assign(new Error(`no ${type} record for ${name}`), { code: 'ENOTFOUND' });
    };
    const unsigned = plainMessage({ subject: 'signed upstream' });
    const key = {
      signingDomain: 'sender.example',
      selector: 'moat2026',
      privateKey: privateKey.export({ type: 'pkcs8', format: 'pem' }),
      canonicalization: 'relaxed/relaxed',
    };
    // The signer reads `signatureData`; the typings also ask for the first key at the top.
    const signed = await dkimSign(unsigned, { ...key, signatureData: [key] });
    assert.deepEqual(signed.errors, []);
    const message = signed.signatures + unsigned;
    const before = await dkimVerify(message, { resolver });
    assert.equal(before.results[0]?.status.result, 'pass', 'the fixture itself verifies');

    const queueId = await send(moat.smtpPort, 'erin@example.test', message);
    await waitDelivered(admin, queueId);
    const [received] = copiesOf(sink, 'Subject: signed upstream');
    assert.ok(received);
    const result = await dkimVerify(received.raw, { resolver });
    assert.equal(result.results.length, 1);
    assert.equal(result.results[0]?.status.result, 'pass', JSON.stringify(result.results[0]?.status));
  });

  it('tags a message over the tag threshold with X-Moat headers and the subject prefix', async () => {
    const body = plainMessage({ subject: 'tag me', body: `${'z'.repeat(1200)}\r\n` });
    const queueId = await send(moat.smtpPort, 'frank@example.test', body);
    await waitDelivered(admin, queueId);
    const [received] = copiesOf(sink, 'tag me');
    assert.ok(received);
    const raw = received.raw.toString('latin1');
    const headerBlock = raw.slice(0, raw.indexOf('\r\n\r\n') + 2);
    assert.match(headerBlock, /^X-Moat-Verdict: tag\r\n/m);
    assert.match(headerBlock, /^X-Moat-Score: 6\r\n/m);
    assert.match(headerBlock, /^X-Moat-Reasons: SMTP_LINE_TOO_LONG(, [A-Z_]+)*\r\n/m);
    assert.match(headerBlock, /^Subject: \[SUSPICIOUS\] tag me\r\n/m);
    assert.equal(headerBlock.match(/^Subject:/gm)?.length, 1);
    assert.equal((await admin.messageLog.get(queueId))?.action, 'tag');
  });
});

describe('moat queue commands against a running gateway', () => {
  let port: number;
  let moat: TestGateway;
  let admin: AdminServices;
  let sink: Sink | undefined;

  before(async () => {
    port = await closedPort();
    moat = await startTestGateway({
      domains: [{ name: 'example.test', recipients: 'any', nextHop: { host: '127.0.0.1', port, tls: 'none' } }],
      // No automatic retry within the test: only `moat queue retry` makes the message due.
      delivery: { retry: { initialSeconds: 3600, maxSeconds: 3600, factor: 2 }, connectTimeoutSeconds: 2 },
    });
    admin = await openAdminServices(moat.config);
  });

  after(async () => {
    await admin.close();
    await moat.stop();
    await sink?.close();
  });

  it('lists, retries and deletes queued messages', async () => {
    const keep = await send(moat.smtpPort, 'bob@example.test', plainMessage({ subject: 'retry me' }));
    const drop = await send(moat.smtpPort, 'carol@example.test', plainMessage({ subject: 'delete me' }));
    await waitUntil(async () => {
      const rows = await admin.queue.list({ state: 'pending' });
      return rows.length === 2 && rows.every((r) => r.attempts === 1) ? true : undefined;
    }, 15_000, 'both attempted once');

    const list = await runCliInProcess(['queue', 'list', '--config', moat.configPath]);
    assert.equal(list.code, 0, list.stderr);
    assert.match(list.stdout, new RegExp(`^${keep}  test-1  bob@example\\.test  attempts=1 `, 'm'));
    assert.match(list.stdout, new RegExp(`^${drop}  test-1  carol@example\\.test  attempts=1 `, 'm'));
    const json = await runCliInProcess(['queue', 'list', '--json', '--config', moat.configPath]);
    assert.deepEqual(json.stdout.trim().split('\n').map((line) => (JSON.parse(line) as { queueId: string }).queueId).sort(), [keep, drop].sort());

    const deleted = await runCliInProcess(['queue', 'delete', drop, '--config', moat.configPath]);
    assert.equal(deleted.code, 0, deleted.stderr);
    assert.match(deleted.stdout, /1 recipient\(s\) of .* removed/);
    assert.deepEqual((await spoolFiles(moat.dataDir, 'messages')).filter((n) => n.startsWith(drop)), [], 'spool entry removed');

    sink = await startSink({}, port);
    const retried = await runCliInProcess(['queue', 'retry', keep, '--config', moat.configPath]);
    assert.equal(retried.code, 0, retried.stderr);
    assert.match(retried.stdout, /1 recipient\(s\) of .* due now/);
    await waitDelivered(admin, keep);
    assert.equal(copiesOf(sink, 'Subject: retry me').length, 1);
    assert.equal(copiesOf(sink, 'Subject: delete me').length, 0);

    const empty = await runCliInProcess(['queue', 'list', '--config', moat.configPath]);
    assert.equal(empty.stdout.trim(), 'queue is empty');
    const again = await runCliInProcess(['queue', 'retry', drop, '--config', moat.configPath]);
    assert.equal(again.code, 1, 'nothing left to retry for a deleted message');
  });
});
