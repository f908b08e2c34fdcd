/**
 * The next hop of the gateway under test: an SMTP server that accepts
 * everything, throws the bytes away and counts deliveries (one per
 * recipient), so the bench can tell when all accepted mail has come out.
 *
 * Two kinds. `raw` (default) greets at once, like Postfix's smtpd on an
 * internal relay. `smtp-server` is nodemailer's smtp-server, which always
 * waits 100 ms before its greeting to catch early talkers (hard-coded in
 * smtp-connection.js `init()`); since the gateway opens one session per
 * message, that wait, not the gateway, would set the end-to-end figure.
 */
import { createServer, type AddressInfo, type Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import { SMTPServer } from 'smtp-server';

export type SinkKind = 'raw' | 'smtp-server';

export interface CountingSink {
  readonly port: number;
  /** Recipients delivered so far. */
  count(): number;
  /** `performance.now()` of the latest delivery, or undefined before the first. */
  lastDeliveryAt(): number | undefined;
  /** Resolves once `count() >= target`; rejects on timeout or abort. */
  waitFor(target: number, timeoutMs: number, signal?: AbortSignal): Promise<void>;
  close(): Promise<void>;
}

interface Counter {
  add(recipients: number): void;
  sink(port: number, close: () => Promise<void>): CountingSink;
}

function createCounter(): Counter {
  let delivered = 0;
  let lastAt: number | undefined;
  const waiters = new Set<() => void>();
  return {
    add(recipients) {
      delivered += recipients;
      lastAt = performance.now();
      for (const wake of waiters) wake();
    },
    sink: (port, close) => ({
      port,
      count: () => delivered,
      lastDeliveryAt: () => lastAt,
      waitFor(target, timeoutMs, signal) {
        if (delivered >= target) return Promise.resolve();
        if (signal?.aborted === true) return Promise.reject(new Error('aborted while waiting for the sink'));
        return new Promise<void>((resolve, reject) => {
          const finish = (error?: Error): void => {
            clearTimeout(timer);
            waiters.delete(check);
            signal?.removeEventListener('abort', onAbort);
            if (error === undefined) resolve();
            else reject(error);
          };
          const check = (): void => {
            if (delivered >= target) finish();
          };
          const onAbort = (): void => finish(new Error('aborted while waiting for the sink'));
          const timer = setTimeout(() => finish(new Error(`sink got ${delivered} of ${target} deliveries in ${timeoutMs} ms`)), timeoutMs);
          waiters.add(check);
          signal?.addEventListener('abort', onAbort, { once: true });
        });
      },
      close,
    }),
  };
}

/** Starts a sink of the given kind on a free loopback port. */
export async function startCountingSink(kind: SinkKind = 'raw'): Promise<CountingSink> {
  return kind === 'raw' ? startRawSink() : startSmtpServerSink();
}

async function startSmtpServerSink(): Promise<CountingSink> {
  const counter = createCounter();
  const server = new SMTPServer({
    authOptional: true,
    // The bench relays in plaintext (nextHop tls: none): TLS cost is not what we measure here.
    disabledCommands: ['AUTH', 'STARTTLS'],
    logger: false,
    disableReverseLookup: true,
    onData(stream, session, done) {
      stream.on('data', () => undefined);
      stream.on('end', () => {
        counter.add(session.envelope.rcptTo.length);
        done();
      });
    },
  });
  server.on('error', () => undefined);
  await new Promise<void>((resolve, reject) => {
    server.server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  // smtp-server listens on a TCP socket, so the address is an AddressInfo.
  const port = (server.server.address() as AddressInfo).port;
  return counter.sink(port, () => new Promise<void>((resolve) => server.close(() => resolve())));
}

/** A command line longer than this (RFC 5321 4.5.3.1.4 says 512) ends the session. */
const MAX_COMMAND_LINE = 4096;
/** An idle peer is dropped after this. */
const IDLE_MS = 60_000;
const END_OF_DATA = '\r\n.\r\n';

/**
 * Just enough SMTP for a relaying MTA: EHLO/HELO, MAIL, RCPT, DATA, RSET,
 * NOOP, QUIT, pipelining-safe (commands are handled in arrival order from a
 * buffer). The body is scanned only for its terminator and dropped.
 */
function serveRawSession(socket: Socket, counter: Counter): void {
  let buffer = '';
  let inData = false;
  let recipients = 0;
  socket.setNoDelay(true);
  socket.setTimeout(IDLE_MS, () => socket.destroy());
  socket.on('error', () => undefined);
  const reply = (text: string): void => {
    if (!socket.destroyed) socket.write(text);
  };
  reply('220 sink.bench ESMTP\r\n');

  socket.on('data', (chunk: Buffer) => {
    // latin1 keeps one code unit per byte, so 8-bit bodies cannot fake or hide the terminator.
    buffer += chunk.toString('latin1');
    let replies = '';
    for (;;) {
      if (inData) {
        const end = buffer.indexOf(END_OF_DATA);
        if (end < 0) {
          // Keep only what could be the start of a terminator split across chunks.
          buffer = buffer.slice(-(END_OF_DATA.length - 1));
          break;
        }
        buffer = buffer.slice(end + END_OF_DATA.length);
        inData = false;
        counter.add(recipients);
        recipients = 0;
        replies += '250 2.0.0 Ok: queued\r\n';
        continue;
      }
      const end = buffer.indexOf('\r\n');
      if (end < 0) {
        if (buffer.length > MAX_COMMAND_LINE) {
          reply('500 5.5.2 Line too long\r\n');
          socket.destroy();
          return;
        }
        break;
      }
      const line = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      const verb = line.slice(0, 4).toUpperCase();
      switch (verb) {
        case 'EHLO':
          replies += '250-sink.bench\r\n250-PIPELINING\r\n250-8BITMIME\r\n250-SMTPUTF8\r\n250 ENHANCEDSTATUSCODES\r\n';
          break;
        case 'HELO':
          replies += '250 sink.bench\r\n';
          break;
        case 'MAIL':
        case 'RSET':
          recipients = 0;
          replies += '250 2.0.0 Ok\r\n';
          break;
        case 'RCPT':
          recipients++;
          replies += '250 2.1.5 Ok\r\n';
          break;
        case 'DATA':
          if (recipients === 0) {
            replies += '503 5.5.1 No valid recipients\r\n';
            break;
          }
          replies += '354 End data with <CR><LF>.<CR><LF>\r\n';
          inData = true;
          // The terminator's leading CRLF may be the one that ended the DATA command (empty body).
          buffer = `\r\n${buffer}`;
          break;
        case 'NOOP':
          replies += '250 2.0.0 Ok\r\n';
          break;
        case 'QUIT':
          reply(`${replies}221 2.0.0 Bye\r\n`);
          socket.end();
          return;
        default:
          replies += '502 5.5.2 Command not implemented\r\n';
      }
    }
    if (replies !== '') reply(replies);
  });
}

async function startRawSink(): Promise<CountingSink> {
  const counter = createCounter();
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
    serveRawSession(socket, counter);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  // A TCP listener's address is an AddressInfo.
  const port = (server.address() as AddressInfo).port;
  return counter.sink(
    port,
    () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  );
}
