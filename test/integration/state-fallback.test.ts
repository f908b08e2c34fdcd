/**
 * Redis lost and back (issue 6), with a real Redis behind a proxy the test
 * cuts: with `state.redis.onUnavailable: local` the node keeps enforcing its
 * per-sender limit from its own state, logs one warning, and counts in Redis
 * again once Redis answers (one info line). With `fail`, the rate limit's
 * `onStateFailure` applies as before.
 */
import assert from 'node:assert/strict';
import { rm } from 'node:fs/promises';
import { after, before, describe, it } from 'node:test';
import { Redis } from 'ioredis';
import { startGateway, type Gateway } from '../../src/app/index.js';
import { loadConfig } from '../../src/config/index.js';
import { createLogger } from '../../src/observability/index.js';
import { sharedTestDns } from '../support/dns-server.js';
import { makeDataDir, writeOperatorConfig } from '../support/gateway.js';
import { plainMessage } from '../support/messages.js';
import { deleteKeysWithPrefix, REDIS_HOST, REDIS_PORT, redisUnavailableReason, uniqueKeyPrefix } from '../support/redis.js';
import { assertReply } from '../support/replies.js';
import { startSink, type Sink } from '../support/sink.js';
import { RawSmtpClient, sendMessage } from '../support/smtp-client.js';
import { startTcpProxy, type TcpProxy } from '../support/tcp-proxy.js';
import { waitUntil } from '../support/wait.js';

const unavailable = await redisUnavailableReason();

interface LogLine {
  readonly level: number;
  readonly msg: string;
  readonly component?: string;
  readonly reason?: string;
}

interface LoggedGateway {
  readonly gateway: Gateway;
  readonly smtpPort: number;
  readonly logs: LogLine[];
  stop(): Promise<void>;
}

const WARN = 40;
const INFO = 30;
const TO_LOCAL = "shared state unavailable; using this node's local state";
const TO_SHARED = 'shared state available again; using it';

/** A gateway like startTestGateway's, whose log lines the test reads back. */
async function startLoggedGateway(overrides: Record<string, unknown>): Promise<LoggedGateway> {
  const dir = await makeDataDir();
  const configPath = await writeOperatorConfig(dir, { dns: { servers: [(await sharedTestDns()).address] }, log: { level: 'info' }, ...overrides });
  const { config } = await loadConfig({ operatorPath: configPath, env: {} });
  const logs: LogLine[] = [];
  // pino writes one JSON line per call; this process wrote them, so the shape is trusted.
  const logger = createLogger({ level: 'info', node: config.node.id, destination: { write: (line: string) => void logs.push(JSON.parse(line) as LogLine) } });
  const gateway = await startGateway({ config, logger });
  return {
    gateway,
    smtpPort: gateway.smtpAddress.port,
    logs,
    async stop() {
      await gateway.stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

const message = (from: string, n: number) => ({ from, to: ['dave@example.test'], body: plainMessage({ from, to: 'dave@example.test', subject: `fallback ${n}` }) });

describe('Redis lost: local fallback', { skip: unavailable }, () => {
  const prefix = uniqueKeyPrefix('state-fallback');
  let sink: Sink;
  let proxy: TcpProxy;
  let redis: Redis;
  const started: LoggedGateway[] = [];

  const settings = (onUnavailable: 'local' | 'fail', onStateFailure: 'open' | 'closed') => ({
    // Quick reconnects once the proxy is back; the default backoff reaches 5 s.
    state: { backend: 'redis', redis: { url: `redis://127.0.0.1:${proxy.port}/0`, keyPrefix: prefix, reconnect: { minDelayMs: 50, maxDelayMs: 200 }, onUnavailable } },
    reputation: { rateLimits: { perSender: { count: 3, perSeconds: 3600 }, onStateFailure } },
    domains: [{ name: 'example.test', recipients: 'any', nextHop: { host: '127.0.0.1', port: sink.port, tls: 'none' } }],
  });

  before(async () => {
    sink = await startSink();
    proxy = await startTcpProxy({ host: REDIS_HOST, port: REDIS_PORT });
    redis = new Redis({ host: REDIS_HOST, port: REDIS_PORT, keyPrefix: prefix, commandTimeout: 2000, maxRetriesPerRequest: 0 });
  });

  after(async () => {
    for (const node of started) await node.stop();
    await proxy?.close();
    redis?.disconnect();
    await sink?.close();
    await deleteKeysWithPrefix(prefix);
  });

  it('enforces the per-sender limit from the node during the outage, warns once, and uses Redis again after it', { timeout: 30_000 }, async () => {
    const node = await startLoggedGateway(settings('local', 'open'));
    started.push(node);
    const sender = 'bulk@partner.example';
    const switches = () => node.logs.filter((l) => l.msg === TO_LOCAL || l.msg === TO_SHARED);

    assert.equal((await sendMessage(node.smtpPort, message(sender, 1))).data?.code, 250);
    assert.equal(await redis.get(`rl:from:${sender}`), '1', 'counted in Redis');

    await proxy.cut();
    // The node's own count starts at 0: three more transactions pass, the fourth is over.
    for (let n = 2; n <= 4; n++) assert.equal((await sendMessage(node.smtpPort, message(sender, n))).data?.code, 250, `transaction ${n} during the outage`);
    const over = await sendMessage(node.smtpPort, message(sender, 5));
    assertReply(over.mail, 451, '4.7.1', 'over the limit, counted by the node alone');
    const warned = switches();
    assert.equal(warned.length, 1, 'one warning for the outage');
    assert.equal(warned[0]?.level, WARN);
    assert.equal(warned[0]?.component, 'state');
    assert.match(warned[0]?.reason ?? '', /shared state \(redis\)/u);
    assert.ok(!node.logs.some((l) => l.msg === 'shared state unavailable'), 'no per-transaction state failures: the local state answered');

    await proxy.restore();
    // The node tries Redis again at most once a second, and only when asked: keep asking
    // (MAIL FROM of another sender, then RSET) until it says Redis is back.
    const client = await RawSmtpClient.connect(node.smtpPort);
    try {
      await client.read();
      await client.command('EHLO client.example.net');
      await waitUntil(
        async () => {
          await client.command('MAIL FROM:<probe@elsewhere.example>');
          await client.command('RSET');
          return switches().length === 2 ? true : undefined;
        },
        15_000,
        'the node back on Redis',
      );
      await client.command('QUIT');
    } finally {
      client.close();
    }
    assert.deepEqual(
      switches().map((l) => [l.msg, l.level]),
      [
        [TO_LOCAL, WARN],
        [TO_SHARED, INFO],
      ],
    );

    // Redis still has this sender at 1 (the outage was counted locally, and the local count is
    // over the limit): a transaction that passes was counted in Redis.
    assert.equal((await sendMessage(node.smtpPort, message(sender, 6))).data?.code, 250, 'counted by Redis again, not by the node');
    assert.equal(await redis.get(`rl:from:${sender}`), '2');
  });

  it('onUnavailable: fail leaves it to onStateFailure (closed: 451 4.3.0)', { timeout: 30_000 }, async () => {
    await proxy.restore();
    const node = await startLoggedGateway(settings('fail', 'closed'));
    started.push(node);
    const sender = 'strict@partner.example';
    assert.equal((await sendMessage(node.smtpPort, message(sender, 1))).data?.code, 250);
    await proxy.cut();
    const refused = await sendMessage(node.smtpPort, message(sender, 2));
    assertReply(refused.mail, 451, '4.3.0', 'shared state down, rate limit fails closed');
    assert.ok(!node.logs.some((l) => l.msg === TO_LOCAL), 'no local fallback');
    await proxy.restore();
  });
});
