/**
 * The API's description and route table as golden files: docs/openapi.json
 * is what GET /api/docs serves with every part of the API present, and
 * docs/routes.txt lists each route with its auth and audit action. A route
 * added, removed or changed in auth shows up here as a diff to review.
 * `MOAT_UPDATE_GOLDEN=1` rewrites both after a deliberate change.
 */
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { createLogger, createMetrics } from '../../src/observability/index.js';
import { createApiTokensStore, createAuditLog, createSessionsStore, createUsersStore, openSqliteStorage, type Storage } from '../../src/storage/index.js';
import { apiRoutes, createHttpServer, type HttpServerOptions } from '../../src/web/index.js';

const DOCS = fileURLToPath(new URL('../../../docs/', import.meta.url));
const UPDATE = process.env['MOAT_UPDATE_GOLDEN'] === '1';

const notCalled = (): never => {
  throw new Error('the description is built from the routes alone');
};

describe('API description and route table (golden files)', () => {
  let dir: string;
  let storage: Storage;
  let app: FastifyInstance;
  let options: HttpServerOptions;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'moat-openapi-'));
    storage = await openSqliteStorage({ path: join(dir, 'moat.db') });
    options = {
      logger: createLogger({ level: 'silent' }),
      metrics: createMetrics(),
      health: async () => ({ checks: {} }),
      access: {
        ports: { users: createUsersStore(storage.db), sessions: createSessionsStore(storage.db), tokens: createApiTokensStore(storage.db), audit: createAuditLog(storage.db) },
        sessions: { idleMinutes: 30, maxHours: 12 },
        login: { maxFailures: 5, lockMinutes: 15, perAddressPerMinute: 20 },
        issuer: 'Moat',
      },
      mail: {
        messages: { search: notCalled, get: notCalled },
        quarantine: { list: notCalled, show: notCalled, release: notCalled, delete: notCalled, confirm: notCalled, download: notCalled },
      },
      policy: { organizations: notCalled, readOnlyReason: () => undefined, current: notCalled, history: notCalled, replace: notCalled },
      dashboard: { figures: notCalled, health: notCalled, engines: notCalled },
      preview: { owner: notCalled, preview: notCalled },
      intel: { list: notCalled, add: notCalled, importFeed: notCalled, expire: notCalled },
      hunts: { list: notCalled, get: notCalled, run: notCalled },
      campaigns: { list: notCalled, detail: notCalled, exportCsv: notCalled, exportStix: notCalled, update: notCalled, merge: notCalled, split: notCalled, recluster: notCalled },
      feeds: { list: notCalled, poll: notCalled },
    };
    app = createHttpServer(options);
    await app.ready();
  });

  after(async () => {
    await app?.close();
    await storage?.close();
    await rm(dir, { recursive: true, force: true });
  });

  async function golden(name: string, actual: string): Promise<void> {
    const path = join(DOCS, name);
    if (UPDATE) await writeFile(path, actual);
    assert.equal(actual, await readFile(path, 'utf8'), `${name} differs from the API: review the change, then MOAT_UPDATE_GOLDEN=1`);
  }

  it('serves the description docs/openapi.json holds, every non-open route with its security', async () => {
    const res = await app.inject({ method: 'GET', url: '/api/docs' });
    assert.equal(res.statusCode, 200);
    const doc = res.json() as { paths: Record<string, Record<string, { security?: unknown[]; summary?: string }>> };
    const open = new Set(apiRoutes(app, options).filter((r) => r.auth === 'none').map((r) => `${r.method.toLowerCase()} ${r.url.replace(/:(\w+)/g, '{$1}')}`));
    for (const [path, methods] of Object.entries(doc.paths)) {
      for (const [method, operation] of Object.entries(methods)) {
        assert.ok(operation.summary, `${method} ${path} has a summary`);
        if (!open.has(`${method} ${path}`)) assert.ok((operation.security ?? []).length > 0, `${method} ${path} declares its security`);
      }
    }
    await golden('openapi.json', `${JSON.stringify(doc, null, 2)}\n`);
  });

  it('lists every route with its auth and audit action as docs/routes.txt holds', async () => {
    const lines = apiRoutes(app, options).map((r) => `${r.method.padEnd(6)} ${r.url.padEnd(44)} auth=${r.auth}${r.audit === undefined ? '' : ` audit=${r.audit}`}`);
    await golden('routes.txt', `${lines.join('\n')}\n`);
  });
});
