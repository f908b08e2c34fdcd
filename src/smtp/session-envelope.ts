import type { SMTPServerSession } from 'smtp-server';
import type { Envelope } from '../core/index.js';

/** Translates smtp-server's session into our serialisable Envelope, once, at the edge. */
export function envelopeFromSession(session: SMTPServerSession, receivedAt: Date): Envelope {
  const mailFrom = session.envelope.mailFrom === false ? '' : session.envelope.mailFrom.address;
  const tls = session.secure && session.tlsOptions !== false
    ? { tls: { protocol: session.tlsOptions.version, cipher: session.tlsOptions.name } }
    : {};
  const reverse = session.clientHostname && !session.clientHostname.startsWith('[') ? { reverseName: session.clientHostname } : {};
  const bodyType = session.envelope.bodyType?.toUpperCase();
  const body = bodyType === '8BITMIME' || bodyType === '7BIT' ? { body: bodyType as '8BITMIME' | '7BIT' } : {};
  return {
    mailFrom,
    rcptTo: session.envelope.rcptTo.map((r) => r.address),
    client: {
      address: session.remoteAddress,
      port: session.remotePort,
      helo: session.hostNameAppearsAs,
      ...reverse,
      ...tls,
    },
    sessionId: session.id,
    receivedAt: receivedAt.toISOString(),
    smtpUtf8: session.envelope.smtpUtf8 === true,
    ...body,
  };
}
