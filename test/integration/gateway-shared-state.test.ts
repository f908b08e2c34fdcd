/**
 * Two gateway nodes sharing one Redis behave as one installation on the SMTP
 * path: a per-sender rate limit counts across both, and a greylisting pass
 * recorded by one node lets the retry through at the other.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startTestGateway, type TestGateway } from '../support/gateway.js';
import { plainMessage } from '../support/messages.js';
import { deleteKeysWithPrefix, redisUnavailableReason, uniqueKeyPrefix } from '../support/redis.js';
import { assertReply } from '../support/replies.js';
import { startSink, type Sink } from '../support/sink.js';
import { sendMessage } from '../support/smtp-client.js';

const unavailable = await redisUnavailableReason();

describe('two nodes sharing Redis', { skip: unavailable }, () => {
  const prefix = uniqueKeyPrefix('gateway-shared');
  let sink: Sink;
  let nodes: TestGateway[] = [];

  before(async () => {
    sink = await startSink();
    const settings = (id: string) => ({
      node: { id, hostname: `${id}.test.moat` },
      state: { backend: 'redis', redis: { url: 'redis://127.0.0.1:6379/0', keyPrefix: prefix } },
      reputation: {
        rateLimits: { perSender: { count: 3, perSeconds: 3600 } },
        greylisting: { enabled: true, minDelaySeconds: 1 },
      },
      domains: [{ name: 'example.test', recipients: 'any', nextHop: { host: '127.0.0.1', port: sink.port, tls: 'none' } }],
    });
    nodes = [await startTestGateway(settings('node-a')), await startTestGateway(settings('node-b'))];
  });

  after(async () => {
    for (const node of nodes) await node.stop();
    await sink?.close();
    await deleteKeysWithPrefix(prefix);
  });

  it('counts a sender across both nodes and shares greylisting passes', async () => {
    const [a, b] = nodes as [TestGateway, TestGateway];
    const message = (n: number) => ({ from: 'bulk@partner.example', to: ['dave@example.test'], body: plainMessage({ from: 'bulk@partner.example', to: 'dave@example.test', subject: `shared ${n}` }) });

    // First attempt at node A is greylisted; the retry, a second later, at node B passes.
    const first = await sendMessage(a.smtpPort, message(1));
    assert.ok(first.rcpt[0]);
    assertReply(first.rcpt[0], 451, '4.7.1', 'greylisted at node A');
    await new Promise((wake) => setTimeout(wake, 1200));
    const retried = await sendMessage(b.smtpPort, message(2));
    assert.equal(retried.data?.code, 250, 'the retry at node B passes on node A\'s record');

    // The sender's limit is 3 transactions per hour for the whole installation: two were
    // counted above (one per node), one more at A is fine, the next at B is over.
    assert.equal((await sendMessage(a.smtpPort, message(3))).data?.code, 250);
    const over = await sendMessage(b.smtpPort, message(4));
    assertReply(over.mail, 451, '4.7.1', 'over the shared per-sender limit at node B');
  });
});
