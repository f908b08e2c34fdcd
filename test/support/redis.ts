/**
 * Redis for tests: the local server at 127.0.0.1:6379 (never started here).
 * Each test run uses its own key prefix and deletes its keys afterwards, so
 * runs never see each other's counters. Locally a test may skip when Redis
 * is absent; in CI (`CI=true`) its absence is a failure.
 */
import { randomUUID } from 'node:crypto';
import { createServer } from 'node:net';
import { Redis } from 'ioredis';

export const REDIS_HOST = '127.0.0.1';
export const REDIS_PORT = 6379;

/** Why Redis cannot be used here, or undefined when it answers PING. Throws in CI. */
export async function redisUnavailableReason(): Promise<string | undefined> {
  const client = new Redis({ host: REDIS_HOST, port: REDIS_PORT, lazyConnect: true, connectTimeout: 1000, commandTimeout: 1000, maxRetriesPerRequest: 0, retryStrategy: () => null });
  client.on('error', () => undefined);
  try {
    await client.connect();
    if ((await client.ping()) === 'PONG') return undefined;
    return 'Redis answered PING with something other than PONG';
  } catch (error) {
    const reason = `Redis not reachable at ${REDIS_HOST}:${REDIS_PORT} (${error instanceof Error ? error.message : String(error)})`;
    if (process.env.CI === 'true') throw new Error(`${reason}: required in CI`);
    return reason;
  } finally {
    client.disconnect();
  }
}

/** A key prefix no other run or test uses: `moat-test:<label>:<random>:`. */
export function uniqueKeyPrefix(label: string): string {
  return `moat-test:${label}:${randomUUID().slice(0, 12)}:`;
}

/** Deletes every key under `prefix` (SCAN, never KEYS) and returns how many there were. */
export async function deleteKeysWithPrefix(prefix: string): Promise<number> {
  if (!prefix.startsWith('moat-test:')) throw new Error(`refusing to delete keys outside moat-test: (${prefix})`);
  const client = new Redis({ host: REDIS_HOST, port: REDIS_PORT, connectTimeout: 1000, commandTimeout: 2000, maxRetriesPerRequest: 0 });
  client.on('error', () => undefined);
  let deleted = 0;
  try {
    let cursor = '0';
    do {
      const [next, keys] = await client.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 500);
      cursor = next;
      if (keys.length > 0) deleted += await client.del(...keys);
    } while (cursor !== '0');
  } finally {
    client.disconnect();
  }
  return deleted;
}

/** A loopback port with nothing listening (bound, then released). */
export async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
