/**
 * The root logger: pino JSON, created once by `app/`, with redaction
 * configured here and nowhere else. Children (`logger.child({ sessionId })`)
 * inherit it.
 */
import { hostname } from 'node:os';
import { pino } from 'pino';
import type { DestinationStream, Level, Logger } from 'pino';

export type { Logger } from 'pino';

export type LogLevel = Level | 'silent';

export interface LoggerOptions {
  readonly level: LogLevel;
  /** Where lines go; default stdout. Tests pass a stream to read lines back. */
  readonly destination?: DestinationStream;
  /** Node name in every line; default: the OS host name. Pass `config.node.hostname`. */
  readonly node?: string;
}

/** Replacement text for redacted values. */
export const LOG_REDACTED = '[redacted]';

const SECRET_FIELDS = ['password', 'pass', 'secret', 'token', 'apiKey', 'accessToken', 'refreshToken', 'authorization', 'cookie'];

/**
 * Secret-bearing fields at the top level and up to two levels down (pino's
 * redaction needs explicit paths), plus HTTP and SMTP AUTH shapes we log.
 */
export const REDACT_PATHS: readonly string[] = [
  ...SECRET_FIELDS,
  ...SECRET_FIELDS.map((field) => `*.${field}`),
  ...SECRET_FIELDS.map((field) => `*.*.${field}`),
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["proxy-authorization"]',
  'res.headers["set-cookie"]',
  'headers.authorization',
  'headers.cookie',
  // smtp-server passes AUTH credentials as `auth: { username, password, accessToken }`.
  'auth.password',
  'auth.accessToken',
  'session.auth.password',
];

/** Creates the root pino logger: JSON lines, ISO time, base `{ service: 'moat', node }`, secrets redacted. */
export function createLogger(options: LoggerOptions): Logger {
  const pinoOptions = {
    level: options.level,
    base: { service: 'moat', node: options.node ?? hostname() },
    timestamp: pino.stdTimeFunctions.isoTime,
    redact: { paths: [...REDACT_PATHS], censor: LOG_REDACTED },
    serializers: { err: pino.stdSerializers.err },
  };
  // pino's default destination writes stdout synchronously, so the lines before a crash are not lost.
  return options.destination === undefined ? pino(pinoOptions) : pino(pinoOptions, options.destination);
}
