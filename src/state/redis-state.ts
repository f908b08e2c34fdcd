/**
 * `SharedState` on Redis (ioredis), for many nodes. Counters are one Lua
 * script (INCR, then PEXPIRE when the key has no expiry yet), so a hit is
 * atomic across nodes; the rest are single commands (GET, SET PX, SET PX NX,
 * DEL). Lua runs inside Redis; nothing is evaluated in this process.
 *
 * Failure behaviour: every command has `commandTimeoutMs`. While the
 * connection is down, commands fail at once (no offline queue: a queue
 * would grow without bound during a long outage and replay stale increments
 * afterwards) and in-flight commands are failed, not resent. Every failure is
 * a `StateUnavailableError`. The client reconnects forever with capped,
 * jittered exponential backoff; `ready()` waits for it, within
 * `connectTimeoutMs`.
 */
import { Redis, type RedisOptions } from 'ioredis';
import { MoatError } from '../core/index.js';
import { checkArguments, StateUnavailableError } from './errors.js';
import type { HitResult, SharedState } from './types.js';

export interface RedisStateOptions {
  /** `redis://[user:password@]host:port/db` (`rediss://` for TLS); overrides host/port/db. */
  readonly url?: string;
  readonly host?: string;
  readonly port?: number;
  readonly db?: number;
  readonly username?: string;
  readonly password?: string;
  /** Prepended to every key (`moat:`); lets several installations share one Redis. */
  readonly keyPrefix: string;
  /** Deadline of every command. */
  readonly commandTimeoutMs: number;
  /** Deadline of one connection attempt, and of `ready()`. */
  readonly connectTimeoutMs: number;
  /** Reconnect backoff: first delay, doubled per attempt up to the cap, with jitter. */
  readonly reconnect?: { readonly minDelayMs: number; readonly maxDelayMs: number };
  /** Clock for `resetAt` (epoch ms); injected by tests. */
  readonly now?: () => number;
  readonly random?: () => number;
  /** Connection events, for the caller's logger and metrics (this module has no logger). */
  readonly onEvent?: (event: RedisStateEvent) => void;
}

export type RedisStateEvent =
  | { readonly type: 'ready' }
  | { readonly type: 'error'; readonly message: string }
  | { readonly type: 'reconnecting'; readonly delayMs: number }
  | { readonly type: 'end' };

const HIT_SCRIPT = `
local count = redis.call('INCR', KEYS[1])
local ttl = redis.call('PTTL', KEYS[1])
if ttl < 0 then
  redis.call('PEXPIRE', KEYS[1], ARGV[1])
  ttl = tonumber(ARGV[1])
end
return {count, ttl}
`;

/** The client with the command `defineCommand` adds; ioredis cannot type it. */
interface ScriptedRedis extends Redis {
  moatHit(key: string, ttlMs: string): Promise<[number, number]>;
}

const MAX_PREFIX_CHARS = 64;

/** Redis's answer for INCR on a non-integer: a caller's bug, not an outage. */
function isTypeError(error: unknown): boolean {
  return error instanceof Error && error.name === 'ReplyError' && /not an integer|WRONGTYPE/u.test(error.message);
}

/** Creates the Redis-backed state and starts connecting (call `ready()` before serving). */
export function createRedisState(options: RedisStateOptions): SharedState {
  if (options.keyPrefix.length === 0 || options.keyPrefix.length > MAX_PREFIX_CHARS || /\s/u.test(options.keyPrefix)) {
    throw new MoatError('STATE_ARGUMENT_INVALID', `keyPrefix must be 1-${MAX_PREFIX_CHARS} characters without spaces`);
  }
  const now = options.now ?? Date.now;
  const random = options.random ?? Math.random;
  const backoff = options.reconnect ?? { minDelayMs: 100, maxDelayMs: 5000 };
  const emit = options.onEvent ?? (() => undefined);
  const settings: RedisOptions = {
    keyPrefix: options.keyPrefix,
    commandTimeout: options.commandTimeoutMs,
    connectTimeout: options.connectTimeoutMs,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    autoResendUnfulfilledCommands: false,
    retryStrategy: (times) => {
      const ceiling = Math.min(backoff.maxDelayMs, backoff.minDelayMs * 2 ** Math.min(times - 1, 20));
      const delayMs = Math.round(ceiling * (0.5 + random() / 2));
      emit({ type: 'reconnecting', delayMs });
      return delayMs;
    },
    ...(options.host === undefined ? {} : { host: options.host }),
    ...(options.port === undefined ? {} : { port: options.port }),
    ...(options.db === undefined ? {} : { db: options.db }),
    ...(options.username === undefined ? {} : { username: options.username }),
    ...(options.password === undefined ? {} : { password: options.password }),
  };
  const base = options.url === undefined ? new Redis(settings) : new Redis(options.url, settings);
  base.defineCommand('moatHit', { lua: HIT_SCRIPT, numberOfKeys: 1 });
  // Trust boundary: defineCommand has just added `moatHit` to this instance.
  const redis = base as ScriptedRedis;
  // ioredis reports connection errors as events; without a listener it prints them itself.
  redis.on('error', (error: Error) => emit({ type: 'error', message: error.message }));
  redis.on('ready', () => emit({ type: 'ready' }));
  redis.on('end', () => emit({ type: 'end' }));
  let closed = false;

  const run = async <T>(what: string, op: () => Promise<T>): Promise<T> => {
    if (closed) throw new StateUnavailableError(`shared state (redis) ${what}: closed`);
    try {
      return await op();
    } catch (error) {
      if (isTypeError(error)) throw new MoatError('STATE_ARGUMENT_INVALID', `shared state (redis) ${what}: ${(error as Error).message}`, { cause: error });
      const reason = error instanceof Error ? error.message : String(error);
      throw new StateUnavailableError(`shared state (redis) ${what}: ${reason} (status ${redis.status})`, { cause: error });
    }
  };

  const counter = async (key: string, ttlMs: number): Promise<{ count: number; ttl: number }> => {
    const [count, ttl] = await run('hit', () => redis.moatHit(key, String(ttlMs)));
    return { count: Number(count), ttl: Number(ttl) };
  };

  return {
    kind: 'redis',
    async hit(key, windowMs, limit) {
      checkArguments(key, windowMs);
      const { count, ttl } = await counter(key, windowMs);
      const result: HitResult = { count, allowed: count <= limit, resetAt: now() + ttl };
      return result;
    },
    async get(key) {
      checkArguments(key);
      const value = await run('get', () => redis.get(key));
      return value ?? undefined;
    },
    async set(key, value, ttlMs) {
      checkArguments(key, ttlMs, value);
      await run('set', () => redis.set(key, value, 'PX', ttlMs));
    },
    async setIfAbsent(key, value, ttlMs) {
      checkArguments(key, ttlMs, value);
      return (await run('setIfAbsent', () => redis.set(key, value, 'PX', ttlMs, 'NX'))) === 'OK';
    },
    async incr(key, ttlMs) {
      checkArguments(key, ttlMs);
      return (await counter(key, ttlMs)).count;
    },
    async delete(key) {
      checkArguments(key);
      await run('delete', () => redis.del(key));
    },
    async ready() {
      if (redis.status === 'ready') return;
      if (closed) throw new StateUnavailableError('shared state (redis): closed');
      await new Promise<void>((resolve, reject) => {
        const done = (error?: Error): void => {
          clearTimeout(timer);
          redis.off('ready', onReady);
          redis.off('error', onError);
          if (error === undefined) resolve();
          else reject(error);
        };
        let lastError = 'no answer';
        const onReady = (): void => done();
        const onError = (error: Error): void => {
          lastError = error.message;
        };
        const timer = setTimeout(
          () => done(new StateUnavailableError(`shared state (redis): not ready within ${options.connectTimeoutMs} ms (${lastError}; status ${redis.status})`)),
          options.connectTimeoutMs,
        );
        redis.on('ready', onReady);
        redis.on('error', onError);
      });
    },
    async close() {
      if (closed) return;
      closed = true;
      if (redis.status === 'ready') {
        // QUIT lets in-flight replies arrive; bounded by commandTimeout, then the socket is dropped anyway.
        await redis.quit().catch(() => undefined);
      }
      redis.disconnect();
    },
  };
}
