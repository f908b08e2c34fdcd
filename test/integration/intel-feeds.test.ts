/**
 * TAXII feeds end to end against the test TAXII server on loopback: a poll
 * pages through a collection and stores its indicators (attribution from the
 * relationships) through the import path; the next poll asks for what was
 * added after the last stored page; every fault mode fails with its code, is
 * recorded, stores nothing and keeps added_after; two pollers on one
 * PostgreSQL schema poll a feed once; a gateway polls a configured feed by
 * itself; and `moat intel poll` / `moat intel feeds` report the same.
 */
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createIntelFeeds, openAdminServices, type FeedPollResult, type IntelFeeds } from '../../src/app/index.js';
import { startIntelService, type IntelService } from '../../src/app/intel-service.js';
import { loadConfig, type MoatConfig } from '../../src/config/index.js';
import { createLogger } from '../../src/observability/index.js';
import { createIndicatorsStore, createIntelFeedsStore, openSqliteStorage, type IndicatorsStore, type IntelFeedsStore, type Storage } from '../../src/storage/index.js';
import { runCliInProcess } from '../support/cli.js';
import { startTestGateway, writeOperatorConfig } from '../support/gateway.js';
import { STORAGE_ENGINES } from '../support/storage-engines.js';
import { startTaxiiServer, stixIndicates, stixIndicator, type TaxiiEntry, type TaxiiFault, type TestTaxiiServer } from '../support/taxii-server.js';
import { waitUntil } from '../support/wait.js';

const USER = 'moat';
const PASSWORD = 'feed-secret';
const HASH = 'a'.repeat(64);
const ACTOR = 'threat-actor--0c2f4e8a-7d1b-4c3e-9f5a-2b6d8e0a1c31';
const CAMPAIGN = 'campaign--7e3a9b1c-5d2f-4a8e-b6c0-1f4d2e8a9c41';
const uuid = (n: number): string => `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;
const added = (second: number): string => `2025-05-01T00:00:${String(second).padStart(2, '0')}.000Z`;

/** The first delivery: an actor, a campaign, a hash and a domain attributed to both, and a pattern Moat cannot load. */
function firstEntries(): TaxiiEntry[] {
  const objects: Record<string, unknown>[] = [
    { type: 'threat-actor', spec_version: '2.1', id: ACTOR, created: '2025-05-01T00:00:00.000Z', modified: '2025-05-01T00:00:00.000Z', name: 'UNC-TEST' },
    { type: 'campaign', spec_version: '2.1', id: CAMPAIGN, created: '2025-05-01T00:00:00.000Z', modified: '2025-05-01T00:00:00.000Z', name: 'Test campaign' },
    stixIndicator(uuid(1), `[file:hashes.'SHA-256' = '${HASH}']`, { name: 'dropper' }),
    stixIndicator(uuid(2), "[domain-name:value = 'evil-feed.example']"),
    stixIndicator(uuid(3), "[process:name = 'evil.exe']"),
    stixIndicates(uuid(11), uuid(1), ACTOR),
    stixIndicates(uuid(12), uuid(1), CAMPAIGN),
    stixIndicates(uuid(13), uuid(2), ACTOR),
  ];
  return objects.map((object, index) => ({ dateAdded: added(index + 1), object }));
}

function feedConfig(server: TestTaxiiServer, name: string, more: Record<string, unknown> = {}): Record<string, unknown> {
  return { name, url: server.collectionUrl(`c-${name}`), username: USER, password: PASSWORD, pageSize: 3, ...more };
}

interface Harness {
  readonly config: MoatConfig;
  readonly storage: Storage;
  readonly indicators: IndicatorsStore;
  readonly feedState: IntelFeedsStore;
  readonly intel: IntelService;
  readonly feeds: IntelFeeds;
  close(): Promise<void>;
}

async function openHarness(dir: string, feeds: readonly Record<string, unknown>[], storage: Storage, node = 'node-a'): Promise<Harness> {
  await mkdir(dir, { recursive: true });
  const configPath = await writeOperatorConfig(dir, { intel: { feeds } });
  const { config } = await loadConfig({ operatorPath: configPath, env: {} });
  const logger = createLogger({ level: 'silent' });
  const indicators = createIndicatorsStore(storage.db);
  const intel = await startIntelService({ config, store: indicators, logger });
  const feedState = createIntelFeedsStore(storage.db);
  const poller = createIntelFeeds({ feeds: config.intel.feeds, store: feedState, storeRows: (rows, by) => intel.importRows(rows, by), node, logger });
  return {
    config,
    storage,
    indicators,
    feedState,
    intel,
    feeds: poller,
    async close() {
      await poller.stop();
      await intel.stop();
    },
  };
}

function ok(result: FeedPollResult): Extract<FeedPollResult, { status: 'ok' }> {
  assert.equal(result.status, 'ok', JSON.stringify(result));
  return result as Extract<FeedPollResult, { status: 'ok' }>;
}

describe('TAXII feeds', () => {
  let server: TestTaxiiServer;
  let dir: string;
  let storage: Storage;
  let h: Harness;

  before(async () => {
    server = await startTaxiiServer({ username: USER, password: PASSWORD });
    dir = await mkdtemp(join(tmpdir(), 'moat-feeds-'));
    storage = await openSqliteStorage({ path: join(dir, 'moat.db') });
    server.addObjects('c-main', firstEntries());
    h = await openHarness(
      dir,
      [
        feedConfig(server, 'main'),
        feedConfig(server, 'faulty', { timeoutSeconds: 1, maxBytesPerPage: 65_536 }),
        feedConfig(server, 'locked', { password: 'wrong' }),
        feedConfig(server, 'slow', { timeoutSeconds: 30 }),
      ],
      storage,
    );
  });

  after(async () => {
    await h.close();
    await storage.close();
    await server.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('pages through a collection, stores its indicators with actor and campaign, then asks only for what was added after', async () => {
    const first = ok(await h.feeds.poll('main'));
    assert.deepEqual({ pages: first.pages, objects: first.objects, added: first.added, updated: first.updated, more: first.more, addedAfter: first.addedAfter }, { pages: 3, objects: 8, added: 2, updated: 0, more: false, addedAfter: added(8) });
    assert.equal(first.problems, 1);
    assert.match(first.problemSample[0]?.reason ?? '', /not supported/);
    const requests = server.requests.filter((r) => r.collection === 'c-main');
    assert.deepEqual(requests.map((r) => [r.addedAfter, r.limit, r.next]), [[undefined, '3', undefined], [undefined, '3', '3'], [undefined, '3', '6']]);
    assert.ok(requests.every((r) => r.authorized));

    const rows = await h.indicators.list({ source: 'taxii:main' });
    assert.deepEqual(rows.map((r) => [r.type, r.value, r.actor, r.campaign, r.createdBy]).sort(), [
      ['domain', 'evil-feed.example', 'UNC-TEST', undefined, 'feed:main'],
      ['sha256', HASH, 'UNC-TEST', 'Test campaign', 'feed:main'],
    ]);
    // In force on this node at once, as an API import is.
    assert.equal(h.intel.matcher()?.match('domain', 'www.evil-feed.example')[0]?.source, 'taxii:main');
    const state = await h.feedState.get('main');
    assert.equal(state?.addedAfter, added(8));
    assert.equal(state?.lastAdded, 2);
    assert.equal(state?.lastError, undefined);
    assert.equal(state?.leaseNode, undefined, 'the lease is freed');

    server.addObjects('c-main', [{ dateAdded: added(30), object: stixIndicator(uuid(4), "[url:value = 'https://evil-feed.example/login']") }]);
    const second = ok(await h.feeds.poll('main'));
    assert.deepEqual({ pages: second.pages, objects: second.objects, added: second.added, addedAfter: second.addedAfter }, { pages: 1, objects: 1, added: 1, addedAfter: added(30) });
    assert.equal(server.requests.at(-1)?.addedAfter, added(8));
    const third = ok(await h.feeds.poll('main'));
    assert.deepEqual({ objects: third.objects, added: third.added, addedAfter: third.addedAfter }, { objects: 0, added: 0, addedAfter: added(30) }, 'nothing new: added_after stays');
    assert.equal(await h.indicators.count(), 3);
  });

  it('fails each fault mode with its code, records it, stores nothing and keeps added_after', async () => {
    server.addObjects('c-faulty', [{ dateAdded: added(1), object: stixIndicator(uuid(21), "[domain-name:value = 'before-fault.example']") }]);
    ok(await h.feeds.poll('faulty'));
    server.addObjects('c-faulty', [{ dateAdded: added(2), object: stixIndicator(uuid(22), "[domain-name:value = 'during-fault.example']") }]);
    const count = await h.indicators.count();
    const cases: readonly [TaxiiFault, string, RegExp][] = [
      ['slow', 'FEED_TIMEOUT', /no complete reply within 1000 ms/],
      ['garbage', 'FEED_GARBAGE', /not JSON .*<html><body>\\x00Service Unavailable/],
      ['wrong-type', 'FEED_BAD_CONTENT_TYPE', /content type "text\/html"/],
      ['huge', 'FEED_TOO_LARGE', /larger than 65536 bytes/],
      ['error', 'FEED_HTTP_500', /HTTP 500: database is down/],
    ];
    for (const [fault, code, message] of cases) {
      server.setFault('c-faulty', fault);
      const result = await h.feeds.poll('faulty');
      assert.equal(result.status, 'failed', fault);
      assert.equal(result.status === 'failed' && result.code, code, fault);
      assert.match(result.status === 'failed' ? result.message : '', message, fault);
      const state = await h.feedState.get('faulty');
      assert.equal(state?.addedAfter, added(1), `${fault}: added_after kept`);
      assert.ok(state?.lastError?.startsWith(`${code}: `), `${fault}: recorded (${state?.lastError ?? 'none'})`);
      assert.equal(state?.leaseNode, undefined, `${fault}: lease freed`);
      assert.equal(await h.indicators.count(), count, `${fault}: nothing stored`);
    }
    server.setFault('c-faulty', undefined);
    const healed = ok(await h.feeds.poll('faulty'));
    assert.equal(healed.added, 1, 'the page the faults kept back is read again');
    assert.equal((await h.feedState.get('faulty'))?.lastError, undefined);

    const locked = await h.feeds.poll('locked');
    assert.equal(locked.status === 'failed' && locked.code, 'FEED_HTTP_401');
    assert.ok(!JSON.stringify(locked).includes('wrong'), 'the password is not in the outcome');
  });

  it('aborts a poll in flight when stopped', async () => {
    server.setFault('c-slow', 'slow');
    const other = await openHarness(join(dir, 'stop'), [feedConfig(server, 'slow', { timeoutSeconds: 30 })], storage, 'node-stop');
    const pending = other.feeds.poll('slow');
    await waitUntil(() => (server.requests.some((r) => r.collection === 'c-slow') ? true : undefined), 5000, 'the slow request');
    const started = Date.now();
    await other.close();
    const result = await pending;
    assert.equal(result.status === 'failed' && result.code, 'FEED_ABORTED');
    assert.ok(Date.now() - started < 5000, 'stopped at once');
    assert.match((await h.feedState.get('slow'))?.lastError ?? '', /^FEED_ABORTED/);
  });

  it('moat intel poll and moat intel feeds', async () => {
    const cliDir = await mkdtemp(join(tmpdir(), 'moat-feeds-cli-'));
    try {
      server.addObjects('c-cli', firstEntries());
      server.setFault('c-broken', 'error');
      const configPath = await writeOperatorConfig(cliDir, { intel: { feeds: [feedConfig(server, 'cli'), feedConfig(server, 'broken')] } });
      const moat = (...args: string[]) => runCliInProcess([...args, '--config', configPath], { USER: 'alice' });
      const polled = await moat('intel', 'poll', 'cli');
      assert.equal(polled.code, 0, polled.stderr);
      assert.match(polled.stdout, /^cli: 3 page\(s\), 8 object\(s\), 2 added, 0 updated, 1 problem\(s\)/);
      assert.match(polled.stderr, /indicator--00000000-0000-4000-8000-000000000003: .*not supported/);
      const broken = await moat('intel', 'poll', 'broken');
      assert.equal(broken.code, 1);
      assert.match(broken.stdout, /broken: failed FEED_HTTP_500: .*database is down/);
      assert.equal((await moat('intel', 'poll', 'nope')).code, 64);
      const feeds = await moat('intel', 'feeds', '--json');
      assert.equal(feeds.code, 0, feeds.stderr);
      const status = feeds.stdout.trimEnd().split('\n').map((line) => JSON.parse(line) as { name: string; state?: { addedAfter?: string; lastError?: string; lastAdded: number } });
      assert.deepEqual(status.map((s) => [s.name, s.state?.addedAfter, s.state?.lastAdded, s.state?.lastError?.split(':')[0]]), [
        ['cli', added(8), 2, undefined],
        ['broken', undefined, 0, 'FEED_HTTP_500'],
      ]);
      const text = await moat('intel', 'feeds');
      assert.match(text.stdout, /^cli {2}http:\/\/127\.0\.0\.1:\d+\/api1\/collections\/c-cli\/ {2}last poll \S+ {2}last success \S+ {2}added_after 2025-05-01T00:00:08\.000Z {2}last 2 added 0 updated {2}ok$/m);
      const list = await moat('intel', 'list', '--json', '--source', 'taxii:cli');
      assert.equal(list.stdout.trimEnd().split('\n').length, 2);

      const discovered = await moat('intel', 'feeds', 'discover', `${server.origin}taxii2/`, '--feed', 'cli', '--json');
      assert.equal(discovered.code, 0, discovered.stderr);
      const found = JSON.parse(discovered.stdout) as { title: string; apiRoots: { url: string; collections: { url: string; canRead: boolean }[] }[] };
      assert.equal(found.apiRoots[0]?.url, `${server.origin}api1/`);
      assert.ok(found.apiRoots[0]?.collections.some((c) => c.url === server.collectionUrl('c-cli') && c.canRead));
      const refused = await moat('intel', 'feeds', 'discover', 'ftp://taxii.example/');
      assert.equal(refused.code, 1);
      assert.match(refused.stderr, /FEED_URL_INVALID/);
    } finally {
      await rm(cliDir, { recursive: true, force: true });
    }
  });
});

const postgres = STORAGE_ENGINES.find((e) => e.name === 'postgres');

describe('TAXII feed lease (postgres)', { skip: postgres?.skip ?? false }, () => {
  it('two pollers on one schema: one polls, the other is told who does', async () => {
    const server = await startTaxiiServer({ username: USER, password: PASSWORD });
    const dir = await mkdtemp(join(tmpdir(), 'moat-feeds-pg-'));
    const place = await (postgres as NonNullable<typeof postgres>).place('feeds_lease');
    const [one, two] = [await place.open(), await place.open()];
    try {
      server.addObjects('c-shared', firstEntries());
      const a = await openHarness(join(dir, 'a'), [feedConfig(server, 'shared')], one, 'node-a');
      const b = await openHarness(join(dir, 'b'), [feedConfig(server, 'shared')], two, 'node-b');
      try {
        const results = await Promise.all([a.feeds.poll('shared', { force: false }), b.feeds.poll('shared', { force: false })]);
        assert.deepEqual(results.map((r) => r.status).sort(), ['ok', 'skipped']);
        const skipped = results.find((r) => r.status === 'skipped');
        assert.match(skipped?.status === 'skipped' ? skipped.reason : '', /node node-[ab] is polling it|not due/);
        assert.equal(server.requests.filter((r) => r.collection === 'c-shared' && r.next === undefined).length, 1, 'the collection was read once');
        const again = await b.feeds.poll('shared', { force: false });
        assert.equal(again.status === 'skipped' && again.reason.startsWith('not due'), true, 'polled by a node a moment ago: not due');
        assert.equal(await a.indicators.count(), 2);
      } finally {
        await a.close();
        await b.close();
      }
    } finally {
      await one.close();
      await two.close();
      await place.remove();
      await server.close();
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('TAXII feed in a gateway', () => {
  it('polls a configured feed by itself soon after start', async () => {
    const server = await startTaxiiServer({ username: USER, password: PASSWORD });
    server.addObjects('c-gw', firstEntries());
    const gw = await startTestGateway({ intel: { refreshSeconds: 1, feeds: [feedConfig(server, 'gw')] } });
    try {
      const admin = await openAdminServices(gw.config);
      try {
        const state = await waitUntil(async () => {
          const s = await admin.intelFeeds.get('gw');
          return s?.lastSuccessAt === undefined ? undefined : s;
        }, 15_000, 'the first poll');
        assert.equal(state.addedAfter, added(8));
        assert.equal(state.lastAdded, 2);
        assert.equal((await admin.indicators.list({ source: 'taxii:gw' })).length, 2);
      } finally {
        await admin.close();
      }

      // The API: status (intel:read) and a poll on demand (intel:write, audited).
      const base = `http://127.0.0.1:${String(gw.httpPort)}`;
      const login = await fetch(`${base}/api/v1/session`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'admin', password: gw.gateway.firstAdminPassword }) });
      assert.equal(login.status, 200);
      const cookie = /^(moat_session=[^;]+)/.exec(login.headers.get('set-cookie') ?? '')?.[1] ?? '';
      const headers = { cookie, 'x-csrf-token': ((await login.json()) as { csrfToken: string }).csrfToken };
      const listed = (await (await fetch(`${base}/api/v1/intel/feeds`, { headers })).json()) as { feeds: { name: string; url: string; state?: { addedAfter?: string } }[] };
      assert.deepEqual(listed.feeds.map((f) => [f.name, f.url, f.state?.addedAfter]), [['gw', server.collectionUrl('c-gw'), added(8)]]);
      assert.ok(!JSON.stringify(listed).includes(PASSWORD), 'no credentials in the answer');
      server.addObjects('c-gw', [{ dateAdded: added(40), object: stixIndicator(uuid(5), "[email-addr:value = 'boss@evil-feed.example']") }]);
      const polled = await fetch(`${base}/api/v1/intel/feeds/gw/poll`, { method: 'POST', headers });
      assert.equal(polled.status, 200);
      assert.deepEqual(((await polled.json()) as { outcome: { status: string; added: number } }).outcome.added, 1);
      server.setFault('c-gw', 'error');
      const failed = await fetch(`${base}/api/v1/intel/feeds/gw/poll`, { method: 'POST', headers });
      assert.equal(failed.status, 502);
      assert.equal(((await failed.json()) as { outcome: { code: string } }).outcome.code, 'FEED_HTTP_500');
      assert.equal((await fetch(`${base}/api/v1/intel/feeds/nope/poll`, { method: 'POST', headers })).status, 404);
      const audit = (await (await fetch(`${base}/api/v1/audit?action=intel.feed.poll`, { headers })).json()) as { entries?: { action: string; target?: string }[] };
      assert.ok((audit.entries ?? []).filter((e) => e.action === 'intel.feed.poll' && e.target === 'feed:gw').length >= 2, JSON.stringify(audit));
    } finally {
      await gw.stop();
      await server.close();
    }
  });
});
