/**
 * A real SMTP server playing the next hop: it records what arrives, byte
 * for byte, and can be told to refuse recipients or fail temporarily.
 */
import type { AddressInfo } from 'node:net';
import { SMTPServer, type SMTPServerSession } from 'smtp-server';

export interface ReceivedMail {
  readonly mailFrom: string;
  readonly rcptTo: readonly string[];
  readonly raw: Buffer;
  readonly secure: boolean;
}

export interface SinkBehaviour {
  /** Recipients refused with 550 5.1.1. */
  rejectRecipients?: readonly string[];
  /** Answer DATA with 451 this many times before accepting. */
  temporaryFailures?: number;
  /** Offer STARTTLS (with the given key/cert). */
  tls?: { key: Buffer; cert: Buffer };
}

export interface Sink {
  readonly port: number;
  readonly messages: ReceivedMail[];
  /** Resolves when `count` messages have arrived. */
  waitFor(count: number, timeoutMs?: number): Promise<ReceivedMail[]>;
  close(): Promise<void>;
}

export async function startSink(behaviour: SinkBehaviour = {}, port = 0): Promise<Sink> {
  const messages: ReceivedMail[] = [];
  const waiters: Array<() => void> = [];
  let temporaryFailures = behaviour.temporaryFailures ?? 0;
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: behaviour.tls ? ['AUTH'] : ['AUTH', 'STARTTLS'],
    ...(behaviour.tls ? { key: behaviour.tls.key, cert: behaviour.tls.cert } : {}),
    logger: false,
    disableReverseLookup: true,
    onRcptTo(address, _session, done) {
      if (behaviour.rejectRecipients?.includes(address.address)) {
        return done(Object.assign(new Error('No such user'), { responseCode: 550 }));
      }
      done();
    },
    onData(stream, session: SMTPServerSession, done) {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => {
        if (temporaryFailures > 0) {
          temporaryFailures--;
          return done(Object.assign(new Error('Try later'), { responseCode: 451 }));
        }
        messages.push({
          mailFrom: session.envelope.mailFrom === false ? '' : session.envelope.mailFrom.address,
          rcptTo: session.envelope.rcptTo.map((r) => r.address),
          raw: Buffer.concat(chunks),
          secure: session.secure,
        });
        for (const waiter of waiters.splice(0)) waiter();
        done();
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return {
    port: (server.server.address() as AddressInfo).port,
    messages,
    async waitFor(count, timeoutMs = 15_000) {
      const deadline = Date.now() + timeoutMs;
      while (messages.length < count) {
        if (Date.now() > deadline) throw new Error(`sink got ${messages.length} of ${count} messages`);
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, 250);
          waiters.push(() => {
            clearTimeout(timer);
            resolve();
          });
        });
      }
      return messages;
    },
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
