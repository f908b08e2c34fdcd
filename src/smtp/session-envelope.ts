import type { SMTPServerSession } from 'smtp-server';
import type { Envelope, ProxyInfo } from '../core/index.js';
import { plainAddress, type ProxyHop } from './moat-smtp-server.js';

/** XCLIENT values that mean "the proxy does not know" (Postfix XCLIENT_README). */
const UNKNOWN_VALUES: ReadonlySet<string> = new Set(['[UNAVAILABLE]', '[TEMPUNAVAIL]', '']);

/** Who handed the client on: a balancer (PROXY protocol) or an MTA (XCLIENT ADDR). */
function proxyOf(session: SMTPServerSession, hop: ProxyHop | undefined): ProxyInfo | undefined {
  const xclient = session.xClient;
  const original = xclient?.get('ADDR:DEFAULT');
  if (typeof original === 'string' && xclient?.has('ADDR') === true) {
    const port = xclient.get('PORT:DEFAULT');
    return { address: plainAddress(original), port: typeof port === 'number' ? port : Number(port) || 0, via: 'xclient' };
  }
  return hop;
}

/** The HELO name: what XCLIENT HELO stated for the original client, else what the client said. */
function heloOf(session: SMTPServerSession): string {
  const stated = session.xClient?.get('HELO');
  if (typeof stated === 'string' && !UNKNOWN_VALUES.has(stated)) return stated;
  return session.hostNameAppearsAs;
}

/** Translates smtp-server's session into our serialisable Envelope, once, at the edge. */
export function envelopeFromSession(session: SMTPServerSession, receivedAt: Date, hop?: ProxyHop): Envelope {
  const mailFrom = session.envelope.mailFrom === false ? '' : session.envelope.mailFrom.address;
  const tls = session.secure && session.tlsOptions !== false
    ? { tls: { protocol: session.tlsOptions.version, cipher: session.tlsOptions.name } }
    : {};
  const reverse = session.clientHostname && !session.clientHostname.startsWith('[') ? { reverseName: session.clientHostname } : {};
  const bodyType = session.envelope.bodyType?.toUpperCase();
  const proxy = proxyOf(session, hop);
  const body = bodyType === '8BITMIME' || bodyType === '7BIT' ? { body: bodyType as '8BITMIME' | '7BIT' } : {};
  return {
    mailFrom,
    rcptTo: session.envelope.rcptTo.map((r) => r.address),
    client: {
      address: plainAddress(session.remoteAddress),
      port: session.remotePort,
      helo: heloOf(session),
      ...(proxy === undefined ? {} : { proxy }),
      ...reverse,
      ...tls,
    },
    sessionId: session.id,
    receivedAt: receivedAt.toISOString(),
    smtpUtf8: session.envelope.smtpUtf8 === true,
    ...body,
  };
}
