/**
 * smtp-server derives enhanced status codes (RFC 3463) from the reply code
 * alone, so a policy refusal would read `550 5.1.1` (bad mailbox) where the
 * truth is `550 5.7.1` (not authorised). This subclass lets a reply that
 * already starts with an enhanced code keep it, counts hard errors per
 * connection (Postfix's smtpd_hard_error_limit) and can drop a session by
 * id so a stalled DATA phase can be cut off.
 */
import { randomBytes } from 'node:crypto';
import type { Socket } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { SMTPServer, type SMTPServerOptions } from 'smtp-server';
import { SMTPConnection, type SMTPConnectionOptions } from 'smtp-server/lib/smtp-connection.js';
import { MAX_PROXY_HEADER_BYTES, parseProxyHeader } from './proxy-protocol.js';

const ENHANCED_PREFIX = /^[245]\.\d{1,3}\.\d{1,3} /;

export interface MoatSmtpServerOptions extends SMTPServerOptions {
  /** 5xx replies on one connection before it is closed with 421. */
  readonly maxHardErrors: number;
  /** Peers whose connections start with a PROXY protocol header (v1 or v2); absent: none. */
  readonly trustProxy?: (address: string) => boolean;
  /** Peers that may use XCLIENT (and see it advertised); absent: none. */
  readonly trustXclient?: (address: string) => boolean;
  /** How long a trusted balancer has to send its PROXY header. */
  readonly proxyHeaderTimeoutMs?: number;
  /** A PROXY header or XCLIENT refused, or unreadable: for the log. */
  readonly onProxyRefused?: (event: ProxyRefusal) => void;
}

/** Why a claimed client identity was not accepted. */
export interface ProxyRefusal {
  readonly kind: 'proxy-header-invalid' | 'proxy-header-untrusted' | 'xclient-untrusted';
  readonly peer: string;
  readonly reason: string;
}

/** Where the connection really came from, when a balancer or MTA hands on a client. */
export interface ProxyHop {
  readonly address: string;
  readonly port: number;
  readonly via: 'proxy-protocol' | 'xclient';
}

const DEFAULT_PROXY_HEADER_TIMEOUT_MS = 5000;

/** Peer addresses as smtp-server reports them (`::ffff:a.b.c.d` is IPv4). */
export function plainAddress(address: string | undefined): string {
  return (address ?? '').replace(/^::ffff:(?=\d+\.\d+\.\d+\.\d+$)/i, '');
}

/** A session id in smtp-server's own format (base32 of 80 random bits). */
function newSessionId(): string {
  return BigInt(`0x${randomBytes(10).toString('hex')}`).toString(32).padStart(16, '0');
}

class MoatSmtpConnection extends SMTPConnection {
  private hardErrors = 0;
  private readonly maxHardErrors: number;

  constructor(server: MoatSmtpServer, socket: Socket | TLSSocket, options: SMTPConnectionOptions | null | undefined, maxHardErrors: number) {
    super(server, socket, options);
    this.maxHardErrors = maxHardErrors;
  }

  private server(): MoatSmtpServer {
    return this._server as MoatSmtpServer;
  }

  /** XCLIENT only for trusted peers (CIDR lists, not smtp-server's exact addresses), once, never XFORWARD. */
  override _proxyCommandAllowed(command: string, option: 'useXClient' | 'useXForward'): boolean {
    if (option !== 'useXClient') return false;
    return !this._xClient.has('ADDR') && this.server().trustsXclient(this._originalRemoteAddress) && this._isSupported(command);
  }

  /** An untrusted XCLIENT is an attempt to spoof the client: a policy refusal (550 5.7.0), logged. */
  override handler_XCLIENT(command: Buffer, callback: () => void): void {
    if (!this._proxyCommandAllowed('XCLIENT', 'useXClient')) {
      const reason = this._xClient.has('ADDR') ? 'XCLIENT already used on this connection' : 'XCLIENT from an untrusted address';
      this.server().refused({ kind: 'xclient-untrusted', peer: plainAddress(this._originalRemoteAddress), reason });
      this.send(550, '5.7.0 XCLIENT is not accepted from your address', false);
      callback();
      return;
    }
    super.handler_XCLIENT(command, callback);
  }

  /** A PROXY header from a peer that is not a trusted balancer arrives as a command: refuse and close. */
  handler_PROXY(_command: Buffer, callback: () => void): void {
    this.server().refused({ kind: 'proxy-header-untrusted', peer: plainAddress(this._originalRemoteAddress), reason: 'PROXY header from an untrusted address' });
    this.send(550, '5.7.0 PROXY protocol is not accepted from your address', false);
    this.close();
    callback();
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
  private readonly trustProxy: (address: string) => boolean;
  private readonly trustXclient: (address: string) => boolean;
  private readonly proxyHeaderTimeoutMs: number;
  private readonly onProxyRefused: (event: ProxyRefusal) => void;
  /** Sessions that came through a balancer (PROXY protocol), by session id, until they close. */
  private readonly hops = new Map<string, ProxyHop>();

  constructor(options: MoatSmtpServerOptions) {
    // smtp-server's own trust checks compare exact addresses; ours (CIDR lists) decide
    // in the overrides below, so its options only switch the code paths on.
    super({ ...options, useProxy: options.trustProxy !== undefined, useXClient: options.trustXclient !== undefined, useXForward: false });
    this.maxHardErrors = options.maxHardErrors;
    this.trustProxy = options.trustProxy ?? (() => false);
    this.trustXclient = options.trustXclient ?? (() => false);
    this.proxyHeaderTimeoutMs = options.proxyHeaderTimeoutMs ?? DEFAULT_PROXY_HEADER_TIMEOUT_MS;
    this.onProxyRefused = options.onProxyRefused ?? (() => undefined);
  }

  trustsXclient(address: string): boolean {
    return this.trustXclient(plainAddress(address));
  }

  refused(event: ProxyRefusal): void {
    this.onProxyRefused(event);
  }

  /** The balancer a session came through, if any (XCLIENT hops are in the session's xClient map). */
  hopOf(sessionId: string): ProxyHop | undefined {
    return this.hops.get(sessionId);
  }

  forgetHop(sessionId: string): void {
    this.hops.delete(sessionId);
  }

  override _expectsProxyHeader(socket: Socket): boolean {
    return this.trustProxy(plainAddress(socket.remoteAddress));
  }

  /**
   * Reads the PROXY header (v1 or v2) of a trusted balancer's connection with
   * our own bounded parser (smtp-server reads v1 only). A header that is
   * malformed, truncated, too slow or of an unknown family closes the
   * connection, logged; nothing is ever taken from it on trust.
   */
  override _handleProxy(socket: Socket, callback: (err: Error | null, socketOptions?: SMTPConnectionOptions & { id: string }) => void): void {
    if (!this._expectsProxyHeader(socket)) {
      super._handleProxy(socket, callback);
      return;
    }
    const peer = plainAddress(socket.remoteAddress);
    let buffered = Buffer.alloc(0);
    let finished = false;
    const finish = (error: Error | null, socketOptions?: SMTPConnectionOptions & { id: string }, rest?: Buffer): void => {
      if (finished) return;
      finished = true;
      clearTimeout(timer);
      socket.off('readable', onReadable);
      socket.off('error', onError);
      socket.off('end', onEnd);
      socket.off('close', onEnd);
      // Whatever the client sent after the header is SMTP: give it back before the session reads.
      if (rest !== undefined && rest.length > 0) socket.unshift(rest);
      if (error !== null) {
        socket.on('error', () => undefined);
        socket.destroy();
      }
      callback(error, socketOptions);
    };
    const reject = (reason: string): void => {
      this.refused({ kind: 'proxy-header-invalid', peer, reason });
      finish(new Error(`PROXY header refused: ${reason}`));
    };
    const onReadable = (): void => {
      for (let chunk = socket.read() as Buffer | null; chunk !== null; chunk = socket.read() as Buffer | null) {
        buffered = Buffer.concat([buffered, chunk]);
        const result = parseProxyHeader(buffered.subarray(0, MAX_PROXY_HEADER_BYTES));
        if (result.kind === 'incomplete') {
          if (buffered.length >= MAX_PROXY_HEADER_BYTES) return reject('header longer than allowed');
          continue;
        }
        if (result.kind === 'error') return reject(result.reason);
        const rest = buffered.subarray(result.consumed);
        const id = newSessionId();
        const addresses = result.addresses;
        if (addresses !== undefined) this.hops.set(id, { address: peer, port: socket.remotePort ?? 0, via: 'proxy-protocol' });
        finish(null, { id, ...(addresses === undefined ? {} : { remoteAddress: addresses.sourceAddress, remotePort: addresses.sourcePort }) }, rest);
        return;
      }
    };
    const onError = (error: Error): void => reject(`connection error before the header: ${error.message}`);
    const onEnd = (): void => reject('connection closed before a complete header');
    const timer = setTimeout(() => reject(`no complete header within ${this.proxyHeaderTimeoutMs} ms`), this.proxyHeaderTimeoutMs);
    timer.unref();
    socket.on('readable', onReadable);
    socket.on('error', onError);
    socket.on('end', onEnd);
    socket.on('close', onEnd);
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
