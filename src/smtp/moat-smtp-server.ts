/**
 * smtp-server derives enhanced status codes (RFC 3463) from the reply code
 * alone, so a policy refusal would read `550 5.1.1` (bad mailbox) where the
 * truth is `550 5.7.1` (not authorised). This subclass lets a reply that
 * already starts with an enhanced code keep it, counts hard errors per
 * connection (Postfix's smtpd_hard_error_limit) and can drop a session by
 * id so a stalled DATA phase can be cut off.
 */
import type { Socket } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { SMTPServer, type SMTPServerOptions } from 'smtp-server';
import { SMTPConnection, type SMTPConnectionOptions } from 'smtp-server/lib/smtp-connection.js';

const ENHANCED_PREFIX = /^[245]\.\d{1,3}\.\d{1,3} /;

export interface MoatSmtpServerOptions extends SMTPServerOptions {
  /** 5xx replies on one connection before it is closed with 421. */
  readonly maxHardErrors: number;
}

class MoatSmtpConnection extends SMTPConnection {
  private hardErrors = 0;
  private readonly maxHardErrors: number;

  constructor(server: MoatSmtpServer, socket: Socket | TLSSocket, options: SMTPConnectionOptions | null | undefined, maxHardErrors: number) {
    super(server, socket, options);
    this.maxHardErrors = maxHardErrors;
  }

  override send(code: number, data?: string | string[] | null, context?: string | false): void {
    if (typeof data === 'string' && ENHANCED_PREFIX.test(data) && context !== false) {
      // Our own replies carry their enhanced code; do not let the library add a second one.
      super.send(code, data, false);
    } else {
      super.send(code, data, context);
    }
    if (code >= 500 && code !== 502) this.countHardError();
  }

  private countHardError(): void {
    this.hardErrors++;
    if (this.hardErrors === this.maxHardErrors) {
      super.send(421, '4.7.0 Too many errors, closing connection', false);
      this.close();
    }
  }
}

export class MoatSmtpServer extends SMTPServer {
  private readonly maxHardErrors: number;

  constructor(options: MoatSmtpServerOptions) {
    super(options);
    this.maxHardErrors = options.maxHardErrors;
  }

  override connect(socket: Socket | TLSSocket, socketOptions?: SMTPConnectionOptions | null): void {
    const connection = new MoatSmtpConnection(this, socket, socketOptions, this.maxHardErrors);
    this.connections.add(connection);
    connection.on('error', (err: Error) => this._onError(err));
    connection.on('connect', (data) => this._onClientConnect(data));
    connection.init();
  }

  /** Sends a final reply on a session's connection and closes it (stalled DATA). */
  drop(sessionId: string, reply: string): void {
    let connection: SMTPConnection | undefined;
    for (const candidate of this.connections) if (candidate.id === sessionId) connection = candidate;
    if (connection === undefined) return;
    connection.send(421, reply, false);
    connection.close();
  }
}
