import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { createLogger, createMetrics } from '../../src/observability/index.js';
import { createHttpServer } from '../../src/web/index.js';

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
