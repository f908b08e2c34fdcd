/**
 * The ClamAV engine when clamd is not there or misbehaves: refused
 * connections, a server that never answers, garbage replies. Each must be
 * AV_UNAVAILABLE (never clean, never a throw), within the deadline.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import type { AddressInfo, Server, Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import { clamavHealth, createClamavEngine } from '../../src/analysis/engines/clamav/index.js';
import type { EngineSubject } from '../../src/analysis/engine.js';
import type { Finding } from '../../src/core/index.js';

const servers: Server[] = [];
after(async () => {
  await Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve))));
});

/** A fake clamd: `onData` sees everything the client sent so far on that connection. */
async function fakeClamd(onData: (socket: Socket, received: Buffer) => void): Promise<{ port: number; connections: () => number }> {
  let connections = 0;
  const server = createServer((socket) => {
    connections++;
    let received = Buffer.alloc(0);
    socket.on('data', (chunk: Buffer) => {
      received = Buffer.concat([received, chunk]);
      onData(socket, received);
    });
    socket.on('error', () => socket.destroy());
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { port: (server.address() as AddressInfo).port, connections: () => connections };
}

/** A port that refuses: bound then closed, so nothing listens there. */
async function refusingPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

const subject = (path: string, text: string, sha256 = 'b'.repeat(64)): EngineSubject => ({
  artifact: { path, declaredType: 'application/octet-stream', size: text.length, sha256 },
  content: Buffer.from(text),
});

// The terminating zero-length chunk: the client has sent the whole stream.
const streamEnded = (received: Buffer): boolean => received.length >= 4 && received.subarray(-4).equals(Buffer.alloc(4));

function assertUnavailable(findings: readonly Finding[], reason: RegExp): void {
  assert.deepEqual(findings.map((f) => [f.engine, f.symbol, f.score, f.severity, f.artifact]), [['clamav', 'AV_UNAVAILABLE', 0, 'high', '2']]);
  assert.match(findings[0]?.detail ?? '', reason);
}

test('clamd down (connection refused) gives AV_UNAVAILABLE with the reason', async () => {
  const engine = createClamavEngine({ host: '127.0.0.1', port: await refusingPort(), timeoutMs: 5000, maxStreamBytes: 1024 });
  assertUnavailable(await engine.inspect(subject('2', 'hello')), /ECONNREFUSED/);
});

test('clamd that accepts and never answers gives AV_UNAVAILABLE within the timeout', async () => {
  const fake = await fakeClamd(() => undefined);
  const engine = createClamavEngine({ host: '127.0.0.1', port: fake.port, timeoutMs: 300, maxStreamBytes: 1024 });
  const started = performance.now();
  const findings = await engine.inspect(subject('2', 'hello'));
  const elapsed = performance.now() - started;
  assertUnavailable(findings, /no reply within 300 ms/);
  assert.ok(elapsed >= 250 && elapsed < 3000, `took ${elapsed} ms`);
});

test('a garbage reply gives AV_UNAVAILABLE, not clean', async () => {
  const fake = await fakeClamd((socket, received) => {
    if (streamEnded(received)) socket.end('200 OK hello\0');
  });
  const engine = createClamavEngine({ host: '127.0.0.1', port: fake.port, timeoutMs: 5000, maxStreamBytes: 1024 });
  assertUnavailable(await engine.inspect(subject('2', 'hello')), /unexpected clamd reply: 200 OK hello/);
});

test('an endless reply without a terminator is cut off at the bound', async () => {
  const fake = await fakeClamd((socket, received) => {
    if (streamEnded(received)) socket.write(Buffer.alloc(64 * 1024, 0x41));
  });
  const engine = createClamavEngine({ host: '127.0.0.1', port: fake.port, timeoutMs: 5000, maxStreamBytes: 1024 });
  assertUnavailable(await engine.inspect(subject('2', 'hello')), /reply longer than/);
});

test('a connection closed without a reply gives AV_UNAVAILABLE', async () => {
  const fake = await fakeClamd((socket) => socket.destroy());
  const engine = createClamavEngine({ host: '127.0.0.1', port: fake.port, timeoutMs: 5000, maxStreamBytes: 1024 });
  assertUnavailable(await engine.inspect(subject('2', 'hello')), /closed|ECONNRESET|EPIPE/);
});

test('the client speaks zINSTREAM: length-prefixed chunks and a zero-length end; same sha256 is scanned once', async () => {
  let seen: Buffer = Buffer.alloc(0);
  const fake = await fakeClamd((socket, received) => {
    if (!streamEnded(received)) return;
    seen = received;
    socket.end('stream: OK\0');
  });
  const engine = createClamavEngine({ host: '127.0.0.1', port: fake.port, timeoutMs: 5000, maxStreamBytes: 1024 });
  assert.deepEqual(await engine.inspect(subject('2', 'hello')), []);
  const expected = Buffer.concat([Buffer.from('zINSTREAM\0'), Buffer.from([0, 0, 0, 5]), Buffer.from('hello'), Buffer.alloc(4)]);
  assert.deepEqual(seen, expected);
  assert.deepEqual(await engine.inspect(subject('3', 'hello')), []);
  assert.equal(fake.connections(), 1, 'the second artifact with the same sha256 came from the cache');
  await engine.inspect(subject('4', 'other', 'c'.repeat(64)));
  assert.equal(fake.connections(), 2);
});

test('a large artifact is sent in 64 KiB chunks under back-pressure', async () => {
  let total = 0;
  const fake = await fakeClamd((socket, received) => {
    total = received.length;
    if (streamEnded(received)) socket.end('stream: OK\0');
  });
  const size = 3 * 1024 * 1024 + 7;
  const engine = createClamavEngine({ host: '127.0.0.1', port: fake.port, timeoutMs: 10_000, maxStreamBytes: size });
  const content = Buffer.alloc(size, 0x42);
  const findings = await engine.inspect({ artifact: { path: '2', declaredType: 'application/octet-stream', size, sha256: 'd'.repeat(64) }, content });
  assert.deepEqual(findings, []);
  const chunks = Math.ceil(size / (64 * 1024));
  assert.equal(total, 'zINSTREAM\0'.length + size + 4 * chunks + 4);
});

test('clamavHealth reports a refused connection as not ok, and a fake PONG as ok', async () => {
  const down = await clamavHealth({ host: '127.0.0.1', port: await refusingPort(), timeoutMs: 2000 });
  assert.equal(down.ok, false);
  assert.match(down.detail, /ECONNREFUSED/);
  const fake = await fakeClamd((socket, received) => {
    const command = received.toString('latin1');
    if (command === 'zPING\0') socket.end('PONG\0');
    if (command === 'zVERSION\0') socket.end('ClamAV 9.9.9/1/Thu Jan  1 00:00:00 2026\0');
  });
  const up = await clamavHealth({ host: '127.0.0.1', port: fake.port, timeoutMs: 2000 });
  assert.deepEqual(up, { ok: true, detail: 'ClamAV 9.9.9/1/Thu Jan  1 00:00:00 2026' });
});
