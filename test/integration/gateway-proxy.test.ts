/**
 * The real client behind proxies: PROXY protocol v1 and v2 from a trusted
 * balancer and XCLIENT from a trusted MTA put the original client in the
 * message log (with the proxy beside it); from anywhere else both are
 * refused, and malformed headers close the connection, never a spoofed identity.
 */
import assert from 'node:assert/strict';
import { connect, type Socket } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { openAdminServices } from '../../src/app/index.js';
import { startTestGateway, type TestGateway } from '../support/gateway.js';
import { plainMessage } from '../support/messages.js';
import { assertReply, queueIdOf } from '../support/replies.js';
import { RawSmtpClient } from '../support/smtp-client.js';

const V2_SIGNATURE = Buffer.from([0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d, 0x0a, 0x51, 0x55, 0x49, 0x54, 0x0a]);

function v2Header(familyProtocol: number, addresses: Buffer, command = 0x21): Buffer {
  const length = Buffer.alloc(2);
  length.writeUInt16BE(addresses.length, 0);
  return Buffer.concat([V2_SIGNATURE, Buffer.from([command, familyProtocol]), length, addresses]);
}

function v2Tcp6(source: string, port: number): Buffer {
  const bytes = (address: string): Buffer => {
    const groups = address.split(':');
    const gap = groups.indexOf('');
    const full = gap < 0 ? groups : [...groups.slice(0, gap), ...Array<string>(8 - groups.filter((g) => g !== '').length).fill('0'), ...groups.slice(gap).filter((g) => g !== '')];
    return Buffer.from(full.flatMap((g) => [parseInt(g, 16) >> 8, parseInt(g, 16) & 0xff]));
  };
  const ports = Buffer.alloc(4);
  ports.writeUInt16BE(port, 0);
  ports.writeUInt16BE(25, 2);
  return v2Header(0x21, Buffer.concat([bytes(source), bytes('2001:db8::25'), ports]));
}

/** Opens a raw socket, writes `first` before anything else, then speaks SMTP through RawSmtpClient's parser. */
async function connectWith(port: number, first: Buffer): Promise<{ socket: Socket; client: RawSmtpClient }> {
  const client = await RawSmtpClient.connect(port);
  (client as unknown as { socket: Socket }).socket.write(first);
  return { socket: (client as unknown as { socket: Socket }).socket, client };
}

async function transaction(client: RawSmtpClient, subject: string, helo = 'lb-client.example.net', greeted = false): Promise<string> {
  if (!greeted) assert.equal((await client.read()).code, 220);
  assert.equal((await client.command(`EHLO ${helo}`)).code, 250);
  assert.equal((await client.command('MAIL FROM:<alice@partner.example>')).code, 250);
  assert.equal((await client.command('RCPT TO:<bob@example.test>')).code, 250);
  const data = await client.data(plainMessage({ subject }));
  assert.equal(data.code, 250, data.text);
  return queueIdOf(data);
}

async function clientOf(moat: TestGateway, queueId: string) {
  const admin = await openAdminServices(moat.config);
  try {
    const detail = await admin.messageLog.get(queueId);
    assert.ok(detail);
    return { ip: detail.clientIp, port: detail.clientPort, helo: detail.helo, proxy: detail.proxy };
  } finally {
    await admin.close();
  }
}

/** Resolves when the server closes the connection; rejects if it is still open after `ms`. */
async function closedWithin(socket: Socket, ms: number): Promise<void> {
  if (socket.destroyed) return;
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('connection still open')), ms);
    socket.once('close', () => {
      clearTimeout(timer);
      resolve();
    });
  });
}

describe('clients behind trusted proxies', () => {
  let trusted: TestGateway;
  let untrusted: TestGateway;

  before(async () => {
    const domains = [{ name: 'example.test', recipients: 'any' }];
    trusted = await startTestGateway({ smtp: { proxyProtocol: { trustedNetworks: ['127.0.0.0/8'], headerTimeoutSeconds: 1 } }, domains });
    // The same loopback client, but the trusted networks are elsewhere: it must not be believed.
    untrusted = await startTestGateway({ smtp: { proxyProtocol: { trustedNetworks: ['10.0.0.0/8'] }, xclient: { trustedNetworks: ['10.0.0.5'] } }, domains });
  });

  after(async () => {
    await trusted?.stop();
    await untrusted?.stop();
  });

  it('takes the client from a PROXY v1 header of a trusted balancer', async () => {
    const { client } = await connectWith(trusted.smtpPort, Buffer.from('PROXY TCP4 198.51.100.7 192.0.2.25 40001 25\r\n'));
    try {
      const queueId = await transaction(client, 'via proxy v1');
      assert.deepEqual(await clientOf(trusted, queueId), { ip: '198.51.100.7', port: 40001, helo: 'lb-client.example.net', proxy: { address: '127.0.0.1', via: 'proxy-protocol' } });
    } finally {
      client.close();
    }
  });

  it('takes the client from a PROXY v2 header (IPv6), and SMTP bytes sent right after it', async () => {
    const { client } = await connectWith(trusted.smtpPort, v2Tcp6('2001:db8:42::7', 40002));
    try {
      const queueId = await transaction(client, 'via proxy v2');
      const seen = await clientOf(trusted, queueId);
      assert.deepEqual([seen.ip, seen.port, seen.proxy?.via], ['2001:db8:42::7', 40002, 'proxy-protocol']);
    } finally {
      client.close();
    }
  });

  it('treats a v2 LOCAL header (the balancer\'s health check) as the balancer itself', async () => {
    const { client } = await connectWith(trusted.smtpPort, v2Header(0x00, Buffer.alloc(0), 0x20));
    try {
      const queueId = await transaction(client, 'health check');
      const seen = await clientOf(trusted, queueId);
      assert.equal(seen.ip, '127.0.0.1');
      assert.equal(seen.proxy, undefined);
    } finally {
      client.close();
    }
  });

  for (const [name, header] of [
    ['a malformed v1 header', Buffer.from('PROXY TCP4 not-an-ip 192.0.2.25 1 25\r\n')],
    ['a v1 header with an out-of-range port', Buffer.from('PROXY TCP4 198.51.100.7 192.0.2.25 70000 25\r\n')],
    ['a v2 header with an unknown family (UNIX stream)', v2Header(0x31, Buffer.alloc(216))],
    ['a v2 header claiming a huge payload', Buffer.concat([V2_SIGNATURE, Buffer.from([0x21, 0x11, 0xff, 0xff])])],
    ['plain SMTP where the header must be', Buffer.from('EHLO sneaky.example\r\n')],
  ] as const) {
    it(`closes the connection on ${name}, without a greeting`, async () => {
      const socket = connect({ port: trusted.smtpPort, host: '127.0.0.1' });
      const received: Buffer[] = [];
      socket.on('data', (chunk: Buffer) => received.push(chunk));
      socket.on('error', () => undefined);
      await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
      socket.write(header);
      await closedWithin(socket, 3000);
      assert.equal(Buffer.concat(received).toString('latin1'), '', 'no greeting, no identity taken');
    });
  }

  it('closes a trusted connection whose header never completes, after the header timeout', async () => {
    const socket = connect({ port: trusted.smtpPort, host: '127.0.0.1' });
    socket.on('error', () => undefined);
    await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
    socket.write('PROXY TCP4 198.51.100.7');
    await closedWithin(socket, 3000);
  });

  it('refuses a PROXY header from an untrusted address and records no spoofed client', async () => {
    const client = await RawSmtpClient.connect(untrusted.smtpPort);
    try {
      assert.equal((await client.read()).code, 220);
      assertReply(await client.command('PROXY TCP4 198.51.100.66 192.0.2.25 40003 25'), 550, '5.7.0', 'PROXY from untrusted');
    } finally {
      client.close();
    }
  });

  it('ends the session when an untrusted address sends a v2 header', async () => {
    const socket = connect({ port: untrusted.smtpPort, host: '127.0.0.1' });
    socket.on('error', () => undefined);
    socket.on('data', () => undefined);
    await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
    socket.write(v2Tcp6('2001:db8:66::1', 40004));
    await closedWithin(socket, 5000);
  });

  it('neither advertises nor accepts XCLIENT for an untrusted address', async () => {
    const client = await RawSmtpClient.connect(untrusted.smtpPort);
    try {
      assert.equal((await client.read()).code, 220);
      const ehlo = await client.command('EHLO mta.example.net');
      assert.ok(!ehlo.lines.some((line) => /XCLIENT/i.test(line)), ehlo.lines.join('|'));
      assertReply(await client.command('XCLIENT ADDR=203.0.113.9'), 550, '5.7.0', 'XCLIENT from untrusted');
      const queueId = await (async () => {
        assert.equal((await client.command('MAIL FROM:<alice@partner.example>')).code, 250);
        assert.equal((await client.command('RCPT TO:<bob@example.test>')).code, 250);
        return queueIdOf(await client.data(plainMessage({ subject: 'no xclient' })));
      })();
      assert.equal((await clientOf(untrusted, queueId)).ip, '127.0.0.1');
    } finally {
      client.close();
    }
  });
});

describe('XCLIENT from a trusted MTA', () => {
  let moat: TestGateway;

  before(async () => {
    moat = await startTestGateway({ smtp: { xclient: { trustedNetworks: ['127.0.0.1'] } }, domains: [{ name: 'example.test', recipients: 'any' }] });
  });

  after(async () => {
    await moat?.stop();
  });

  async function viaXclient(attributes: string, subject: string): Promise<string> {
    const client = await RawSmtpClient.connect(moat.smtpPort);
    try {
      assert.equal((await client.read()).code, 220);
      const ehlo = await client.command('EHLO postfix.example.net');
      assert.ok(ehlo.lines.some((line) => /XCLIENT/.test(line)), 'advertised to a trusted MTA');
      // A successful XCLIENT starts the session over with a new greeting (Postfix XCLIENT_README).
      assert.equal((await client.command(`XCLIENT ${attributes}`)).code, 220);
      return await transaction(client, subject, 'postfix.example.net', true);
    } finally {
      client.close();
    }
  }

  it('puts the original client, port and HELO in the log, with the MTA as proxy', async () => {
    const queueId = await viaXclient('ADDR=203.0.113.9 PORT=41000 HELO=mail.origin.example NAME=[UNAVAILABLE]', 'xclient one');
    assert.deepEqual(await clientOf(moat, queueId), { ip: '203.0.113.9', port: 41000, helo: 'mail.origin.example', proxy: { address: '127.0.0.1', via: 'xclient' } });
  });

  it('refuses XCLIENT during a transaction, with bad values, and a second time', async () => {
    const client = await RawSmtpClient.connect(moat.smtpPort);
    try {
      assert.equal((await client.read()).code, 220);
      await client.command('EHLO postfix.example.net');
      assert.equal((await client.command('XCLIENT ADDR=not-an-address')).code, 501);
      assert.equal((await client.command('MAIL FROM:<alice@partner.example>')).code, 250);
      assert.equal((await client.command('XCLIENT ADDR=203.0.113.10')).code, 503);
      assert.equal((await client.command('RSET')).code, 250);
      assert.equal((await client.command('XCLIENT ADDR=203.0.113.11')).code, 220);
      await client.command('EHLO postfix.example.net');
      // The session now belongs to the forwarded client: it may not claim another identity.
      assertReply(await client.command('XCLIENT ADDR=203.0.113.12'), 550, '5.7.0', 'second XCLIENT');
    } finally {
      client.close();
    }
  });

  it('replays a batch with varying ADDR values: the log shows each original client', async () => {
    const addresses = Array.from({ length: 12 }, (_, i) => `198.51.100.${i + 20}`);
    const ids: string[] = [];
    for (const address of addresses) ids.push(await viaXclient(`ADDR=${address} HELO=host-${address.replace(/\./g, '-')}.example`, `replay ${address}`));
    const seen = await Promise.all(ids.map((id) => clientOf(moat, id)));
    assert.deepEqual(
      seen.map((s) => s.ip),
      addresses,
    );
    assert.ok(seen.every((s) => s.proxy?.address === '127.0.0.1'));
  });
});
