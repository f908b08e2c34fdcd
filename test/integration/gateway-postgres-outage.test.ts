/**
 * PostgreSQL lost while the gateway runs (a real server behind a loopback
 * proxy the test cuts, as a network partition would): new mail is deferred
 * with 451 and leaves nothing behind, mail acknowledged before the outage
 * stays in the spool and queue and is delivered exactly once when the
 * database returns, and new mail is accepted again without a restart.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { closedPort } from '../support/cli.js';
import { startTestGateway, type TestGateway } from '../support/gateway.js';
import { plainMessage } from '../support/messages.js';
import { queueIdOf, spoolFiles } from '../support/replies.js';
import { startSink, type Sink } from '../support/sink.js';
import { sendMessage } from '../support/smtp-client.js';
import { dropSchema, POSTGRES_DATABASE, POSTGRES_HOST, POSTGRES_PORT, POSTGRES_USER, postgresUnavailableReason, uniqueSchemaName } from '../support/storage-engines.js';
import { startTcpProxy, type TcpProxy } from '../support/tcp-proxy.js';
import { waitUntil } from '../support/wait.js';

const unavailable = await postgresUnavailableReason();

describe('PostgreSQL lost while running', { skip: unavailable }, () => {
  const schema = uniqueSchemaName('outage');
  let proxy: TcpProxy;
  let moat: TestGateway;
  let sink: Sink | undefined;
  let nextHopPort: number;

  before(async () => {
    proxy = await startTcpProxy({ host: POSTGRES_HOST, port: POSTGRES_PORT });
    // The next hop is down at first, so the first message stays queued across the outage.
    nextHopPort = await closedPort();
    moat = await startTestGateway({
      storage: {
        backend: 'postgres',
        postgres: { url: `postgres://${POSTGRES_USER}@127.0.0.1:${proxy.port}/${POSTGRES_DATABASE}`, schema, connectTimeoutMs: 1000, statementTimeoutMs: 5000 },
      },
      domains: [{ name: 'example.test', recipients: 'any', nextHop: { host: '127.0.0.1', port: nextHopPort, tls: 'none' } }],
      delivery: { retry: { initialSeconds: 1, maxSeconds: 1, factor: 1 }, connectTimeoutSeconds: 2 },
    });
  });

  after(async () => {
    await moat?.stop();
    await sink?.close();
    await proxy?.close();
    await dropSchema(schema);
  });

  const send = (subject: string) => sendMessage(moat.smtpPort, { from: 'alice@partner.example', to: ['bob@example.test'], body: plainMessage({ subject }) });

  it('defers new mail, keeps what it acknowledged, and recovers when the database returns', async () => {
    const before = queueIdOf((await send('acknowledged before the outage')).data);

    await proxy.cut();
    const during = await send('sent during the outage');
    assert.equal(during.data?.code, 451, `deferred, not accepted: ${during.data?.code} ${during.data?.text}`);
    assert.match(during.data?.text ?? '', /^4\.3\.0 /);
    // Nothing half-kept: the deferred message left no spool file (the sender retries it).
    assert.deepEqual(await spoolFiles(moat.dataDir, 'incoming'), []);
    const spooled = await spoolFiles(moat.dataDir, 'messages');
    assert.ok(
      spooled.some((f) => f.startsWith(before)),
      'the acknowledged message is still in the spool',
    );
    assert.equal(spooled.filter((f) => f.endsWith('.eml')).length, 1, `only the acknowledged one: ${spooled.join(', ')}`);

    await proxy.restore();
    sink = await startSink({}, nextHopPort);
    // The pool reconnects on its own: new mail is accepted again without a restart.
    const after = await waitUntil(async () => {
      const result = await send('sent after the outage');
      return result.data?.code === 250 ? queueIdOf(result.data) : undefined;
    }, 20_000, 'new mail accepted after the outage');

    const current = sink;
    await waitUntil(() => (current.messages.length >= 2 ? true : undefined), 20_000, 'both acknowledged messages delivered');
    const subjects = current.messages.map((m) => /^Subject: (.*)$/m.exec(m.raw.toString())?.[1]?.trim());
    assert.deepEqual(subjects.sort(), ['acknowledged before the outage', 'sent after the outage']);
    assert.notEqual(before, after);
    await waitUntil(async () => ((await spoolFiles(moat.dataDir, 'messages')).length === 0 ? true : undefined), 10_000, 'spool emptied');
    assert.equal(current.messages.length, 2, 'each delivered exactly once');
  });
});
