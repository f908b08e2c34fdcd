import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { createLogger, createMetrics } from '../observability/index.js';
import { apiRoutes, createHttpServer } from './http-server.js';
import type { HealthReport, HttpServerOptions } from './http-server.js';

function logSink(): { stream: Writable; text: () => string } {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      chunks.push(chunk.toString('utf8'));
      callback();
    },
  });
  return { stream, text: () => chunks.join('') };
}

function build(health: () => Promise<HealthReport>, extra: Partial<HttpServerOptions> = {}) {
  const sink = logSink();
  const app = createHttpServer({ logger: createLogger({ level: 'debug', destination: sink.stream }), metrics: createMetrics(), health, ...extra });
  return { app, logs: sink.text };
}

describe('GET /healthz', () => {
  it('answers 200 with every check ok', async () => {
    const { app } = build(async () => ({ checks: { spool: { ok: true }, database: { ok: true } } }));
    const res = await app.inject({ method: 'GET', url: '/healthz' });
    assert.equal(res.statusCode, 200);
    assert.deepEqual(res.json(), { status: 'ok', checks: { spool: 'ok', database: 'ok' } });
    await app.close();
  });

  it('answers 503 naming the failing check, and keeps the detail in the log only', async () => {
    const { app, logs } = build(async () => ({ checks: { spool: { ok: true }, database: { ok: false, detail: 'SQLITE_CANTOPEN /var/lib/moat/moat.db' } } }));
    const res = await app.inject({ method: 'GET', url: '/healthz' });
    assert.equal(res.statusCode, 503);
    assert.deepEqual(res.json(), { status: 'fail', failing: ['database'], checks: { spool: 'ok', database: 'fail' } });
    assert.ok(!res.body.includes('SQLITE_CANTOPEN'));
    assert.ok(logs().includes('SQLITE_CANTOPEN'));
    await app.close();
  });

  it('answers 503 when the health function throws', async () => {
    const { app } = build(async () => {
      throw new Error('boom');
    });
    const res = await app.inject({ method: 'GET', url: '/healthz' });
    assert.equal(res.statusCode, 503);
    assert.deepEqual(res.json(), { status: 'fail', failing: ['health'], checks: { health: 'fail' } });
    await app.close();
  });

  it('answers 503 when the health function never settles', async () => {
    const { app, logs } = build(() => new Promise<HealthReport>(() => undefined), { healthTimeoutMs: 20 });
    const res = await app.inject({ method: 'GET', url: '/healthz' });
    assert.equal(res.statusCode, 503);
    assert.match(logs(), /HEALTH_TIMEOUT/);
    await app.close();
  });
});

describe('GET /metrics', () => {
  it('serves the Prometheus text format with Moat metric names', async () => {
    const { app } = build(async () => ({ checks: {} }));
    const res = await app.inject({ method: 'GET', url: '/metrics' });
    assert.equal(res.statusCode, 200);
    assert.match(String(res.headers['content-type']), /^text\/plain; version=0\.0\.4/);
    for (const name of ['moat_smtp_connections_total', 'moat_messages_total', 'moat_analysis_seconds', 'moat_queue_depth', 'moat_delivery_total']) {
      assert.ok(res.body.includes(`# TYPE ${name} `), name);
    }
    await app.close();
  });
});

describe('route auth', () => {
  it('declares auth for every system route', async () => {
    const { app } = build(async () => ({ checks: {} }));
    const routes = apiRoutes(app, { logger: createLogger({ level: 'silent' }), metrics: createMetrics(), health: async () => ({ checks: {} }) });
    assert.deepEqual(
      routes.map((route) => `${route.method} ${route.url} auth=${route.auth}`),
      ['GET /healthz auth=none', 'GET /metrics auth=none', 'GET /api/docs auth=none', 'POST /api/v1/reload auth=system:write'],
    );
    for (const route of routes.filter((r) => r.auth === 'none')) assert.ok((route.authReason ?? '').length > 0, route.url);
    await app.close();
  });

  it('refuses reload to an anonymous caller, a wrong token and any caller when no token is configured', async () => {
    const token = 'a'.repeat(40);
    let reloads = 0;
    const reload = async () => {
      reloads += 1;
      return { ok: true, parts: { policy: { ok: true, detail: 'revision 1 (unchanged)' } } };
    };
    const { app, logs } = build(async () => ({ checks: {} }), { adminToken: token, reload });
    const unconfigured = build(async () => ({ checks: {} }), { reload }).app;
    const call = (target: typeof app, authorization?: string) =>
      target.inject({ method: 'POST', url: '/api/v1/reload', headers: authorization === undefined ? {} : { authorization } });
    for (const authorization of [undefined, `Bearer ${'b'.repeat(40)}`, `Bearer ${token}x`, `Basic ${token}`, `Bearer ${token} `]) {
      const res = await call(app, authorization);
      assert.equal(res.statusCode, 401, String(authorization));
      assert.equal(res.headers['www-authenticate'], 'Bearer realm="moat"');
    }
    assert.equal((await call(unconfigured, `Bearer ${token}`)).statusCode, 401);
    assert.equal(reloads, 0, 'no handler ran for a refused caller');
    const ok = await call(app, `Bearer ${token}`);
    assert.equal(ok.statusCode, 200);
    assert.equal(reloads, 1);
    // Without a database the audit trail is the log: the refusals and the reload are in it.
    assert.match(logs(), /"action":"system\.reload"[^\n]*"outcome":"denied"/);
    assert.match(logs(), /"action":"system\.reload"[^\n]*"outcome":"ok"/);
    assert.ok(!logs().includes(token), 'the token never reaches the log');
    await app.close();
    await unconfigured.close();
  });

  it('serves the OpenAPI document generated from the routes', async () => {
    const { app } = build(async () => ({ checks: {} }));
    const res = await app.inject({ method: 'GET', url: '/api/docs' });
    assert.equal(res.statusCode, 200);
    const doc = res.json() as { openapi: string; paths: Record<string, Record<string, { security?: unknown }>> };
    assert.match(doc.openapi, /^3\./);
    assert.ok(doc.paths['/api/v1/reload']?.['post']?.security, 'the reload route declares its security');
    assert.equal(doc.paths['/healthz']?.['get']?.security, undefined);
    await app.close();
  });

  it('answers 409 with the refusal when a reload is refused', async () => {
    const token = 'c'.repeat(40);
    const { app } = build(async () => ({ checks: {} }), {
      adminToken: token,
      reload: async () => ({ ok: false, parts: { yara: { ok: false, detail: 'rules/x.yar: syntax error' } } }),
    });
    const res = await app.inject({ method: 'POST', url: '/api/v1/reload', headers: { authorization: `Bearer ${token}` } });
    assert.equal(res.statusCode, 409);
    assert.deepEqual(res.json(), { ok: false, parts: { yara: { ok: false, detail: 'rules/x.yar: syntax error' } } });
    await app.close();
  });

  it('registers every route and refuses a route without declared auth', async () => {
    const { app } = build(async () => ({ checks: {} }));
    await app.ready();
    for (const route of apiRoutes(app, { logger: createLogger({ level: 'silent' }), metrics: createMetrics(), health: async () => ({ checks: {} }) })) {
      assert.ok(app.hasRoute({ method: route.method, url: route.url }), route.url);
    }
    await app.close();

    const fresh = build(async () => ({ checks: {} })).app;
    assert.throws(() => fresh.get('/undeclared', async () => 'x'), { code: 'ROUTE_AUTH_MISSING' });
    fresh.route({ method: 'GET', url: '/declared', config: { auth: 'none' }, handler: async () => 'x' });
    await fresh.close();
  });

  it('does not leak internal error messages', async () => {
    const { app } = build(async () => ({ checks: {} }));
    app.route({
      method: 'GET',
      url: '/explode',
      config: { auth: 'none' },
      handler: async () => {
        throw new Error('secret internal path /etc/moat');
      },
    });
    const res = await app.inject({ method: 'GET', url: '/explode' });
    assert.equal(res.statusCode, 500);
    assert.ok(!res.body.includes('/etc/moat'));
    await app.close();
  });
});
