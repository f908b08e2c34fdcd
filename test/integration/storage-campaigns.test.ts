/**
 * Campaign storage on both engines (0018): the lure fingerprint column, the
 * clustering input (suspicious messages plus the clean ones sharing a key),
 * and persisting clusters with identities kept, analyst pins respected,
 * merges and splits.
 */
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import type { AnalysisResult, Envelope, Finding, Verdict } from '../../src/core/index.js';
import { createQueueId } from '../../src/core/index.js';
import { createCampaignStore, createMessageLog, readClusterInput, syncOrganizations, type ClusterToSave, type Storage } from '../../src/storage/index.js';
import { STORAGE_ENGINES } from '../support/storage-engines.js';

const T0 = Date.parse('2025-03-01T00:00:00.000Z');
const HOUR = 3_600_000;
const LURE = '0123456789abcdef';
const BAD_SHA = 'a'.repeat(64);

let seq = 0;
interface Sample {
  at: number;
  organizationId: number;
  action?: Verdict['action'];
  findings?: Finding[];
  sha256?: string;
  url?: string;
  lure?: string;
  ip?: string;
  subject?: string;
}
function entry(s: Sample) {
  const envelope: Envelope = { mailFrom: 'x@sender.example', rcptTo: [`r${String(seq)}@org${String(s.organizationId)}.example`], client: { address: s.ip ?? '198.51.100.9', port: 1, helo: 'h.example' }, sessionId: 's', receivedAt: new Date(s.at).toISOString(), smtpUtf8: false };
  const analysis: AnalysisResult = {
    headers: { subject: s.subject ?? 'hello' },
    artifacts: [
      { path: '1', declaredType: 'text/plain', size: 1, sha256: 'c'.repeat(64) },
      ...(s.sha256 === undefined ? [] : [{ path: '2', declaredType: 'application/x-tar', declaredName: 'invoice.tar', detectedType: 'application/x-tar', disposition: 'attachment' as const, size: 10, sha256: s.sha256 }]),
    ],
    findings: s.findings ?? [],
    urls: s.url === undefined ? [] : [s.url],
    ...(s.lure === undefined ? {} : { lureFingerprint: s.lure }),
    elapsedMs: 1,
  };
  const verdict: Verdict = { action: s.action ?? 'deliver', score: 1, reasons: [], policyVersion: 'r0' };
  seq += 1;
  return { queueId: createQueueId(s.at, Buffer.from(String(seq).padStart(10, '0'))), envelope, size: 1, sha256: 'd'.repeat(64), analysis, verdict, status: s.action === 'quarantine' ? ('quarantined' as const) : ('delivered' as const), organizationId: s.organizationId };
}

const evidence = (key: string, withQueueId: string) => [{ kind: 'artifact', key, withQueueId, detail: 'same attachment' }];

for (const engine of STORAGE_ENGINES) {
  describe(`campaign storage (${engine.name})`, { skip: engine.skip }, () => {
    let storage: Storage;
    let orgs: number[];

    before(async () => {
      storage = await engine.open('campaigns');
    });
    beforeEach(async () => {
      await storage.db.deleteFrom('campaigns').execute();
      await storage.db.deleteFrom('messages').execute();
      const ids = await syncOrganizations(storage.db, ['acme', 'globex', 'initech'], new Map([['acme', 'US'], ['globex', 'DE']]), new Map([['acme', 'government']]));
      orgs = ['acme', 'globex', 'initech'].map((n) => ids.get(n) ?? 0);
    });
    after(async () => {
      await storage?.close();
    });

    it('stores the lure fingerprint and the organization sector', async () => {
      const log = createMessageLog(storage.db, 'n');
      const e = entry({ at: T0, organizationId: orgs[0] ?? 1, lure: LURE });
      await log.recordMessage(e);
      const bad = entry({ at: T0, organizationId: orgs[0] ?? 1, lure: 'not hex!' });
      await log.recordMessage(bad);
      const rows = await storage.db.selectFrom('messages').select(['queue_id', 'lure_simhash']).orderBy('queue_id').execute();
      assert.deepEqual(new Map(rows.map((r) => [r.queue_id, r.lure_simhash])), new Map([[e.queueId, LURE], [bad.queueId, null]]));
      const acme = await storage.db.selectFrom('organizations').select(['sector', 'country']).where('name', '=', 'acme').executeTakeFirstOrThrow();
      assert.deepEqual(acme, { sector: 'government', country: 'US' });
    });

    it('reads suspicious messages of the window and the clean ones sharing a key, not unrelated mail', async () => {
      const log = createMessageLog(storage.db, 'n');
      const high: Finding = { engine: 'archive', symbol: 'ARCHIVE_MEMBER_COMMAND', score: 10, severity: 'critical', detail: 'member name carries a shell command' };
      const bad1 = entry({ at: T0 + HOUR, organizationId: orgs[0] ?? 1, action: 'quarantine', sha256: BAD_SHA, findings: [high], url: 'https://dl.evil.example.co.uk/x', lure: LURE, ip: '203.0.113.7' });
      const bad2 = entry({ at: T0 + 2 * HOUR, organizationId: orgs[1] ?? 1, findings: [high], lure: LURE, ip: '203.0.113.8' });
      const sameHash = entry({ at: T0 + 3 * HOUR, organizationId: orgs[2] ?? 1, sha256: BAD_SHA });
      const sameHost = entry({ at: T0 + 3 * HOUR, organizationId: orgs[2] ?? 1, url: 'https://dl.evil.example.co.uk/other' });
      const sameLure = entry({ at: T0 + 3 * HOUR, organizationId: orgs[2] ?? 1, lure: LURE });
      const sameIp = entry({ at: T0 + 3 * HOUR, organizationId: orgs[2] ?? 1, ip: '203.0.113.8' });
      const clean = entry({ at: T0 + 3 * HOUR, organizationId: orgs[2] ?? 1, findings: [{ engine: 'spf', symbol: 'SPF_PASS', score: 0, severity: 'info', detail: 'pass' }] });
      const outside = entry({ at: T0 - 48 * HOUR, organizationId: orgs[0] ?? 1, action: 'quarantine', sha256: BAD_SHA });
      for (const e of [bad1, bad2, sameHash, sameHost, sameLure, sameIp, clean, outside]) await log.recordMessage(e);

      const input = await readClusterInput(storage.db, { since: new Date(T0), until: new Date(T0 + 24 * HOUR), registrableDomain: (h) => h.split('.').slice(-3).join('.') });
      assert.equal(input.suspicious, 2);
      assert.equal(input.capped, false);
      const ids = input.messages.map((m) => m.queueId).sort();
      assert.deepEqual(ids, [bad1, bad2, sameHash, sameHost, sameLure, sameIp].map((e) => e.queueId).sort());
      const first = input.messages.find((m) => m.queueId === bad1.queueId);
      assert.equal(first?.suspicious, true);
      assert.equal(first?.lureFingerprint, LURE);
      assert.deepEqual(first?.urlDomains, ['example.co.uk']);
      assert.deepEqual(first?.attachments, [{ sha256: BAD_SHA, name: 'invoice.tar', type: 'application/x-tar' }], 'files only, not the text body part');
      assert.deepEqual(first?.findings.map((f) => f.symbol), ['ARCHIVE_MEMBER_COMMAND']);
      assert.equal(input.messages.find((m) => m.queueId === sameHash.queueId)?.suspicious, false);

      const capped = await readClusterInput(storage.db, { since: new Date(T0), until: new Date(T0 + 24 * HOUR), maxMessages: 3, registrableDomain: (h) => h });
      assert.equal(capped.capped, true);
      assert.equal(capped.messages.length, 3);
      assert.equal(input.clusteredSince.getTime(), T0, 'not capped: the whole window');
      // One suspicious message only: the newest (bad2) is kept, and the clustered window starts just after it.
      const one = await readClusterInput(storage.db, { since: new Date(T0), until: new Date(T0 + 24 * HOUR), maxMessages: 1, registrableDomain: (h) => h });
      assert.deepEqual(one.messages.map((m) => m.queueId), [bad2.queueId]);
      assert.equal(one.clusteredSince.getTime(), T0 + 2 * HOUR + 1);
    });

    it('keeps a campaign\'s id and name as its cluster grows, respects pins, merges and splits', async () => {
      const log = createMessageLog(storage.db, 'n');
      const msgs = Array.from({ length: 8 }, (_, i) => entry({ at: T0 + i * HOUR, organizationId: orgs[i % 3] ?? 1, action: 'quarantine', sha256: BAD_SHA }));
      for (const e of msgs) await log.recordMessage(e);
      const q = msgs.map((m) => m.queueId);
      const store = createCampaignStore(storage.db);
      const window = { since: new Date(T0 - HOUR), until: new Date(T0 + 24 * HOUR), by: 'system', nameOf: (c: ClusterToSave) => `auto ${c.key}` };
      const cluster = (ids: string[]): ClusterToSave => ({ key: [...ids].sort()[0] ?? '', members: ids.map((id) => ({ queueId: id, evidence: evidence(BAD_SHA, ids[0] ?? '') })) });

      const firstRun = await store.saveClusters([cluster(q.slice(0, 3)), cluster(q.slice(4, 7))], { ...window, at: new Date(T0 + 30 * HOUR) });
      assert.deepEqual(firstRun, { campaigns: 2, created: 2, members: 6, removed: 0 });
      const [b, a] = await store.list();
      assert.ok(a !== undefined && b !== undefined);
      assert.equal(a.name, `auto ${q[0] ?? ''}`);
      assert.equal(a.messages, 3);
      assert.equal(a.organizations, 3);
      assert.equal(a.countries, 2, 'acme US, globex DE, initech unknown');
      assert.equal(a.blocked, 3);
      assert.equal(a.delivered, 0);

      // An analyst names campaign a; the next run grows its cluster by one message: same id, the analyst's name.
      await store.rename(a.id, 'Operation Tar Pit', 'alice', new Date(T0 + 31 * HOUR));
      await store.saveClusters([cluster(q.slice(0, 4)), cluster(q.slice(4, 7))], { ...window, at: new Date(T0 + 32 * HOUR) });
      const grown = await store.get(a.id);
      assert.equal(grown?.name, 'Operation Tar Pit');
      assert.equal(grown?.messages, 4);
      assert.equal((await store.list()).length, 2);

      // Split q[1] off a; merge b into a: b's members move (pinned), b stays listed as merged.
      const split = await store.split(a.id, [q[1] ?? ''], { name: 'the odd one', by: 'alice', at: new Date(T0 + 33 * HOUR) });
      assert.equal(split.messages, 1);
      assert.equal((await store.get(a.id))?.messages, 3);
      const merged = await store.merge(a.id, [b.id], 'alice', new Date(T0 + 34 * HOUR));
      assert.equal(merged.messages, 6);
      assert.equal((await store.get(b.id))?.status, 'merged');
      assert.equal((await store.get(b.id))?.mergedInto, a.id);
      await assert.rejects(store.merge(a.id, [b.id], 'alice', new Date()), (e: unknown) => e instanceof Error && (e as { code?: string }).code === 'CAMPAIGN_NOT_FOUND');

      // Reclustering puts everything in one cluster: the pinned split member stays in its campaign, merged ones stay in a.
      await store.saveClusters([cluster(q.slice(0, 8))], { ...window, at: new Date(T0 + 35 * HOUR) });
      const members = await store.members(a.id);
      assert.deepEqual(members.map((m) => m.queueId).sort(), q.filter((id) => id !== q[1]).sort());
      assert.deepEqual((await store.members(split.id)).map((m) => m.queueId), [q[1]]);
      const kinds = (await store.events(a.id)).map((e) => e.kind);
      assert.deepEqual(kinds, ['created', 'renamed', 'reclustered', 'split', 'merged', 'reclustered']);

      // A cluster that vanishes from the window empties an unnamed campaign, which goes; the named one stays.
      await store.saveClusters([], { ...window, at: new Date(T0 + 36 * HOUR) });
      assert.equal((await store.get(a.id))?.messages, 3, 'pinned (merged) members never move; the unpinned ones of the window left');
      await assert.rejects(store.rename(a.id, '   ', 'alice', new Date()), (e: unknown) => (e as { code?: string }).code === 'CAMPAIGN_INVALID');
    });

    it('a member goes with its message (retention)', async () => {
      const log = createMessageLog(storage.db, 'n');
      const msgs = Array.from({ length: 3 }, (_, i) => entry({ at: T0 + i * HOUR, organizationId: orgs[0] ?? 1, action: 'quarantine', sha256: BAD_SHA }));
      for (const e of msgs) await log.recordMessage(e);
      const store = createCampaignStore(storage.db);
      const ids = msgs.map((m) => m.queueId);
      await store.saveClusters([{ key: ids[0] ?? '', members: ids.map((id) => ({ queueId: id, evidence: [] })) }], { since: new Date(T0 - HOUR), until: new Date(T0 + 24 * HOUR), at: new Date(T0 + 30 * HOUR), by: 'system', nameOf: () => 'x' });
      await storage.db.deleteFrom('messages').where('queue_id', '=', ids[0] ?? '').execute();
      const [campaign] = await store.list();
      assert.deepEqual((await store.members(campaign?.id ?? 0)).map((m) => m.queueId), ids.slice(1));
    });
  });
}
