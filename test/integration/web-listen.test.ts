import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { createLogger, createMetrics } from '../../src/observability/index.js';
import { createHttpServer } from '../../src/web/index.js';
import { rm } from 'node:fs/promises';
import { startMoatProcess } from '../support/cli.js';
import { makeDataDir, writeOperatorConfig } from '../support/gateway.js';
import { waitUntil } from '../support/wait.js';

describe('HTTP server on a real socket', () => {
  it('does not listen until asked, then serves /healthz and /metrics on loopback', async () => {
    const metrics = createMetrics();
    metrics.setQueueDepthSource(async () => 4);
    let healthy = true;
    const app = createHttpServer({
      logger: createLogger({ level: 'silent' }),
      metrics,
      health: async () => ({ checks: { spool: { ok: healthy } } }),
    });
    await app.ready();
    assert.equal(app.server.listening, false, 'the factory must not open a socket');
    await app.listen({ host: '127.0.0.1', port: 0 });
    try {
      const { port } = app.server.address() as AddressInfo;
      const base = `http://127.0.0.1:${port}`;
      const signal = AbortSignal.timeout(5000);

      const ok = await fetch(`${base}/healthz`, { signal });
      assert.equal(ok.status, 200);
      assert.deepEqual(await ok.json(), { status: 'ok', checks: { spool: 'ok' } });

      healthy = false;
      const failing = await fetch(`${base}/healthz`, { signal });
      assert.equal(failing.status, 503);
      assert.deepEqual(await failing.json(), { status: 'fail', failing: ['spool'], checks: { spool: 'fail' } });

      const scrape = await fetch(`${base}/metrics`, { signal });
      assert.equal(scrape.status, 200);
      const text = await scrape.text();
      assert.match(text, /^moat_queue_depth 4$/m);
    } finally {
      await app.close();
    }
  });
});

describe('moat start and the first administrator', () => {
  it('creates admin once, prints its password once, and that password signs in over HTTP', async () => {
    const dir = await makeDataDir();
    try {
      const configPath = await writeOperatorConfig(dir);
      const first = await startMoatProcess(configPath);
      let password: string | undefined;
      try {
        await waitUntil(() => (/created user admin with password (\S+) /.exec(first.stderr())?.[1] !== undefined ? true : undefined), 5000, 'password line');
        password = /created user admin with password (\S+) /.exec(first.stderr())?.[1];
        assert.ok(password !== undefined && password.length >= 20);
        const base = `http://127.0.0.1:${first.httpPort}`;
        const login = await fetch(`${base}/api/v1/session`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'admin', password }), signal: AbortSignal.timeout(5000) });
        assert.equal(login.status, 200);
        assert.match(login.headers.get('set-cookie') ?? '', /^moat_session=[^;]+;.*HttpOnly/i);
        const wrong = await fetch(`${base}/api/v1/session`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'admin', password: `${password}x` }), signal: AbortSignal.timeout(5000) });
        assert.equal(wrong.status, 401);
      } finally {
        await first.stop('SIGTERM');
      }
      const second = await startMoatProcess(configPath);
      await second.stop('SIGTERM');
      assert.doesNotMatch(second.stderr(), /created user admin/, 'the second start has nothing to print');
      assert.ok(password !== undefined && !second.stderr().includes(password) && !first.stderr().replace(/created user admin with password \S+/, '').includes(password), 'printed once, never logged');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
