/**
 * A deliberately dumb SMTP client for tests: it writes exactly the bytes it
 * is given (bare LF, NUL, garbage, pipelined batches) and parses replies, so
 * tests can see what the gateway answers to a hostile or broken peer.
 */
import { connect, type Socket } from 'node:net';
import { connect as tlsConnect, type TLSSocket } from 'node:tls';

export interface Reply {
  readonly code: number;
  readonly lines: readonly string[];
  /** The whole reply text, lines joined by \n, without CRLF. */
  readonly text: string;
}

export class RawSmtpClient {
  private socket: Socket | TLSSocket;
  private buffer = '';
  private readonly queue: Reply[] = [];
  private waiters: Array<{ resolve: (reply: Reply) => void; reject: (error: Error) => void }> = [];
  private closedWaiters: Array<() => void> = [];
  closed = false;

  private constructor(socket: Socket) {
    this.socket = socket;
    this.attach(socket);
  }

  /** `localAddress` picks the client's loopback source (any 127.x on Linux), so per-IP limits can be tested apart. */
  static async connect(port: number, host = '127.0.0.1', options: { localAddress?: string } = {}): Promise<RawSmtpClient> {
    const socket = connect({ port, host, ...(options.localAddress === undefined ? {} : { localAddress: options.localAddress }) });
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', resolve);
      socket.once('error', reject);
    });
    return new RawSmtpClient(socket);
  }

  private attach(socket: Socket | TLSSocket): void {
    socket.setEncoding('latin1');
    socket.on('data', (chunk: string) => this.onData(chunk));
    socket.on('error', () => undefined);
    socket.on('close', () => {
      this.closed = true;
      // A reply can no longer come: fail pending reads now rather than at their timeout.
      for (const waiter of this.waiters.splice(0)) waiter.reject(new Error('connection closed before a reply'));
      for (const waiter of this.closedWaiters) waiter();
      this.closedWaiters = [];
    });
  }

  private onData(chunk: string): void {
    this.buffer += chunk;
    let lines: string[] = [];
    for (;;) {
      const end = this.buffer.indexOf('\r\n');
      if (end < 0) break;
      const line = this.buffer.slice(0, end);
      this.buffer = this.buffer.slice(end + 2);
      lines.push(line);
      if (/^\d{3} /.test(line) || /^\d{3}$/.test(line)) {
        const reply = { code: Number(line.slice(0, 3)), lines: lines.map((l) => l.slice(4)), text: lines.map((l) => l.slice(4)).join('\n') };
        lines = [];
        const waiter = this.waiters.shift();
        if (waiter) waiter.resolve(reply);
        else this.queue.push(reply);
      }
    }
    if (lines.length > 0) this.buffer = `${lines.join('\r\n')}\r\n${this.buffer}`;
  }

  /** Next reply from the server. */
  read(timeoutMs = 10_000): Promise<Reply> {
    const queued = this.queue.shift();
    if (queued) return Promise.resolve(queued);
    if (this.closed) return Promise.reject(new Error('connection closed before a reply'));
    return new Promise((resolve, reject) => {
      const waiter = {
        resolve: (reply: Reply) => {
          clearTimeout(timer);
          resolve(reply);
        },
        reject: (error: Error) => {
          clearTimeout(timer);
          reject(error);
        },
      };
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w !== waiter);
        reject(new Error('no SMTP reply in time'));
      }, timeoutMs);
      this.waiters.push(waiter);
    });
  }

  write(data: string | Buffer): void {
    this.socket.write(typeof data === 'string' ? Buffer.from(data, 'latin1') : data);
  }

  async command(line: string): Promise<Reply> {
    this.write(`${line}\r\n`);
    return this.read();
  }

  /** Sends DATA, the dot-stuffed body and the terminator; returns the final reply. */
  async data(body: Buffer | string): Promise<Reply> {
    const go = await this.command('DATA');
    if (go.code !== 354) return go;
    const raw = typeof body === 'string' ? Buffer.from(body, 'utf8') : body;
    const stuffed = Buffer.from(raw.toString('latin1').replace(/(^|\r\n)\./g, '$1..'), 'latin1');
    this.write(stuffed);
    this.write(stuffed.subarray(-2).toString('latin1') === '\r\n' ? '.\r\n' : '\r\n.\r\n');
    return this.read(30_000);
  }

  async startTls(): Promise<void> {
    const reply = await this.command('STARTTLS');
    if (reply.code !== 220) throw new Error(`STARTTLS refused: ${reply.code} ${reply.text}`);
    const plain = this.socket as Socket;
    plain.removeAllListeners('data');
    const secure = tlsConnect({ socket: plain, rejectUnauthorized: false });
    await new Promise<void>((resolve, reject) => {
      secure.once('secureConnect', resolve);
      secure.once('error', reject);
    });
    this.socket = secure;
    this.attach(secure);
  }

  get tlsProtocol(): string | null {
    return 'getProtocol' in this.socket ? this.socket.getProtocol() : null;
  }

  waitClosed(timeoutMs = 10_000): Promise<void> {
    if (this.closed) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('connection not closed in time')), timeoutMs);
      this.closedWaiters.push(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }

  close(): void {
    this.socket.destroy();
  }
}

/** One complete transaction; returns every reply so tests can assert on any step. */
export async function sendMessage(
  port: number,
  message: { from: string; to: readonly string[]; body: string | Buffer; ehlo?: string },
): Promise<{ greeting: Reply; ehlo: Reply; mail: Reply; rcpt: Reply[]; data?: Reply }> {
  const client = await RawSmtpClient.connect(port);
  try {
    const greeting = await client.read();
    const ehlo = await client.command(`EHLO ${message.ehlo ?? 'client.example.net'}`);
    const mail = await client.command(`MAIL FROM:<${message.from}>`);
    const rcpt: Reply[] = [];
    for (const to of message.to) rcpt.push(await client.command(`RCPT TO:<${to}>`));
    if (!rcpt.some((r) => r.code === 250)) return { greeting, ehlo, mail, rcpt };
    const data = await client.data(message.body);
    await client.command('QUIT').catch(() => undefined);
    return { greeting, ehlo, mail, rcpt, data };
  } finally {
    client.close();
  }
}
