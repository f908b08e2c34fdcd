/**
 * deliverToNextHop against real SMTP listeners on 127.0.0.1 (smtp-server, and
 * a scripted net server for broken peers).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { once } from 'node:events';
import { createServer } from 'node:net';
import type { AddressInfo, Socket } from 'node:net';
import { Readable } from 'node:stream';
import { dkimSign } from 'mailauth/lib/dkim/sign.js';
import { dkimVerify } from 'mailauth/lib/dkim/verify.js';
import { generate } from 'selfsigned';
import { SMTPServer } from 'smtp-server';
import type { SMTPServerOptions } from 'smtp-server';
import { createMessageTransform, deliverToNextHop } from '../../src/delivery/index.js';
import type { NextHopConfig } from '../../src/config/schema.js';

interface Received {
  readonly from: string;
  readonly to: string[];
  readonly raw: Buffer;
  readonly secure: boolean;
  readonly smtpUtf8: boolean;
}

interface Sink {
  readonly port: number;
  readonly messages: Received[];
  close(): Promise<void>;
}

interface SinkOptions {
  readonly tls?: { key: string; cert: string };
  readonly rejectRcpt?: Readonly<Record<string, number>>;
  readonly dataReply?: number;
  readonly hideSmtpUtf8?: boolean;
}

async function startSink(opts: SinkOptions = {}): Promise<Sink> {
  const messages: Received[] = [];
  const options: SMTPServerOptions = {
    authOptional: true,
    disabledCommands: opts.tls ? ['AUTH'] : ['AUTH', 'STARTTLS'],
    hideSMTPUTF8: opts.hideSmtpUtf8 === true,
    logger: false,
    onRcptTo(address, _session, callback) {
      const code = opts.rejectRcpt?.[address.address];
      if (code === undefined) {
        callback();
        return;
      }
      const err = Object.assign(new Error(code >= 500 ? '5.1.1 no such user' : '4.2.1 try later'), { responseCode: code });
      callback(err);
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        if (opts.dataReply !== undefined) {
          callback(Object.assign(new Error('content refused'), { responseCode: opts.dataReply }));
          return;
        }
        messages.push({
          from: session.envelope.mailFrom === false ? '' : session.envelope.mailFrom.address,
          to: session.envelope.rcptTo.map((r) => r.address),
          raw: Buffer.concat(chunks),
          secure: session.secure,
          smtpUtf8: session.envelope.mailFrom !== false && session.envelope.mailFrom.args !== false && 'SMTPUTF8' in session.envelope.mailFrom.args,
        });
        callback(null, 'queued as TEST');
      });
    },
    ...(opts.tls ? { key: opts.tls.key, cert: opts.tls.cert } : {}),
  };
  const server = new SMTPServer(options);
  server.listen(0, '127.0.0.1');
  await once(server.server, 'listening');
  const port = (server.server.address() as AddressInfo).port;
  return {
    port,
    messages,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

function hop(port: number, tls: NextHopConfig['tls'], verifyCertificate = false): NextHopConfig {
  return { host: '127.0.0.1', port, tls, verifyCertificate };
}

const base = { heloName: 'mx.moat.test', connectTimeoutMs: 5000 };

function bufferMessage(raw: string | Buffer): () => Readable {
  return () => Readable.from([Buffer.isBuffer(raw) ? raw : Buffer.from(raw)]);
}

const simpleMessage = 'From: a@outside.test\r\nTo: b@example.test\r\nSubject: hi\r\n\r\nhello\r\n';

test('a DKIM-signed message arrives byte-exact after the header prefix and still verifies', { timeout: 20_000 }, async () => {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const privatePem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  const publicB64 = publicKey.export({ type: 'spki', format: 'der' }).toString('base64');
  const original = Buffer.from(
    'From: Alice <alice@signer.test>\r\nTo: bob@example.test\r\nSubject: quarterly report\r\n' +
      'Date: Tue, 02 Jan 2024 03:04:05 +0000\r\nMessage-ID: <m1@signer.test>\r\n\r\n' +
      'Hello Bob,\r\n.leading dot line\r\n..two dots\r\n\r\ntrailing  spaces   \r\n',
  );
  // mailauth signs what is listed in signatureData (the top-level keys only satisfy its typings).
  const key = { signingDomain: 'signer.test', selector: 's1', privateKey: privatePem };
  const signed = await dkimSign(original, { ...key, canonicalization: 'simple/simple', signatureData: [key] });
  assert.deepEqual(signed.errors, []);
  assert.match(signed.signatures, /^DKIM-Signature: /);
  const message = Buffer.concat([Buffer.from(signed.signatures), original]);
  const resolver = async (name: string, rrtype: string): Promise<string[][]> => {
    if (name === 's1._domainkey.signer.test' && rrtype === 'TXT') return [[`v=DKIM1; k=rsa; p=${publicB64}`]];
    throw Object.assign(new Error(`no such record ${name}`), { code: 'ENOTFOUND' });
  };
  // Control: the key and resolver do verify the original.
  const before = await dkimVerify(message, { resolver });
  assert.equal(before.results[0]?.status.result, 'pass');

  const sink = await startSink();
  try {
    const prefix = 'Received: from client (client [192.0.2.1])\r\n\tby mx.moat.test (Moat) with ESMTP\r\n\tid Q; Tue, 02 Jan 2024 03:04:05 +0000\r\nX-Moat-Verdict: deliver\r\n';
    const result = await deliverToNextHop({
      ...base,
      hop: hop(sink.port, 'none'),
      mailFrom: 'alice@signer.test',
      recipients: ['bob@example.test'],
      message: () => Readable.from([message.subarray(0, 50), message.subarray(50)]).pipe(createMessageTransform({ headerPrefix: prefix })),
    });
    assert.deepEqual(result.rejected, []);
    assert.deepEqual(result.accepted.map((a) => a.recipient), ['bob@example.test']);
    assert.match(result.accepted[0]?.reply ?? '', /^250 /);
    const got = sink.messages[0];
    assert.ok(got);
    assert.deepEqual(got.raw, Buffer.concat([Buffer.from(prefix), message]));
    const after = await dkimVerify(got.raw, { resolver });
    assert.equal(after.results[0]?.status.result, 'pass');

    // And a changed Subject is caught, so the pass above means something.
    const tagged = await deliverToNextHop({
      ...base,
      hop: hop(sink.port, 'none'),
      mailFrom: 'alice@signer.test',
      recipients: ['bob@example.test'],
      message: () => Readable.from([message]).pipe(createMessageTransform({ headerPrefix: prefix, subjectPrefix: '[SPAM]' })),
    });
    assert.equal(tagged.accepted.length, 1);
    const taggedResult = await dkimVerify(sink.messages[1]?.raw ?? Buffer.alloc(0), { resolver });
    assert.notEqual(taggedResult.results[0]?.status.result, 'pass');
  } finally {
    await sink.close();
  }
});

test('tls required against a next hop without STARTTLS is a temporary failure', { timeout: 20_000 }, async () => {
  const sink = await startSink();
  try {
    const result = await deliverToNextHop({
      ...base,
      hop: hop(sink.port, 'required'),
      mailFrom: 'a@outside.test',
      recipients: ['b@example.test', 'c@example.test'],
      message: bufferMessage(simpleMessage),
    });
    assert.equal(result.accepted.length, 0);
    assert.equal(result.rejected.length, 2);
    for (const r of result.rejected) {
      assert.equal(r.permanent, false);
      assert.match(r.reply, /^4\d\d /);
    }
    assert.equal(sink.messages.length, 0);
  } finally {
    await sink.close();
  }
});

test('opportunistic TLS uses STARTTLS when offered; none stays plaintext; verified TLS refuses a self-signed cert', { timeout: 20_000 }, async () => {
  const pems = await generate([{ name: 'commonName', value: 'localhost' }], { keySize: 2048, algorithm: 'sha256' });
  const sink = await startSink({ tls: { key: pems.private, cert: pems.cert } });
  try {
    const secured = await deliverToNextHop({
      ...base,
      hop: hop(sink.port, 'opportunistic'),
      mailFrom: 'a@outside.test',
      recipients: ['b@example.test'],
      message: bufferMessage(simpleMessage),
    });
    assert.equal(secured.accepted.length, 1);
    assert.equal(secured.tls, true);
    assert.equal(sink.messages[0]?.secure, true);

    const plain = await deliverToNextHop({
      ...base,
      hop: hop(sink.port, 'none'),
      mailFrom: 'a@outside.test',
      recipients: ['b@example.test'],
      message: bufferMessage(simpleMessage),
    });
    assert.equal(plain.accepted.length, 1);
    assert.equal(sink.messages[1]?.secure, false);

    const verified = await deliverToNextHop({
      ...base,
      hop: hop(sink.port, 'required', true),
      mailFrom: 'a@outside.test',
      recipients: ['b@example.test'],
      message: bufferMessage(simpleMessage),
    });
    assert.equal(verified.accepted.length, 0);
    assert.equal(verified.rejected[0]?.permanent, false);
    assert.match(verified.rejected[0]?.reply ?? '', /^451 4\.7\.5 /);
    assert.equal(sink.messages.length, 2);
  } finally {
    await sink.close();
  }
});

test('RCPT rejections are per recipient: 550 is permanent, 450 temporary, the rest delivered', { timeout: 20_000 }, async () => {
  const sink = await startSink({ rejectRcpt: { 'gone@example.test': 550, 'busy@example.test': 450 } });
  try {
    const result = await deliverToNextHop({
      ...base,
      hop: hop(sink.port, 'none'),
      mailFrom: 'a@outside.test',
      recipients: ['ok@example.test', 'gone@example.test', 'busy@example.test'],
      message: bufferMessage(simpleMessage),
    });
    assert.deepEqual(result.accepted.map((a) => a.recipient), ['ok@example.test']);
    const byRcpt = new Map(result.rejected.map((r) => [r.recipient, r]));
    assert.equal(byRcpt.get('gone@example.test')?.permanent, true);
    assert.match(byRcpt.get('gone@example.test')?.reply ?? '', /^550 /);
    assert.equal(byRcpt.get('busy@example.test')?.permanent, false);
    assert.match(byRcpt.get('busy@example.test')?.reply ?? '', /^450 /);
    assert.deepEqual(sink.messages[0]?.to, ['ok@example.test']);
  } finally {
    await sink.close();
  }
});

test('when every RCPT is rejected each recipient keeps its own reply', { timeout: 20_000 }, async () => {
  const sink = await startSink({ rejectRcpt: { 'gone@example.test': 550, 'busy@example.test': 450 } });
  try {
    const result = await deliverToNextHop({
      ...base,
      hop: hop(sink.port, 'none'),
      mailFrom: 'a@outside.test',
      recipients: ['gone@example.test', 'busy@example.test'],
      message: bufferMessage(simpleMessage),
    });
    assert.equal(result.accepted.length, 0);
    const byRcpt = new Map(result.rejected.map((r) => [r.recipient, r]));
    assert.equal(byRcpt.get('gone@example.test')?.permanent, true);
    assert.equal(byRcpt.get('busy@example.test')?.permanent, false);
  } finally {
    await sink.close();
  }
});

test('a DATA rejection applies to every recipient', { timeout: 20_000 }, async () => {
  for (const [code, permanent] of [
    [554, true],
    [452, false],
  ] as const) {
    const sink = await startSink({ dataReply: code });
    try {
      const result = await deliverToNextHop({
        ...base,
        hop: hop(sink.port, 'none'),
        mailFrom: 'a@outside.test',
        recipients: ['x@example.test', 'y@example.test'],
        message: bufferMessage(simpleMessage),
      });
      assert.equal(result.accepted.length, 0);
      assert.deepEqual(result.rejected.map((r) => [r.recipient, r.permanent]), [
        ['x@example.test', permanent],
        ['y@example.test', permanent],
      ]);
      assert.match(result.rejected[0]?.reply ?? '', new RegExp(`^${code} `));
    } finally {
      await sink.close();
    }
  }
});

test('a message that needs SMTPUTF8 bounces (5.6.7) at a next hop without it, and goes through one with it', { timeout: 20_000 }, async () => {
  const without = await startSink({ hideSmtpUtf8: true });
  const withUtf8 = await startSink();
  try {
    const refused = await deliverToNextHop({
      ...base,
      hop: hop(without.port, 'none'),
      mailFrom: 'a@outside.test',
      recipients: ['b@example.test'],
      smtpUtf8: true,
      message: bufferMessage('Subject: Grüße\r\n\r\nx\r\n'),
    });
    assert.equal(refused.rejected[0]?.permanent, true);
    assert.match(refused.rejected[0]?.reply ?? '', /^550 5\.6\.7 /);
    assert.equal(without.messages.length, 0);

    const accepted = await deliverToNextHop({
      ...base,
      hop: hop(withUtf8.port, 'none'),
      mailFrom: 'a@outside.test',
      recipients: ['jürgen@example.test'],
      smtpUtf8: true,
      body: '8BITMIME',
      message: bufferMessage('Subject: Grüße\r\n\r\nx\r\n'),
    });
    assert.deepEqual(accepted.accepted.map((a) => a.recipient), ['jürgen@example.test']);
    assert.equal(withUtf8.messages[0]?.smtpUtf8, true);
  } finally {
    await without.close();
    await withUtf8.close();
  }
});

test('a refused connection is a temporary failure for every recipient', { timeout: 20_000 }, async () => {
  const probe = createServer();
  probe.listen(0, '127.0.0.1');
  await once(probe, 'listening');
  const port = (probe.address() as AddressInfo).port;
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  const result = await deliverToNextHop({
    ...base,
    hop: hop(port, 'opportunistic'),
    mailFrom: 'a@outside.test',
    recipients: ['b@example.test', 'c@example.test'],
    message: bufferMessage(simpleMessage),
  });
  assert.equal(result.accepted.length, 0);
  assert.deepEqual(result.rejected.map((r) => r.permanent), [false, false]);
  assert.match(result.rejected[0]?.reply ?? '', /^451 4\.4\.1 /);
});

/** A scripted peer that answers the envelope, then drops the connection once DATA bytes arrive. */
async function startDroppingPeer(): Promise<{ port: number; sawData: Promise<void>; close(): Promise<void> }> {
  let markData: () => void = () => undefined;
  const sawData = new Promise<void>((resolve) => {
    markData = resolve;
  });
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
    let inData = false;
    let buffered = '';
    socket.write('220 drop.test ESMTP\r\n');
    socket.on('data', (chunk: Buffer) => {
      if (inData) {
        markData();
        socket.destroy();
        return;
      }
      buffered += chunk.toString('latin1');
      let nl: number;
      while ((nl = buffered.indexOf('\r\n')) >= 0) {
        const line = buffered.slice(0, nl).toUpperCase();
        buffered = buffered.slice(nl + 2);
        if (line.startsWith('EHLO')) socket.write('250-drop.test\r\n250 8BITMIME\r\n');
        else if (line.startsWith('DATA')) {
          inData = true;
          socket.write('354 go ahead\r\n');
        } else socket.write('250 ok\r\n');
      }
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    port: (server.address() as AddressInfo).port,
    sawData,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

test('a next hop that closes the connection mid-DATA is a temporary failure', { timeout: 20_000 }, async () => {
  const peer = await startDroppingPeer();
  try {
    const result = await deliverToNextHop({
      ...base,
      hop: hop(peer.port, 'none'),
      mailFrom: 'a@outside.test',
      recipients: ['b@example.test'],
      message: bufferMessage(`${simpleMessage}${'x'.repeat(200_000)}\r\n`),
    });
    await peer.sawData;
    assert.equal(result.accepted.length, 0);
    assert.equal(result.rejected[0]?.permanent, false);
    assert.match(result.rejected[0]?.reply ?? '', /^4\d\d /);
  } finally {
    await peer.close();
  }
});

test('an aborted delivery returns at once as temporary', { timeout: 20_000 }, async () => {
  // A peer that accepts the connection and never greets.
  const silent = createServer((socket) => socket.on('error', () => undefined));
  const sockets = new Set<Socket>();
  silent.on('connection', (s: Socket) => sockets.add(s));
  silent.listen(0, '127.0.0.1');
  await once(silent, 'listening');
  try {
    const controller = new AbortController();
    silent.once('connection', () => controller.abort());
    const result = await deliverToNextHop({
      ...base,
      connectTimeoutMs: 60_000,
      hop: hop((silent.address() as AddressInfo).port, 'none'),
      mailFrom: 'a@outside.test',
      recipients: ['b@example.test'],
      message: bufferMessage(simpleMessage),
      signal: controller.signal,
    });
    assert.equal(result.rejected[0]?.permanent, false);
    assert.match(result.rejected[0]?.reply ?? '', /cancelled/);
  } finally {
    for (const s of sockets) s.destroy();
    await new Promise<void>((resolve) => silent.close(() => resolve()));
  }
});
