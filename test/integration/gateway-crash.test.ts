/**
 * kill -9: a gateway process is killed with SIGKILL while it holds
 * acknowledged mail (and while clients are mid-transaction). After a
 * restart on the same data folder every message that got `250` must be
 * delivered exactly once, and nothing may arrive twice.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { closedPort, startMoatProcess, type MoatProcess } from '../support/cli.js';
import { writeOperatorConfig } from '../support/gateway.js';
import { plainMessage } from '../support/messages.js';
import { spoolFiles } from '../support/replies.js';
import { startSink, type Sink } from '../support/sink.js';
import { sendMessage } from '../support/smtp-client.js';
import { waitUntil } from '../support/wait.js';
import { loadConfig } from '../../src/config/index.js';
import { openAdminServices } from '../../src/app/index.js';

interface Sent {
  readonly messageId: string;
  /** Set when the gateway answered 250. */
  queueId?: string | undefined;
}

/** Sends one message; records the queue id only if the final reply was 250. */
async function sendOne(port: number, sent: Sent[], n: number): Promise<boolean> {
  const entry: Sent = { messageId: `crash-${n}.${Date.now()}@sender.example` };
  sent.push(entry);
  try {
    const result = await sendMessage(port, { from: 'alice@sender.example', to: ['bob@example.test'], body: plainMessage({ subject: `crash ${n}`, messageId: entry.messageId }) });
    if (result.data?.code !== 250) return false;
    entry.queueId = /queued as ([0-9A-Z]{20})/.exec(result.data.text)?.[1];
    return entry.queueId !== undefined;
  } catch {
    return false; // the gateway died mid-transaction: not acknowledged
  }
}

/** Queue ids from the Received headers of everything the sink got, with counts. */
function deliveredCounts(sink: Sink): Map<string, number> {
  const counts = new Map<string, number>();
  for (const mail of sink.messages) {
    const queueId = /^Received: [^\r\n]*(?:\r\n\t[^\r\n]*)*?\r\n\tid ([0-9A-Z]{20})/.exec(mail.raw.toString('latin1'))?.[1] ?? 'unknown';
    counts.set(queueId, (counts.get(queueId) ?? 0) + 1);
  }
  return counts;
}

function messageIdCounts(sink: Sink): Map<string, number> {
  const counts = new Map<string, number>();
  for (const mail of sink.messages) {
    const id = /^Message-ID: <([^>]+)>/im.exec(mail.raw.toString('latin1'))?.[1] ?? 'none';
    counts.set(id, (counts.get(id) ?? 0) + 1);
  }
  return counts;
}

/** Waits until the restarted node has nothing left to deliver (queue empty, spool empty). */
async function waitDrained(configPath: string): Promise<void> {
  const { config } = await loadConfig({ operatorPath: configPath, env: {} });
  const admin = await openAdminServices(config);
  try {
    await waitUntil(async () => ((await admin.queue.depth()) === 0 ? true : undefined), 30_000, 'queue drained');
    await waitUntil(async () => ((await spoolFiles(config.dataDir, 'messages')).length === 0 ? true : undefined), 10_000, 'spool emptied');
    assert.deepEqual(await spoolFiles(config.dataDir, 'incoming'), []);
    assert.deepEqual(await spoolFiles(config.dataDir, 'corrupt'), []);
  } finally {
    await admin.close();
  }
}

describe('gateway killed with SIGKILL', () => {
  const cleanups: Array<() => Promise<void>> = [];

  after(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup();
  });

  async function setUp(): Promise<{ configPath: string; port: number }> {
    const dir = await mkdtemp(join(tmpdir(), 'moat-crash-'));
    cleanups.push(() => rm(dir, { recursive: true, force: true }));
    const port = await closedPort();
    const configPath = await writeOperatorConfig(dir, {
      domains: [{ name: 'example.test', recipients: 'any', nextHop: { host: '127.0.0.1', port, tls: 'none' } }],
      delivery: { connectTimeoutSeconds: 2 },
    });
    return { configPath, port };
  }

  async function start(configPath: string): Promise<MoatProcess> {
    const moat = await startMoatProcess(configPath);
    cleanups.push(() => moat.stop('SIGKILL'));
    return moat;
  }

  it('delivers every acknowledged message exactly once after a restart', async () => {
    const { configPath, port } = await setUp();
    const first = await start(configPath);
    const sent: Sent[] = [];
    for (let n = 0; n < 20; n++) assert.ok(await sendOne(first.smtpPort, sent, n), `message ${n} acknowledged`);
    await first.stop('SIGKILL');
    assert.equal(first.child.signalCode, 'SIGKILL');

    const sink = await startSink({}, port);
    cleanups.push(() => sink.close());
    const second = await start(configPath);
    await waitDrained(configPath);

    const counts = deliveredCounts(sink);
    for (const { queueId } of sent) assert.equal(counts.get(queueId as string), 1, `${queueId} delivered once`);
    assert.equal(sink.messages.length, sent.length, 'and nothing else');
    await second.stop('SIGTERM');
    assert.equal(second.child.exitCode, 0, second.stderr());
  });

  it('delivers every acknowledged message once when killed in the middle of a burst', async () => {
    const { configPath, port } = await setUp();
    const first = await start(configPath);
    const sent: Sent[] = [];
    let acknowledged = 0;
    let killed = false;
    let n = 0;
    const killAfter = 12;
    // Four clients send in parallel; the kill lands while the others are mid-transaction.
    const clients = Array.from({ length: 4 }, async () => {
      while (!killed) {
        if (await sendOne(first.smtpPort, sent, n++)) {
          acknowledged++;
          if (acknowledged === killAfter) {
            killed = true;
            first.child.kill('SIGKILL');
          }
        } else if (killed) {
          break;
        }
      }
    });
    await Promise.all(clients);
    await first.exited;
    const acked = sent.filter((s) => s.queueId !== undefined);
    assert.ok(acked.length >= killAfter);
    assert.ok(sent.length > acked.length, 'some transactions were cut off by the kill');

    const sink = await startSink({}, port);
    cleanups.push(() => sink.close());
    const second = await start(configPath);
    await waitDrained(configPath);

    const counts = deliveredCounts(sink);
    for (const { queueId } of acked) assert.equal(counts.get(queueId as string), 1, `${queueId} delivered once`);
    for (const [queueId, count] of counts) assert.equal(count, 1, `${queueId} arrived ${count} times`);
    const known = new Set(sent.map((s) => s.messageId));
    for (const [messageId, count] of messageIdCounts(sink)) {
      assert.ok(known.has(messageId), `unexpected message ${messageId}`);
      assert.equal(count, 1, `${messageId} arrived ${count} times`);
    }
    await second.stop('SIGTERM');
  });
});
