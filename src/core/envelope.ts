/**
 * The SMTP envelope and connection facts of one transaction, as recorded at
 * the front door. Serialisable: it travels to workers, the spool and the API.
 */

/** TLS facts of the session that carried the message (absent on plaintext). */
export interface TlsInfo {
  readonly protocol: string;
  readonly cipher: string;
}

/** The trusted balancer or MTA a client's connection came through. */
export interface ProxyInfo {
  readonly address: string;
  readonly port: number;
  /** `proxy-protocol`: a PROXY header from a load balancer; `xclient`: Postfix XCLIENT from an MTA. */
  readonly via: 'proxy-protocol' | 'xclient';
}

export interface ClientInfo {
  /** The client's IP address: the socket's, or the one a trusted proxy stated (PROXY protocol, XCLIENT). */
  readonly address: string;
  readonly port: number;
  /** Present when a trusted proxy handed the client on: the proxy's own address. */
  readonly proxy?: ProxyInfo;
  /** Reverse DNS name, when resolved. */
  readonly reverseName?: string;
  /** HELO/EHLO argument exactly as the client sent it (or as XCLIENT HELO stated it). */
  readonly helo: string;
  readonly tls?: TlsInfo;
}

export interface Envelope {
  /** Reverse path; the empty string is the null sender `<>` (bounces). */
  readonly mailFrom: string;
  readonly rcptTo: readonly string[];
  readonly client: ClientInfo;
  /** SMTP session id (smtp-server's), for log correlation. */
  readonly sessionId: string;
  /** ISO timestamp at which the DATA phase completed. */
  readonly receivedAt: string;
  /** BODY= parameter of MAIL FROM, when given. */
  readonly body?: '7BIT' | '8BITMIME' | 'BINARYMIME';
  readonly smtpUtf8: boolean;
}
