/**
 * SMTP session reuse (deliverToNextHop with a session pool) against a scripted
 * next hop on 127.0.0.1 that records every command per connection and can
 * misbehave on cue: drop the connection, answer 421, or close an idle session.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer } from 'node:net';
import type { AddressInfo, Socket } from 'node:net';
import { Readable } from 'node:stream';
import { createSessionPool, deliverToNextHop } from '../../src/delivery/index.js';
import type { SessionPool, SessionPoolOptions } from '../../src/delivery/index.js';
import type { NextHopConfig } from '../../src/config/schema.js';

interface PeerConnection {
  readonly commands: string[];
  readonly socket: Socket;
  readonly closed: Promise<void>;
  /** Messages accepted on this connection. */
  messages: number;
}

/** What the peer does with one command: a reply line, `drop` (destroy the socket), or the default. */
type Script = (conn: PeerConnection, command: string, index: number) => string | 'drop' | undefined;

interface Peer {
  readonly port: number;
  readonly connections: PeerConnection[];
  /** Resolves when the next connection arrives. */
  nextConnection(): Promise<PeerConnection>;
  close(): Promise<void>;
}

function defaultReply(command: string): string {
  const verb = command.split(' ')[0]?.toUpperCase() ?? '';
  if (verb === 'EHLO') return '250-peer.test\r\n250-PIPELINING\r\n250-8BITMIME\r\n250 SMTPUTF8';
  if (verb === 'DATA') return '354 go ahead';
  if (verb === 'QUIT') return '221 bye';
  return '250 ok';
}

async function startPeer(script: Script = () => undefined): Promise<Peer> {
  const connections: PeerConnection[] = [];
  const waiters: ((c: PeerConnection) => void)[] = [];
  const server = createServer((socket) => {
    socket.on('error', () => undefined);
    const conn: PeerConnection = { commands: [], socket, closed: once(socket, 'close').then(() => undefined), messages: 0 };
    connections.push(conn);
    for (const w of waiters.splice(0)) w(conn);
    let inData = false;
    let buffered = '';
    socket.write('220 peer.test ESMTP\r\n');
    socket.on('data', (chunk: Buffer) => {
      buffered += chunk.toString('latin1');
      let nl: number;
      while ((nl = buffered.indexOf('\r\n')) >= 0) {
        const line = buffered.slice(0, nl);
        buffered = buffered.slice(nl + 2);
        let command = line;
        if (inData) {
          if (line !== '.') continue;
          inData = false;
          command = '.';
        }
        conn.commands.push(command);
        const scripted = script(conn, command, conn.commands.length - 1);
        if (scripted === 'drop') {
          socket.destroy();
          return;
        }
        const reply = scripted ?? (command === '.' ? '250 2.0.0 queued' : defaultReply(command));
        if (command === '.' && reply.startsWith('250')) conn.messages += 1;
        if (command.toUpperCase() === 'DATA' && reply.startsWith('354')) inData = true;
        socket.write(`${reply}\r\n`);
        if (command.toUpperCase() === 'QUIT' || reply.startsWith('421')) {
          // Whatever else the client pipelined is not answered.
          socket.end();
          return;
        }
      }
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    port: (server.address() as AddressInfo).port,
    connections,
    nextConnection: () => new Promise((resolve) => waiters.push(resolve)),
    close: () =>
      new Promise<void>((resolve) => {
        for (const c of connections) c.socket.destroy();
        server.close(() => resolve());
      }),
  };
}

const hop = (port: number): NextHopConfig => ({ host: '127.0.0.1', port, tls: 'none', verifyCertificate: false });
const message = 'From: a@outside.test\r\nTo: b@example.test\r\nSubject: hi\r\n\r\nhello\r\n';

function send(peer: Peer, pool: SessionPool, recipient = 'b@example.test'): ReturnType<typeof deliverToNextHop> {
  return deliverToNextHop({
    hop: hop(peer.port),
    heloName: 'mx.moat.test',
    mailFrom: 'a@outside.test',
    recipients: [recipient],
    message: () => Readable.from([Buffer.from(message)]),
    connectTimeoutMs: 5000,
    pool,
  });
}

async function withPeer(script: Script | undefined, poolOpts: SessionPoolOptions, body: (peer: Peer, pool: SessionPool) => Promise<void>): Promise<void> {
  const peer = await startPeer(script);
  const pool = createSessionPool(poolOpts);
  try {
    await body(peer, pool);
  } finally {
    await pool.close();
    await peer.close();
  }
}

const verbs = (conn: PeerConnection | undefined): string[] => (conn?.commands ?? []).map((c) => c.split(/[ :]/)[0]?.toUpperCase() ?? '');

test('N messages to one next hop go over one session, with RSET between transactions', { timeout: 20_000 }, async () => {
  await withPeer(undefined, {}, async (peer, pool) => {
    for (let i = 0; i < 5; i++) {
      const result = await send(peer, pool, `r${i}@example.test`);
      assert.deepEqual(result.accepted.map((a) => a.recipient), [`r${i}@example.test`]);
      assert.match(result.accepted[0]?.reply ?? '', /^250 2\.0\.0 queued/);
    }
    assert.equal(peer.connections.length, 1);
    assert.equal(peer.connections[0]?.messages, 5);
    assert.equal(pool.idle(), 1);
    const v = verbs(peer.connections[0]);
    assert.deepEqual(v.slice(0, 6), ['EHLO', 'MAIL', 'RCPT', 'DATA', '.', 'RSET']);
    assert.equal(v.filter((x) => x === 'RSET').length, 4);
    assert.equal(v.filter((x) => x === 'EHLO').length, 1);
  });
});

test('parallel deliveries each take their own session, and all are kept for reuse', { timeout: 20_000 }, async () => {
  await withPeer(undefined, { maxIdlePerDestination: 2 }, async (peer, pool) => {
    await Promise.all([send(peer, pool), send(peer, pool), send(peer, pool)]);
    assert.equal(peer.connections.length, 3);
    // Bounded per destination: the surplus session is closed with QUIT.
    assert.equal(pool.idle(), 2);
    await Promise.race(peer.connections.map((c) => c.closed));
    const quitted = peer.connections.filter((c) => verbs(c).includes('QUIT'));
    assert.equal(quitted.length, 1);
    await Promise.all([send(peer, pool), send(peer, pool)]);
    assert.equal(peer.connections.length, 3);
  });
});

test('a session is retired after maxTransactionsPerSession messages', { timeout: 20_000 }, async () => {
  await withPeer(undefined, { maxTransactionsPerSession: 2 }, async (peer, pool) => {
    for (let i = 0; i < 5; i++) assert.equal((await send(peer, pool)).accepted.length, 1);
    assert.deepEqual(peer.connections.map((c) => c.messages), [2, 2, 1]);
    await peer.connections[0]?.closed;
    assert.equal(verbs(peer.connections[0]).at(-1), 'QUIT');
  });
});

test('a session the server drops while idle is not reused', { timeout: 20_000 }, async () => {
  // The peer hangs up right after accepting the first message.
  const script: Script = (conn, command) => {
    if (command === '.' && conn.messages === 0) setImmediate(() => conn.socket.destroy());
    return undefined;
  };
  await withPeer(script, {}, async (peer, pool) => {
    assert.equal((await send(peer, pool)).accepted.length, 1);
    await peer.connections[0]?.closed;
    const second = await send(peer, pool);
    assert.equal(second.accepted.length, 1);
    assert.equal(peer.connections.length, 2);
    assert.equal(peer.connections[1]?.messages, 1);
  });
});

test('a session that fails its RSET is dropped and the message goes over a new one', { timeout: 20_000 }, async () => {
  const script: Script = (_conn, command) => (command.toUpperCase() === 'RSET' ? 'drop' : undefined);
  await withPeer(script, {}, async (peer, pool) => {
    assert.equal((await send(peer, pool)).accepted.length, 1);
    const second = await send(peer, pool);
    assert.equal(second.accepted.length, 1);
    assert.equal(peer.connections.length, 2);
    assert.deepEqual(verbs(peer.connections[0]).slice(-1), ['RSET']);
    assert.equal(peer.connections[1]?.messages, 1);
  });
});

test('a 421 ends the session: the message is deferred and the next one opens a new session', { timeout: 20_000 }, async () => {
  let refused = false;
  const script: Script = (_conn, command) => {
    if (!refused && command.toUpperCase().startsWith('MAIL')) {
      refused = true;
      return '421 4.3.2 shutting down';
    }
    return undefined;
  };
  await withPeer(script, {}, async (peer, pool) => {
    const first = await send(peer, pool);
    assert.equal(first.accepted.length, 0);
    assert.equal(first.rejected[0]?.permanent, false);
    assert.match(first.rejected[0]?.reply ?? '', /^4\d\d /);
    assert.equal(pool.idle(), 0);
    const second = await send(peer, pool);
    assert.equal(second.accepted.length, 1);
    assert.equal(peer.connections.length, 2);
    assert.ok(!verbs(peer.connections[0]).includes('RSET'));
  });
});

test('a 421 sent to an idle session removes it from the pool', { timeout: 20_000 }, async () => {
  await withPeer(undefined, {}, async (peer, pool) => {
    assert.equal((await send(peer, pool)).accepted.length, 1);
    assert.equal(pool.idle(), 1);
    const conn = peer.connections[0];
    assert.ok(conn);
    conn.socket.write('421 4.4.2 idle too long\r\n');
    conn.socket.end();
    await conn.closed;
    assert.equal((await send(peer, pool)).accepted.length, 1);
    assert.equal(peer.connections.length, 2);
    assert.ok(!verbs(conn).includes('RSET'));
  });
});

test('a transaction the server refuses is not followed by reuse of its session', { timeout: 20_000 }, async () => {
  let refused = false;
  const script: Script = (_conn, command) => {
    if (!refused && command === '.') {
      refused = true;
      return '554 5.7.1 content refused';
    }
    return undefined;
  };
  await withPeer(script, {}, async (peer, pool) => {
    const first = await send(peer, pool);
    assert.equal(first.rejected[0]?.permanent, true);
    assert.equal(pool.idle(), 0);
    assert.equal((await send(peer, pool)).accepted.length, 1);
    assert.equal(peer.connections.length, 2);
  });
});

test('an idle session is closed with QUIT after the idle timeout', { timeout: 20_000 }, async () => {
  await withPeer(undefined, { idleTimeoutMs: 30 }, async (peer, pool) => {
    assert.equal((await send(peer, pool)).accepted.length, 1);
    await peer.connections[0]?.closed;
    assert.equal(verbs(peer.connections[0]).at(-1), 'QUIT');
    assert.equal(pool.idle(), 0);
  });
});

test('close() QUITs idle sessions, waits for them, and later sessions are not kept', { timeout: 20_000 }, async () => {
  await withPeer(undefined, {}, async (peer, pool) => {
    await Promise.all([send(peer, pool), send(peer, pool)]);
    assert.equal(pool.idle(), 2);
    const closedBoth = Promise.all(peer.connections.map((c) => c.closed));
    await pool.close();
    assert.equal(pool.idle(), 0);
    for (const c of peer.connections) assert.equal(verbs(c).at(-1), 'QUIT');
    await closedBoth;
    assert.equal((await send(peer, pool)).accepted.length, 1);
    assert.equal(pool.idle(), 0);
    const third = peer.connections[2];
    await third?.closed;
    assert.equal(verbs(third).at(-1), 'QUIT');
  });
});

test('sessions are not shared between different TLS policies or EHLO names', { timeout: 20_000 }, async () => {
  await withPeer(undefined, {}, async (peer, pool) => {
    const base = {
      mailFrom: 'a@outside.test',
      recipients: ['b@example.test'],
      message: () => Readable.from([Buffer.from(message)]),
      connectTimeoutMs: 5000,
      pool,
    };
    await deliverToNextHop({ ...base, hop: hop(peer.port), heloName: 'mx.moat.test' });
    await deliverToNextHop({ ...base, hop: { ...hop(peer.port), tls: 'opportunistic' }, heloName: 'mx.moat.test' });
    await deliverToNextHop({ ...base, hop: hop(peer.port), heloName: 'other.moat.test' });
    assert.equal(peer.connections.length, 3);
    await deliverToNextHop({ ...base, hop: { ...hop(peer.port), tls: 'opportunistic' }, heloName: 'mx.moat.test' });
    assert.equal(peer.connections.length, 3);
  });
});
