/**
 * The front door: smtp-server configured for an MX, with connection and
 * rate limits, recipient validation (never an open relay) and the DATA
 * handler. Callback APIs are adapted to promises here and go no further.
 */
import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import type { SMTPServerAddress, SMTPServerDataStream, SMTPServerSession } from 'smtp-server';
import type { Envelope, SmtpReply } from '../core/index.js';
import { MoatError, SmtpReplyError } from '../core/index.js';
import type { SmtpConfig } from '../config/schema.js';
import { MoatSmtpServer } from './moat-smtp-server.js';
import { createConcurrencyTracker, createRateLimiter } from './rate-limiter.js';
import { envelopeFromSession } from './session-envelope.js';
import type { ConnectionFacts, IntakeResult } from './intake.js';

export type RecipientCheck = { ok: true } | { ok: false; reason: 'domain' | 'recipient' | 'syntax' };

export type ConnectionResult = 'accepted' | 'refused-rate' | 'refused-concurrency';

export interface SmtpObserver {
  connection(result: ConnectionResult): void;
  active(delta: 1 | -1): void;
  dataReply(seconds: number, code: number): void;
}

export interface SmtpListenerOptions {
  readonly smtp: SmtpConfig;
  readonly hostname: string;
  readonly tls: { readonly key: Buffer; readonly cert: Buffer };
  readonly logger: Logger;
  readonly observer: SmtpObserver;
  checkRecipient(address: string): RecipientCheck;
  /**
   * Which policy applies to an accepted recipient (its policy version). One
   * transaction carries recipients of one policy only, so each gets the verdict
   * its own policy gives; absent, every recipient shares one.
   */
  policyOf?(address: string): string;
  intake(body: AsyncIterable<Uint8Array>, envelope: Envelope, connection?: ConnectionFacts): Promise<IntakeResult>;
  /** Connection-level reputation (DNSBL, reverse DNS); started at connect, awaited when first needed. Never rejects. */
  screenConnection?(ip: string): Promise<ClientFacts>;
  /** Peers whose connections start with a PROXY protocol header (trusted balancers). */
  trustProxy?(address: string): boolean;
  /** Peers that may use XCLIENT (trusted MTAs). */
  trustXclient?(address: string): boolean;
  /** How long a trusted balancer has to send its PROXY header, in seconds. */
  proxyHeaderTimeoutSeconds?: number;
  /** At MAIL FROM (shared rate limits): a reply refuses the sender. */
  screenSender?(input: { ip: string; mailFrom: string }): Promise<SmtpReply | undefined>;
  /** At an accepted RCPT TO (greylisting): a reply refuses the recipient. */
  screenRecipient?(input: { ip: string; mailFrom: string; recipient: string; facts: ClientFacts }): Promise<SmtpReply | undefined>;
}

/** What the connection check learnt: findings for the message, and the verified reverse name. */
export interface ClientFacts extends ConnectionFacts {
  /** Forward-confirmed reverse DNS name, when there is one. */
  readonly reverseName?: string;
}

const NO_FACTS: ClientFacts = { findings: [] };

export interface SmtpListener {
  listen(): Promise<AddressInfo>;
  close(): Promise<void>;
}

type Done = (err?: Error | null) => void;

function toSmtpError(error: SmtpReplyError): Error & { responseCode: number } {
  // smtp-server reads `responseCode` and the message; the enhanced code
  // leads the text and MoatSmtpServer keeps it as ours.
  return Object.assign(new Error(`${error.enhanced} ${error.message}`), { responseCode: error.responseCode });
}

/** Creates (does not start) the SMTP listener. */
export function createSmtpListener(options: SmtpListenerOptions): SmtpListener {
  const { smtp, logger, observer } = options;
  const limits = smtp.limits;
  const connectionRate = createRateLimiter(limits.connectionRatePerIp);
  const messageRate = createRateLimiter(limits.messageRatePerIp);
  const perIp = createConcurrencyTracker(limits.maxConnectionsPerIp);
  // The address each counted session holds a per-IP slot for (XCLIENT changes the session's address later).
  const counted = new Map<string, string>();
  // Connection checks run while the client talks; the first stage that needs them waits.
  // They are keyed by the address they were made for: after XCLIENT they are made again.
  const facts = new Map<string, { ip: string; facts: Promise<ClientFacts> }>();
  const screen = (session: SMTPServerSession): Promise<ClientFacts> => {
    const ip = session.remoteAddress;
    const known = facts.get(session.id);
    if (known?.ip === ip) return known.facts;
    if (options.screenConnection === undefined) return Promise.resolve(NO_FACTS);
    const started = options.screenConnection(ip).catch((error: unknown) => {
      logger.warn({ err: error, sessionId: session.id }, 'connection check failed');
      return NO_FACTS;
    });
    facts.set(session.id, { ip, facts: started });
    return started;
  };
  const factsOf = (session: SMTPServerSession): Promise<ClientFacts> => screen(session);
  const refuse = (reply: SmtpReply): Error => toSmtpError(new SmtpReplyError(reply.code, reply.enhanced, reply.message));

  const server = new MoatSmtpServer({
    name: options.hostname,
    banner: smtp.banner,
    key: options.tls.key,
    cert: options.tls.cert,
    minVersion: smtp.tls.minVersion,
    size: limits.maxMessageBytes,
    rejectOversized: true,
    hideENHANCEDSTATUSCODES: false,
    maxRecipients: limits.maxRecipients,
    maxClients: limits.maxConnections,
    socketTimeout: limits.idleTimeoutSeconds * 1000,
    closeTimeout: 5000,
    maxHardErrors: limits.maxBadCommands,
    ...(options.trustProxy === undefined ? {} : { trustProxy: options.trustProxy }),
    ...(options.trustXclient === undefined ? {} : { trustXclient: options.trustXclient }),
    ...(options.proxyHeaderTimeoutSeconds === undefined ? {} : { proxyHeaderTimeoutMs: options.proxyHeaderTimeoutSeconds * 1000 }),
    // A refused identity claim is an attack or a misconfiguration: either way an operator should see it.
    onProxyRefused: (event) => logger.warn({ kind: event.kind, peer: event.peer, reason: event.reason }, 'client identity claim refused'),
    // An MX takes mail from anyone; AUTH belongs to the submission service.
    disabledCommands: ['AUTH'],
    authOptional: true,
    // Reverse DNS is ours (checkConnection, forward-confirmed, through the gateway's
    // resolver with its deadline and cache), never smtp-server's unbounded lookup.
    disableReverseLookup: true,
    logger: false,

    onConnect(session: SMTPServerSession, done: Done) {
      const ip = session.remoteAddress;
      if (!connectionRate.hit(ip).allowed) {
        observer.connection('refused-rate');
        logger.warn({ sessionId: session.id, clientIp: ip }, 'connection rate exceeded');
        return done(toSmtpError(new SmtpReplyError(421, '4.7.0', 'Too many connections from your address, try again later')));
      }
      if (!perIp.acquire(ip)) {
        observer.connection('refused-concurrency');
        return done(toSmtpError(new SmtpReplyError(421, '4.7.0', 'Too many concurrent connections from your address')));
      }
      counted.set(session.id, ip);
      observer.connection('accepted');
      observer.active(1);
      void screen(session);
      done();
    },

    onClose(session: SMTPServerSession) {
      facts.delete(session.id);
      server.forgetHop(session.id);
      const ip = counted.get(session.id);
      if (ip !== undefined) {
        counted.delete(session.id);
        perIp.release(ip);
        observer.active(-1);
      }
    },

    onMailFrom(address: SMTPServerAddress, session: SMTPServerSession, done: Done) {
      if (!messageRate.hit(session.remoteAddress).allowed) {
        logger.warn({ sessionId: session.id, clientIp: session.remoteAddress }, 'message rate exceeded');
        return done(toSmtpError(new SmtpReplyError(451, '4.7.1', 'Too many messages from your address, try again later')));
      }
      if (options.screenSender === undefined) return done();
      options.screenSender({ ip: session.remoteAddress, mailFrom: address.address }).then(
        (reply) => done(reply === undefined ? undefined : refuse(reply)),
        (error: unknown) => {
          logger.error({ err: error, sessionId: session.id }, 'sender check failed');
          done(toSmtpError(new SmtpReplyError(451, '4.3.0', 'Local error in processing, try again later')));
        },
      );
    },

    onRcptTo(address: SMTPServerAddress, session: SMTPServerSession, done: Done) {
      const check = options.checkRecipient(address.address);
      if (check.ok) {
        const first = session.envelope.rcptTo[0];
        if (first !== undefined && options.policyOf !== undefined && options.policyOf(first.address) !== options.policyOf(address.address)) {
          // RFC 5321 4.5.3.1.10: a client that gets 452 for some recipients sends them
          // in a later transaction. That later transaction is decided under their own
          // policy, instead of one verdict being forced on recipients whose policies differ.
          return done(toSmtpError(new SmtpReplyError(452, '4.5.3', 'Recipient has a different policy; send it in a separate transaction')));
        }
        const screenRecipient = options.screenRecipient;
        if (screenRecipient === undefined) return done();
        const mailFrom = session.envelope.mailFrom === false ? '' : session.envelope.mailFrom.address;
        factsOf(session)
          .then((known) => screenRecipient({ ip: session.remoteAddress, mailFrom, recipient: address.address, facts: known }))
          .then(
            (reply) => done(reply === undefined ? undefined : refuse(reply)),
            (error: unknown) => {
              logger.error({ err: error, sessionId: session.id }, 'recipient check failed');
              done(toSmtpError(new SmtpReplyError(451, '4.3.0', 'Local error in processing, try again later')));
            },
          );
        return;
      }
      switch (check.reason) {
        case 'domain':
          return done(toSmtpError(new SmtpReplyError(550, '5.7.1', 'Relaying denied: this server does not accept mail for that domain')));
        case 'recipient':
          return done(toSmtpError(new SmtpReplyError(550, '5.1.1', 'No such recipient here')));
        case 'syntax':
          return done(toSmtpError(new SmtpReplyError(553, '5.1.3', 'Recipient address syntax not accepted')));
      }
    },

    onData(stream: SMTPServerDataStream, session: SMTPServerSession, done: (err?: Error | null, message?: string) => void) {
      const startedAt = Date.now();
      const envelope = envelopeFromSession(session, new Date(), server.hopOf(session.id));
      // The idle timeout does not stop a client that drips one byte a minute.
      const dataTimer = setTimeout(() => {
        logger.info({ sessionId: session.id }, 'DATA phase timed out');
        server.drop(session.id, '4.4.2 DATA phase took too long, closing connection');
      }, limits.dataTimeoutSeconds * 1000);
      dataTimer.unref();
      stream.once('end', () => clearTimeout(dataTimer));

      const reply = (code: number, err: Error | null, message?: string): void => {
        clearTimeout(dataTimer);
        observer.dataReply((Date.now() - startedAt) / 1000, code);
        if (err === null) done(null, message);
        else done(err);
      };

      factsOf(session)
        .then((known) => {
          const withName = known.reverseName === undefined ? envelope : { ...envelope, client: { ...envelope.client, reverseName: known.reverseName } };
          return options.intake(stream, withName, known);
        })
        .then(
        (result) => reply(250, null, `2.0.0 Ok: queued as ${result.queueId}`),
        (error: unknown) => {
          if (error instanceof SmtpReplyError) return reply(error.responseCode, toSmtpError(error));
          if (stream.destroyed && !stream.readableEnded) {
            // The client left, or was dropped, before the end of DATA: the
            // spool read failed because its source did, not the disk. Nothing
            // was kept and there is nothing for an operator to do.
            logger.info({ sessionId: session.id }, 'client left during DATA');
            return reply(451, toSmtpError(new SmtpReplyError(451, '4.4.2', 'Connection lost during DATA')));
          }
          const code = error instanceof MoatError ? error.code : 'UNEXPECTED';
          const full = code === 'SPOOL_FULL';
          logger.error({ err: error, sessionId: session.id, code }, 'message not accepted');
          const smtpError = full
            ? new SmtpReplyError(452, '4.3.1', 'Insufficient system storage, try again later')
            : new SmtpReplyError(451, '4.3.0', 'Local error in processing, try again later');
          reply(smtpError.responseCode, toSmtpError(smtpError));
        },
      );
    },
  });

  server.on('error', (error: Error) => {
    logger.warn({ err: error }, 'smtp connection error');
  });

  return {
    listen() {
      return new Promise((resolve, reject) => {
        server.server.once('error', (error: NodeJS.ErrnoException) => {
          const where = `${smtp.listen.host}:${smtp.listen.port}`;
          reject(new MoatError('SMTP_LISTEN_FAILED', `cannot listen for SMTP on ${where} (smtp.listen): ${error.code ?? error.message}`, { cause: error }));
        });
        server.listen(smtp.listen.port, smtp.listen.host, () => {
          server.server.removeAllListeners('error');
          resolve(server.server.address() as AddressInfo);
        });
      });
    },
    close() {
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}
