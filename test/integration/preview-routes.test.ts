/**
 * The preview routes through Fastify's inject, behind the real authenticator
 * (users and API tokens in SQLite) and with previews made by the real worker
 * pool: the HTML document carries the sandboxing CSP and the other headers,
 * holds only sanitised markup, another organization's message answers 404,
 * an anonymous caller 401 and a token without quarantine:read 403.
 */
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import fastifyCookie from '@fastify/cookie';
import Fastify, { type FastifyInstance } from 'fastify';
import { generateApiToken, hashPassword, type Role } from '../../src/access/index.js';
import { createPreviewPool, type PreviewPool } from '../../src/analysis/index.js';
import { MoatError } from '../../src/core/index.js';
import { createApiTokensStore, createAuditLog, createSessionsStore, createUsersStore, openSqliteStorage, syncOrganizations, type Storage } from '../../src/storage/index.js';
import { registerApiRoutes } from '../../src/web/api-route.js';
import { previewRoutes } from '../../src/web/api/preview.js';
import { createAuthenticator } from '../../src/web/authenticate.js';
import type { PreviewPort } from '../../src/web/preview-ports.js';

const FIXTURES = new URL('../../../test/fixtures/hostile-ui/', import.meta.url);
const ACME_MAIL = 'A0000000000000000001';
const GLOBEX_MAIL = 'G0000000000000000001';
const BROKEN_MAIL = 'B0000000000000000001';

describe('preview routes', () => {
  let dir: string;
  let storage: Storage;
  let pool: PreviewPool;
  let app: FastifyInstance;
  const tokens = new Map<string, string>();

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'moat-preview-routes-'));
    storage = await openSqliteStorage({ path: join(dir, 'moat.db') });
    const organizations = await syncOrganizations(storage.db, ['acme', 'globex']);
    const acme = organizations.get('acme') as number;
    const globex = organizations.get('globex') as number;
    const ports = { users: createUsersStore(storage.db), sessions: createSessionsStore(storage.db), tokens: createApiTokensStore(storage.db), audit: createAuditLog(storage.db) };
    const hash = await hashPassword('correct horse battery staple');
    const people: Array<[string, Role, number | null, string[] | undefined]> = [
      ['ana', 'analyst', null, undefined],
      ['acme-boss', 'org-admin', acme, undefined],
      ['reader', 'analyst', null, ['messages:read']],
    ];
    for (const [username, role, organizationId, scopes] of people) {
      const user = await ports.users.create({ username, passwordHash: hash, role, organizationId, at: new Date() });
      const generated = generateApiToken();
      await ports.tokens.create({ userId: user.id, name: 'test', tokenHash: generated.hash, prefix: generated.prefix, at: new Date(), ...(scopes === undefined ? {} : { scopes }) });
      tokens.set(username, generated.token);
    }

    pool = createPreviewPool({ timeBudgetMs: 10_000, workerHeapMb: 256, limits: { maxMessageBytes: 10 * 1024 * 1024, maxMimeParts: 100, maxMimeDepth: 10 } });
    // The held messages: what app/ reads through the quarantine's show() and openBody().
    const held = new Map<string, { organizationId: number; file: string }>([
      [ACME_MAIL, { organizationId: acme, file: 'headers-and-names.eml' }],
      [GLOBEX_MAIL, { organizationId: globex, file: 'urls.eml' }],
    ]);
    const port: PreviewPort = {
      owner: async (queueId) => (queueId === BROKEN_MAIL ? acme : held.get(queueId)?.organizationId),
      async preview(queueId, options) {
        if (queueId === BROKEN_MAIL) throw new MoatError('PREVIEW_TIMEOUT', 'the preview exceeded its time budget of 1 ms');
        const entry = held.get(queueId);
        if (entry === undefined) return undefined;
        return pool.preview(await readFile(new URL(entry.file, FIXTURES)), options);
      },
    };
    app = Fastify();
    // As createHttpServer does: sessions are read from the cookie when no bearer token comes.
    await app.register(fastifyCookie);
    registerApiRoutes(app, previewRoutes({ preview: port }), { authenticator: createAuthenticator({ ports, sessions: { idleMinutes: 30, maxHours: 12 } }), audit: ports.audit });
    await app.ready();
  });

  after(async () => {
    await app?.close();
    await pool?.close();
    await storage?.close();
    await rm(dir, { recursive: true, force: true });
  });

  const get = (url: string, who?: string) => app.inject({ method: 'GET', url, headers: who === undefined ? {} : { authorization: `Bearer ${tokens.get(who) ?? ''}` } });

  it('serves the preview document with a sandboxing CSP and locked-down headers', async () => {
    const res = await get(`/api/v1/quarantine/${ACME_MAIL}/preview.html`, 'ana');
    assert.equal(res.statusCode, 200, res.body);
    assert.equal(res.headers['content-type'], 'text/html; charset=utf-8');
    assert.equal(res.headers['content-security-policy'], "sandbox; default-src 'none'; img-src data:; form-action 'none'; base-uri 'none'; frame-ancestors 'self'");
    assert.equal(res.headers['x-content-type-options'], 'nosniff');
    assert.equal(res.headers['referrer-policy'], 'no-referrer');
    assert.equal(res.headers['cache-control'], 'no-store');
    assert.equal(res.headers['cross-origin-resource-policy'], 'same-origin');
    assert.equal(res.headers['x-frame-options'], 'SAMEORIGIN');
    // Header values and attachment names with HTML are text in the document, never markup.
    assert.match(res.body, /<dt>From<\/dt><dd>&quot;&lt;img src=x onerror=alert\(1\)&gt;Support&quot; &lt;support@evil\.example&gt;<\/dd>/u);
    assert.match(res.body, /<dt>Subject<\/dt><dd>&lt;script&gt;alert\(&quot;subject&quot;\)&lt;\/script&gt; invoice \\u\{202e\}fdp\.exe<\/dd>/u);
    assert.match(res.body, /<li>&lt;img src=x onerror=alert\(5\)&gt;\.pdf \(application\/pdf, 19 bytes/u);
    assert.match(res.body, /<li>invoice\\u\{202e\}gpj\.exe /u);
    assert.doesNotMatch(res.body, /<script|<img|<style|[\u202a-\u202e\u2066-\u2069]/u);
    assert.match(res.body, /<main><p>Open <b>invoice\\u\{202e\}gpj\.exe<\/b> now<\/p>/u);
  });

  it('allows remote images in the CSP only when asked, and links then open a new tab at most', async () => {
    const local = await get(`/api/v1/quarantine/${GLOBEX_MAIL}/preview.html?remote=false`, 'ana');
    assert.equal(local.statusCode, 200);
    assert.doesNotMatch(local.headers['content-security-policy'] as string, /https:|http:|allow-/u);
    assert.doesNotMatch(local.body, /src="https?:|href=/u);
    const remote = await get(`/api/v1/quarantine/${GLOBEX_MAIL}/preview.html?remote=true`, 'ana');
    assert.equal(remote.headers['content-security-policy'], "sandbox allow-popups allow-popups-to-escape-sandbox; default-src 'none'; img-src data: https: http:; form-action 'none'; base-uri 'none'; frame-ancestors 'self'");
    assert.match(remote.body, /<img width="1" height="1" src="https:\/\/tracker\.example\/p\.gif\?u=victim" \/>/u);
    assert.doesNotMatch(remote.body, /javascript:|data:text/u);
  });

  it('serves the preview as JSON', async () => {
    const res = await get(`/api/v1/quarantine/${GLOBEX_MAIL}/preview`, 'ana');
    assert.equal(res.statusCode, 200, res.body);
    assert.equal(res.headers['cache-control'], 'no-store');
    const body = res.json() as { queueId: string; preview: { remoteContent: boolean; notes: { linksNeutralised: number; unsafeUrls: number }; attachments: unknown[] } };
    assert.equal(body.queueId, GLOBEX_MAIL);
    assert.equal(body.preview.remoteContent, false);
    assert.equal(body.preview.notes.unsafeUrls, 8);
    assert.equal(body.preview.notes.linksNeutralised, 2);
    assert.equal(body.preview.attachments.length, 2);
    assert.equal((await get(`/api/v1/quarantine/${GLOBEX_MAIL}/preview?remote=true`, 'ana')).json().preview.remoteContent, true);
  });

  it('keeps organization administrators in their organization: another one\'s message does not exist', async () => {
    for (const suffix of ['preview', 'preview.html']) {
      assert.equal((await get(`/api/v1/quarantine/${ACME_MAIL}/${suffix}`, 'acme-boss')).statusCode, 200);
      const other = await get(`/api/v1/quarantine/${GLOBEX_MAIL}/${suffix}`, 'acme-boss');
      assert.equal(other.statusCode, 404);
      assert.doesNotMatch(other.body, /tracker|evil/u);
      assert.equal((await get(`/api/v1/quarantine/ZZZZZZZZZZZZZZZZZZZZ/${suffix}`, 'ana')).statusCode, 404);
    }
  });

  it('refuses anonymous callers, made-up tokens and tokens without quarantine:read', async () => {
    for (const suffix of ['preview', 'preview.html']) {
      const url = `/api/v1/quarantine/${ACME_MAIL}/${suffix}`;
      const anonymous = await get(url);
      assert.equal(anonymous.statusCode, 401);
      assert.equal(anonymous.headers['content-security-policy'], undefined);
      assert.doesNotMatch(anonymous.body, /evil/u);
      assert.equal((await app.inject({ method: 'GET', url, headers: { authorization: 'Bearer moat_not-a-real-token' } })).statusCode, 401);
      assert.equal((await get(url, 'reader')).statusCode, 403);
    }
  });

  it('validates its input and answers 422 when the message cannot be previewed within the limits', async () => {
    assert.equal((await get('/api/v1/quarantine/not-a-queue-id/preview', 'ana')).statusCode, 400);
    assert.equal((await get(`/api/v1/quarantine/${ACME_MAIL}/preview?remote=maybe`, 'ana')).statusCode, 400);
    const broken = await get(`/api/v1/quarantine/${BROKEN_MAIL}/preview.html`, 'ana');
    assert.equal(broken.statusCode, 422);
    assert.doesNotMatch(broken.body, /1 ms/u);
  });
});
