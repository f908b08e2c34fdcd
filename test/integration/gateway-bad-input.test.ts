/**
 * The front door against hostile and broken clients, over real sockets:
 * every case checks the exact reply (code and enhanced code), that the
 * listener still serves afterwards, and that nothing refused was queued,
 * spooled or delivered.
 */
import assert from 'node:assert/strict';
import { rm, symlink } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { openAdminServices, type AdminServices } from '../../src/app/index.js';
import { assertReply, assertServing, queueIdOf, spoolFiles } from '../support/replies.js';
import { RawSmtpClient, type Reply } from '../support/smtp-client.js';
import { startTestGateway, type TestGateway } from '../support/gateway.js';
import { plainMessage } from '../support/messages.js';
import { startSink, type Sink } from '../support/sink.js';
import { waitUntil } from '../support/wait.js';

/** Small enough to overflow in a test, large enough for every other message here. */
const MAX_MESSAGE_BYTES = 8192;
/** Subjects of messages that must never reach the next hop start with this. */
const REFUSED = 'refused-';

async function openSession(port: number, options: { localAddress?: string } = {}): Promise<RawSmtpClient> {
  const client = await RawSmtpClient.connect(port, '127.0.0.1', options);
  assertReply(await client.read(), 220, null, 'greeting');
  assert.equal((await client.command('EHLO client.example.net')).code, 250);
  return client;
}

async function openTransaction(port: number, mailFrom = 'MAIL FROM:<alice@sender.example>'): Promise<RawSmtpClient> {
  const client = await openSession(port);
  assertReply(await client.command(mailFrom), 250, '2.1.0', 'MAIL');
  assertReply(await client.command('RCPT TO:<bob@example.test>'), 250, '2.1.5', 'RCPT');
  return client;
}

describe('gateway against hostile input', () => {
  let sink: Sink;
  let moat: TestGateway;
  let admin: AdminServices;

  before(async () => {
    sink = await startSink();
    moat = await startTestGateway({
      smtp: { limits: { maxBadCommands: 3, maxRecipients: 3, maxMessageBytes: MAX_MESSAGE_BYTES } },
      domains: [{ name: 'example.test', recipients: 'any', nextHop: { host: '127.0.0.1', port: sink.port, tls: 'none' } }],
    });
    admin = await openAdminServices(moat.config);
  });

  after(async () => {
    await admin.close();
    await moat.stop();
    await sink.close();
  });

  /** Sends a whole message; returns the final reply to DATA. */
  async function sendRaw(body: Buffer | string, mailFrom?: string): Promise<Reply> {
    const client = await openTransaction(moat.smtpPort, mailFrom);
    try {
      return await client.data(body);
    } finally {
      client.close();
    }
  }

  async function findingsOf(queueId: string): Promise<string[]> {
    const detail = await admin.messageLog.get(queueId);
    assert.ok(detail, `message ${queueId} is in the log`);
    return detail.findings.map((f) => f.symbol);
  }

  it('answers a malformed MAIL FROM with 501 5.1.7 and keeps the session', async () => {
    const client = await openSession(moat.smtpPort);
    assertReply(await client.command('MAIL FROM:<<x>>'), 501, '5.1.7');
    assertReply(await client.command('MAIL FROM:<alice@sender.example>'), 250, '2.1.0', 'MAIL after the bad one');
    client.close();
    await assertServing(moat.smtpPort);
  });

  it('answers RCPT TO without MAIL FROM with 503 5.5.1', async () => {
    const client = await openSession(moat.smtpPort);
    assertReply(await client.command('RCPT TO:<bob@example.test>'), 503, '5.5.1');
    assertReply(await client.command('DATA'), 503, '5.5.1', 'DATA without a transaction');
    client.close();
    await assertServing(moat.smtpPort);
  });

  it('closes with 421 4.7.0 once a client reaches the bad-command limit', async () => {
    const client = await openSession(moat.smtpPort);
    assertReply(await client.command('XYZZY'), 500, '5.5.2');
    assertReply(await client.command('\u0001\u0002 garbage'), 500, '5.5.2');
    assertReply(await client.command('HALP ME'), 500, '5.5.2', 'the third bad command is still answered');
    assertReply(await client.read(), 421, '4.7.0', 'then the limit closes the connection');
    await client.waitClosed();
    await assertServing(moat.smtpPort);
  });

  it('refuses an HTTP request on the SMTP port with 421 and closes', async () => {
    const client = await RawSmtpClient.connect(moat.smtpPort);
    assertReply(await client.read(), 220, null, 'greeting');
    client.write('GET / HTTP/1.1\r\nHost: mx.test.moat\r\n\r\n');
    assertReply(await client.read(), 421, '4.4.2');
    await client.waitClosed();
    await assertServing(moat.smtpPort);
  });

  it('refuses an early talker (a client that speaks before the greeting) and sends no greeting', async () => {
    const client = await RawSmtpClient.connect(moat.smtpPort);
    client.write('EHLO impatient.example.net\r\n');
    const reply = await client.read();
    // RFC 2034 §3: no enhanced code on replies to EHLO, and this one answers the EHLO.
    assertReply(reply, 421, null);
    assert.match(reply.text, /talk too soon/);
    await client.waitClosed();
    await assertServing(moat.smtpPort);
  });

  it('refuses bare LF line ends in DATA with 554 5.5.2 (SMTP smuggling)', async () => {
    const body = `Subject: ${REFUSED}bare-lf\nFrom: a@sender.example\n\nline one\n.\nMAIL FROM:<x@sender.example>\n`;
    assertReply(await sendRaw(body), 554, '5.5.2');
    assert.deepEqual(await spoolFiles(moat.dataDir, 'incoming'), []);
    await assertServing(moat.smtpPort);
  });

  it('refuses NUL octets with 554 5.6.0', async () => {
    const body = plainMessage({ subject: `${REFUSED}nul`, body: 'before\u0000after' });
    assertReply(await sendRaw(body), 554, '5.6.0');
    assert.deepEqual(await spoolFiles(moat.dataDir, 'incoming'), []);
    await assertServing(moat.smtpPort);
  });

  it('accepts 8-bit data sent without BODY=8BITMIME and records SMTP_8BIT_UNDECLARED', async () => {
    const reply = await sendRaw(plainMessage({ subject: 'eight bit', body: 'Grüße aus Köln' }));
    assertReply(reply, 250, '2.0.0');
    assert.ok((await findingsOf(queueIdOf(reply))).includes('SMTP_8BIT_UNDECLARED'));

    const declared = await sendRaw(plainMessage({ subject: 'eight bit declared', body: 'Grüße aus Köln' }), 'MAIL FROM:<alice@sender.example> BODY=8BITMIME');
    assertReply(declared, 250, '2.0.0');
    assert.ok(!(await findingsOf(queueIdOf(declared))).includes('SMTP_8BIT_UNDECLARED'), 'declared 8-bit is no finding');
  });

  it('accepts a line over 998 octets and records SMTP_LINE_TOO_LONG', async () => {
    const reply = await sendRaw(plainMessage({ subject: 'long line', body: 'x'.repeat(1500) }));
    assertReply(reply, 250, '2.0.0');
    assert.ok((await findingsOf(queueIdOf(reply))).includes('SMTP_LINE_TOO_LONG'));
  });

  it('answers an over-long command with a 5xx, and drops a line past the parser limit with 421', async () => {
    const client = await openSession(moat.smtpPort);
    // Over RFC 5321's 512 octets: the address check refuses it and the session goes on.
    assertReply(await client.command(`MAIL FROM:<${'a'.repeat(2000)}@sender.example>`), 501, '5.1.7');
    assertReply(await client.command('NOOP'), 250, '2.0.0', 'the session continues');
    // Past smtp-server's 16 KiB line buffer the line cannot be parsed at all.
    client.write(`NOOP ${'a'.repeat(20_000)}\r\n`);
    assertReply(await client.read(), 421, '4.4.2');
    await client.waitClosed();
    await assertServing(moat.smtpPort);
  });

  it('answers the recipient past maxRecipients with 452 4.5.3 and keeps the others', async () => {
    const client = await openTransaction(moat.smtpPort);
    assertReply(await client.command('RCPT TO:<carol@example.test>'), 250, '2.1.5');
    assertReply(await client.command('RCPT TO:<dave@example.test>'), 250, '2.1.5');
    assertReply(await client.command('RCPT TO:<erin@example.test>'), 452, '4.5.3');
    const reply = await client.data(plainMessage({ subject: 'three recipients' }));
    assertReply(reply, 250, '2.0.0');
    client.close();
    const rows = await admin.queue.list({ state: 'pending' });
    const detail = await admin.messageLog.get(queueIdOf(reply));
    assert.deepEqual(detail?.recipients.map((r) => r.recipient).sort(), ['bob@example.test', 'carol@example.test', 'dave@example.test']);
    assert.ok(!rows.some((r) => r.recipient === 'erin@example.test'));
  });

  it('refuses an oversized message at MAIL FROM when SIZE is declared, and after DATA when not', async () => {
    const client = await openSession(moat.smtpPort);
    assertReply(await client.command(`MAIL FROM:<alice@sender.example> SIZE=${MAX_MESSAGE_BYTES + 1}`), 552, '5.3.4');
    client.close();

    const big = plainMessage({ subject: `${REFUSED}oversized`, body: 'y'.repeat(76).concat('\r\n').repeat(200) });
    assert.ok(big.length > MAX_MESSAGE_BYTES);
    assertReply(await sendRaw(big), 552, '5.3.4');
    assert.deepEqual(await spoolFiles(moat.dataDir, 'incoming'), []);
    await assertServing(moat.smtpPort);
  });

  it('answers pipelined commands mixed with garbage in order, DATA included', async () => {
    const client = await RawSmtpClient.connect(moat.smtpPort);
    assertReply(await client.read(), 220, null, 'greeting');
    const body = plainMessage({ subject: 'pipelined' });
    client.write(
      'EHLO pipe.example.net\r\nMAIL FROM:<alice@sender.example>\r\nRCPT TO:<bob@example.test>\r\nJUNK junk\r\nDATA\r\n' +
        `${body}.\r\nNOOP\r\nQUIT\r\n`,
    );
    assert.equal((await client.read()).code, 250, 'EHLO');
    assertReply(await client.read(), 250, '2.1.0', 'MAIL');
    assertReply(await client.read(), 250, '2.1.5', 'RCPT');
    assertReply(await client.read(), 500, '5.5.2', 'JUNK');
    assertReply(await client.read(), 354, null, 'DATA');
    const data = await client.read();
    assertReply(data, 250, '2.0.0', 'end of DATA');
    assertReply(await client.read(), 250, '2.0.0', 'NOOP');
    assertReply(await client.read(), 221, '2.0.0', 'QUIT');
    await client.waitClosed();
    await sink.waitFor(1);
    const delivered = await waitUntil(() => sink.messages.find((m) => m.raw.includes('Subject: pipelined')));
    assert.ok(delivered.raw.toString('latin1').endsWith(body));
  });

  it('keeps nothing when the client vanishes in the middle of DATA', async () => {
    const before = await admin.queue.list({ state: 'pending' });
    const client = await openTransaction(moat.smtpPort);
    assert.equal((await client.command('DATA')).code, 354);
    client.write(`Subject: ${REFUSED}vanished\r\nFrom: a@sender.example\r\n\r\nhalf a mess`);
    // The body file exists while DATA streams; it must go when the client does.
    await waitUntil(async () => ((await spoolFiles(moat.dataDir, 'incoming')).length > 0 ? true : undefined), 5000, 'body file in incoming/');
    client.close();
    await waitUntil(async () => ((await spoolFiles(moat.dataDir, 'incoming')).length === 0 ? true : undefined), 5000, 'incoming/ emptied');
    assert.deepEqual(await admin.queue.list({ state: 'pending' }), before);
    assert.deepEqual(await admin.messageLog.search({ subject: `${REFUSED}vanished` }), []);
    await assertServing(moat.smtpPort);
  });

  it('answers 452 4.3.1 when the spool disk is full, and keeps nothing', async () => {
    const messagesBefore = await spoolFiles(moat.dataDir, 'messages');
    const client = await openTransaction(moat.smtpPort);
    assert.equal((await client.command('DATA')).code, 354);
    client.write(`Subject: ${REFUSED}disk-full\r\nFrom: a@sender.example\r\n\r\n`);
    // Root ignores permissions, so fill the disk for real: the commit writes
    // the meta file through `<id>.json.tmp`, and /dev/full answers every
    // write with ENOSPC. Planting it needs the queue id, known once the body
    // file appears in incoming/.
    const [name] = await waitUntil(async () => {
      const names = await spoolFiles(moat.dataDir, 'incoming');
      return names.length > 0 ? names : undefined;
    }, 5000, 'body file in incoming/');
    const queueId = (name as string).replace(/\.eml$/, '');
    const trap = join(moat.dataDir, 'spool', 'messages', `${queueId}.json.tmp`);
    await symlink('/dev/full', trap);
    try {
      client.write('the spool is full today\r\n.\r\n');
      assertReply(await client.read(), 452, '4.3.1');
    } finally {
      await rm(trap, { force: true });
    }
    client.close();
    assert.deepEqual(await spoolFiles(moat.dataDir, 'incoming'), []);
    assert.deepEqual((await spoolFiles(moat.dataDir, 'messages')).filter((n) => n.startsWith(queueId)), [], 'no body or meta left behind');
    assert.ok((await spoolFiles(moat.dataDir, 'messages')).every((n) => messagesBefore.includes(n) || !n.startsWith(queueId)));
    assert.ok(!(await admin.queue.list({ state: 'pending' })).some((r) => r.queueId === queueId), 'not queued');
    assert.equal(await admin.messageLog.get(queueId), undefined, 'not logged as accepted');
    await assertServing(moat.smtpPort);
  });

  it('delivered nothing that was refused', async () => {
    const reply = await sendRaw(plainMessage({ subject: 'sentinel' }));
    assertReply(reply, 250, '2.0.0');
    await waitUntil(() => sink.messages.find((m) => m.raw.includes('Subject: sentinel')));
    const leaked = sink.messages.filter((m) => m.raw.includes(`Subject: ${REFUSED}`));
    assert.deepEqual(leaked.map((m) => /Subject: (.*)/.exec(m.raw.toString('latin1'))?.[1]), []);
    const logged = await admin.messageLog.search({ subject: REFUSED });
    assert.deepEqual(logged.filter((r) => r.status !== 'rejected'), []);
  });
});

describe('gateway with bare LF accepted', () => {
  let sink: Sink;
  let moat: TestGateway;

  before(async () => {
    sink = await startSink();
    moat = await startTestGateway({
      smtp: { bareLf: 'accept' },
      domains: [{ name: 'example.test', recipients: 'any', nextHop: { host: '127.0.0.1', port: sink.port, tls: 'none' } }],
    });
  });

  after(async () => {
    await moat.stop();
    await sink.close();
  });

  it('accepts bare LF with 250 and records SMTP_BARE_LF', async () => {
    const client = await openTransaction(moat.smtpPort);
    const reply = await client.data('Subject: bare lf accepted\nFrom: a@sender.example\n\nbody\n');
    client.close();
    assertReply(reply, 250, '2.0.0');
    const admin = await openAdminServices(moat.config);
    try {
      const detail = await admin.messageLog.get(queueIdOf(reply));
      assert.ok(detail?.findings.some((f) => f.symbol === 'SMTP_BARE_LF'), 'finding recorded');
    } finally {
      await admin.close();
    }
    await assertServing(moat.smtpPort);
  });
});

describe('gateway against slow and silent clients', () => {
  let moat: TestGateway;

  before(async () => {
    moat = await startTestGateway({ smtp: { limits: { idleTimeoutSeconds: 1, dataTimeoutSeconds: 1 } } });
  });

  after(async () => {
    await moat.stop();
  });

  it('drops an idle client with 421 4.4.2', async () => {
    const client = await openSession(moat.smtpPort);
    assertReply(await client.read(5000), 421, '4.4.2');
    await client.waitClosed();
    await assertServing(moat.smtpPort);
  });

  it('drops a client that drips DATA slower than the DATA deadline allows, keeping nothing', async () => {
    const client = await openTransaction(moat.smtpPort);
    assert.equal((await client.command('DATA')).code, 354);
    client.write(`Subject: ${REFUSED}drip\r\n\r\n`);
    // Each byte resets the idle timer; only the DATA deadline can stop this.
    const drip = setInterval(() => client.write('x'), 300);
    try {
      assertReply(await client.read(5000), 421, '4.4.2');
      await client.waitClosed();
    } finally {
      clearInterval(drip);
    }
    await waitUntil(async () => ((await spoolFiles(moat.dataDir, 'incoming')).length === 0 ? true : undefined), 5000, 'incoming/ emptied');
    assert.deepEqual(await spoolFiles(moat.dataDir, 'messages'), []);
    await assertServing(moat.smtpPort);
  });
});

describe('gateway connection limits', () => {
  let moat: TestGateway;

  before(async () => {
    moat = await startTestGateway({
      smtp: { limits: { maxConnectionsPerIp: 2, connectionRatePerIp: { count: 4, perSeconds: 3600 } } },
    });
  });

  after(async () => {
    await moat.stop();
  });

  it('refuses a connection over the per-IP concurrency limit with 421 4.7.0', async () => {
    // Each limit test speaks from its own loopback address, so the counters do not mix.
    const first = await openSession(moat.smtpPort, { localAddress: '127.0.0.2' });
    const second = await openSession(moat.smtpPort, { localAddress: '127.0.0.2' });
    const third = await RawSmtpClient.connect(moat.smtpPort, '127.0.0.1', { localAddress: '127.0.0.2' });
    const refused = await third.read();
    assertReply(refused, 421, '4.7.0');
    assert.match(refused.text, /concurrent/);
    await third.waitClosed();
    assert.equal((await first.command('NOOP')).code, 250, 'the admitted sessions are untouched');
    first.close();
    second.close();
    await assertServing(moat.smtpPort);
  });

  it('refuses connections over the per-IP rate with 421 4.7.0', async () => {
    for (let i = 0; i < 4; i++) {
      const client = await RawSmtpClient.connect(moat.smtpPort, '127.0.0.1', { localAddress: '127.0.0.3' });
      assertReply(await client.read(), 220, null, `connection ${i + 1}`);
      client.close();
    }
    const over = await RawSmtpClient.connect(moat.smtpPort, '127.0.0.1', { localAddress: '127.0.0.3' });
    const refused = await over.read();
    assertReply(refused, 421, '4.7.0');
    assert.match(refused.text, /Too many connections/);
    await over.waitClosed();
    await assertServing(moat.smtpPort, { localAddress: '127.0.0.4' });
  });
});
