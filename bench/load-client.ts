/**
 * A lean SMTP client for load: one persistent connection, RSET between
 * transactions, MAIL/RCPT/DATA pipelined when the server offers PIPELINING
 * (as Postfix's client does), and a timestamp between writing the final `.`
 * and reading the reply to it. Bodies arrive dot-stuffed (see corpus.ts), so
 * sending one is a single write with no per-line work in the load generator.
 */
import { connect, type Socket } from 'node:net';
import { performance } from 'node:perf_hooks';

export interface SmtpReply {
  readonly code: number;
  readonly text: string;
}

export interface TransactionResult {
  /** Final code: the DATA reply, or the first refusal before it. */
  readonly code: number;
  /** From writing `.` to the reply to it; undefined when DATA was not reached. */
  readonly latencyMs?: number;
}

export interface LoadConnectionOptions {
  readonly port: number;
  readonly host?: string;
  /** Any one reply (and the connect) must come within this. */
  readonly replyTimeoutMs: number;
  readonly heloName: string;
}

/** A reply line longer than this is a broken server, not a slow one. */
const MAX_BUFFERED = 64 * 1024;

/** Persistent client connection; `send` is one transaction at a time. */
export class LoadConnection {
  private buffer = '';
  private lines: string[] = [];
  private readonly replies: SmtpReply[] = [];
  private readonly waiters: Array<{ resolve: (reply: SmtpReply) => void; reject: (error: Error) => void }> = [];
  private failure: Error | undefined;
  private transactions = 0;
  private pipelining = false;
  private eightBitMime = false;

  private constructor(
    private readonly socket: Socket,
    private readonly options: LoadConnectionOptions,
  ) {
    socket.setNoDelay(true);
    socket.setEncoding('latin1');
    socket.on('data', (chunk: string) => this.onData(chunk));
    socket.on('error', (error: Error) => this.fail(error));
    socket.on('close', () => this.fail(new Error('connection closed')));
  }

  /** Connects, reads the greeting and says EHLO. */
  static async open(options: LoadConnectionOptions): Promise<LoadConnection> {
    const socket = connect({ port: options.port, host: options.host ?? '127.0.0.1' });
    socket.setTimeout(options.replyTimeoutMs, () => socket.destroy(new Error('connect timed out')));
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', resolve);
      socket.once('error', reject);
    });
    socket.setTimeout(0);
    const connection = new LoadConnection(socket, options);
    try {
      const greeting = await connection.read();
      if (greeting.code !== 220) throw new Error(`greeting ${greeting.code} ${greeting.text}`);
      const ehlo = await connection.command(`EHLO ${options.heloName}`);
      if (ehlo.code !== 250) throw new Error(`EHLO ${ehlo.code} ${ehlo.text}`);
      const keywords = ehlo.text.toUpperCase().split('\n');
      connection.pipelining = keywords.includes('PIPELINING');
      connection.eightBitMime = keywords.includes('8BITMIME');
    } catch (error) {
      connection.destroy();
      throw error;
    }
    return connection;
  }

  /** One transaction to `recipient`; `wire` must be dot-stuffed and end in CRLF. */
  async send(message: { readonly from: string; readonly recipient: string; readonly wire: Buffer; readonly eightBit: boolean }): Promise<TransactionResult> {
    const body = message.eightBit && this.eightBitMime ? ' BODY=8BITMIME' : '';
    const commands = [`MAIL FROM:<${message.from}>${body}`, `RCPT TO:<${message.recipient}>`, 'DATA'];
    if (this.transactions++ > 0) commands.unshift('RSET');
    const replies: SmtpReply[] = [];
    if (this.pipelining) {
      // RFC 2920: DATA may end a pipelined group; every reply still comes, in order.
      this.socket.write(commands.map((line) => `${line}\r\n`).join(''), 'latin1');
      for (let i = 0; i < commands.length; i++) replies.push(await this.read());
    } else {
      for (const line of commands) {
        const reply = await this.command(line);
        replies.push(reply);
        if (reply.code >= 400) break;
      }
    }
    const refused = replies.find((reply, i) => (i === replies.length - 1 ? reply.code !== 354 : reply.code >= 400));
    if (refused !== undefined) {
      // RFC 2920 3.1: DATA after refused recipients must fail; a server that says 354 anyway
      // now waits for a body we will not send, so the session cannot go on.
      if (replies[replies.length - 1]?.code === 354) throw new Error('server started DATA after a refused command');
      return { code: refused.code };
    }
    this.socket.write(message.wire);
    const sentAt = performance.now();
    this.socket.write('.\r\n', 'latin1');
    const reply = await this.read();
    return { code: reply.code, latencyMs: performance.now() - sentAt };
  }

  /** Says QUIT and waits (bounded) for the reply. */
  async quit(): Promise<void> {
    try {
      await this.command('QUIT');
    } finally {
      this.destroy();
    }
  }

  destroy(): void {
    this.socket.destroy();
  }

  private command(line: string): Promise<SmtpReply> {
    this.socket.write(`${line}\r\n`, 'latin1');
    return this.read();
  }

  private read(): Promise<SmtpReply> {
    const queued = this.replies.shift();
    if (queued !== undefined) return Promise.resolve(queued);
    if (this.failure !== undefined) return Promise.reject(this.failure);
    return new Promise<SmtpReply>((resolve, reject) => {
      const timer = setTimeout(() => {
        const error = new Error(`no SMTP reply within ${this.options.replyTimeoutMs} ms`);
        this.fail(error);
        this.socket.destroy();
      }, this.options.replyTimeoutMs);
      this.waiters.push({
        resolve: (reply) => {
          clearTimeout(timer);
          resolve(reply);
        },
        reject: (error) => {
          clearTimeout(timer);
          reject(error);
        },
      });
    });
  }

  private onData(chunk: string): void {
    this.buffer += chunk;
    for (;;) {
      const end = this.buffer.indexOf('\r\n');
      if (end < 0) break;
      const line = this.buffer.slice(0, end);
      this.buffer = this.buffer.slice(end + 2);
      this.lines.push(line.slice(4));
      // "250-..." continues a reply, "250 ..." (or a bare "250") ends it.
      if (line.length === 3 || line[3] === ' ') {
        const reply = { code: Number(line.slice(0, 3)), text: this.lines.join('\n') };
        this.lines = [];
        const waiter = this.waiters.shift();
        if (waiter !== undefined) waiter.resolve(reply);
        else this.replies.push(reply);
      }
    }
    if (this.buffer.length > MAX_BUFFERED) {
      this.fail(new Error('SMTP reply line too long'));
      this.socket.destroy();
    }
  }

  private fail(error: Error): void {
    this.failure ??= error;
    for (const waiter of this.waiters.splice(0)) waiter.reject(this.failure);
  }
}
