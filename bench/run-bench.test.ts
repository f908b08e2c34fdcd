/**
 * A real, tiny run of the benchmark: gateway process, corpus, sink. It checks
 * the numbers add up, and that nothing is left behind (process, temp folder),
 * also when the run is aborted half-way.
 */
import assert from 'node:assert/strict';
import { readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { describe, it } from 'node:test';
import { parseBenchArgs } from './args.js';
import { LoadConnection } from './load-client.js';
import { startCountingSink } from './sink.js';
import { startGatewayProcess } from './gateway-process.js';
import { runBench } from './run-bench.js';

async function benchDirs(): Promise<string[]> {
  return (await readdir(tmpdir())).filter((name) => name.startsWith('moat-bench-'));
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe('runBench', () => {
  it('accepts, times and delivers every message of a small run', async () => {
    const options = parseBenchArgs(['--connections', '2', '--messages', '30', '--warmup', '4', '--sample', '12']);
    const result = await runBench(options, new AbortController().signal);
    assert.equal(result.accepted, 30);
    assert.deepEqual(result.refused, {});
    assert.equal(result.dataLatencyMs.count, 30);
    assert.ok(result.dataLatencyMs.p50 > 0 && result.dataLatencyMs.p99 >= result.dataLatencyMs.p50);
    assert.ok(result.messagesPerSecond > 0);
    const verdictTotal = Object.values(result.verdicts).reduce((a, b) => a + b, 0);
    assert.equal(verdictTotal, 30, 'every measured message got exactly one verdict');
    assert.equal(result.endToEnd.complete, true);
    assert.equal(result.endToEnd.delivered, result.endToEnd.expected);
    assert.ok(result.gateway.peakRssMb > 10);
    assert.equal(result.corpus.messages, 12);
  });

  it('cleans up the gateway and its folder when aborted mid-run', async () => {
    const before = new Set(await benchDirs());
    const controller = new AbortController();
    const options = parseBenchArgs(['--connections', '2', '--messages', '100000', '--warmup', '0', '--sample', '12']);
    await assert.rejects(
      runBench(options, controller.signal, (line) => {
        if (line.startsWith('measuring')) setImmediate(() => controller.abort(new Error('test abort')));
      }),
    );
    assert.deepEqual((await benchDirs()).filter((name) => !before.has(name)), []);
  });
});

describe('startGatewayProcess', () => {
  it('serves SMTP and /metrics, and stop() ends the process', async () => {
    const sink = await startCountingSink('raw');
    const gateway = await startGatewayProcess({ sinkPort: sink.port, workers: 1, startTimeoutMs: 30_000 });
    try {
      assert.match(await gateway.metrics(), /moat_smtp_connections_total/);
      assert.ok(isRunning(gateway.pid));
      const memory = await gateway.memory();
      assert.ok((memory.vmHwmKb ?? 0) > 0);
      assert.ok((await gateway.cpuSeconds()) > 0);
      const client = await LoadConnection.open({ port: gateway.smtpPort, replyTimeoutMs: 10_000, heloName: 'client.test' });
      try {
        const message = { from: 'a@client.test', wire: Buffer.from('Subject: t\r\n\r\nx\r\n'), eightBit: false };
        const refused = await client.send({ ...message, recipient: 'u@elsewhere.test' });
        assert.equal(refused.code, 550, 'the gateway is no open relay');
        assert.equal(refused.latencyMs, undefined);
        const accepted = await client.send({ ...message, recipient: 'u@example.test' });
        assert.equal(accepted.code, 250);
        await sink.waitFor(1, 10_000);
      } finally {
        await client.quit();
      }
    } finally {
      await gateway.stop();
      await sink.close();
    }
    assert.equal(isRunning(gateway.pid), false);
  });

  it('reports a gateway that cannot start, with its output', async () => {
    const sink = await startCountingSink('raw');
    try {
      await assert.rejects(
        startGatewayProcess({ sinkPort: sink.port, workers: 1, startTimeoutMs: 30_000, overrides: { analysis: { workers: 0 } } }),
        /gateway exited/,
      );
    } finally {
      await sink.close();
    }
  });
});
