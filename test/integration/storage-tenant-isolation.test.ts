/**
 * Tenant isolation in the storage layer, on both engines: two organizations
 * with identical mail (same sender, subject, hashes, URLs, client, Message-ID);
 * every search criterion, scoped to one organization, returns only that
 * organization's rows, and so do the quarantine and retention queries.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { AnalysisResult, Envelope, Verdict } from '../../src/core/index.js';
import { createQueueId } from '../../src/core/index.js';
import { createMessageLog, createQuarantineIndex, expiredQuarantine, syncOrganizations, type MessageSearch, type Storage } from '../../src/storage/index.js';
import { STORAGE_ENGINES } from '../support/storage-engines.js';

const T0 = Date.parse('2026-06-01T12:00:00.000Z');
const HASH = 'f'.repeat(64);
let seq = 0;

function twin(organizationId: number, offset: number) {
  const at = T0 + offset;
  const envelope: Envelope = {
    mailFrom: 'ceo@twin.example',
    rcptTo: [organizationId % 2 === 0 ? 'a@acme.test' : 'a@globex.test'],
    client: { address: '198.51.100.9', port: 1, helo: 'mx.twin.example' },
    sessionId: 's',
    receivedAt: new Date(at).toISOString(),
    smtpUtf8: false,
  };
  const analysis: AnalysisResult = {
    headers: { subject: 'Quarterly wire instructions', messageId: '<same@twin.example>' },
    artifacts: [{ path: '2', declaredType: 'application/pdf', declaredName: 'wire.pdf', size: 10, sha256: HASH }],
    findings: [{ engine: 'test', symbol: 'T', score: 1, severity: 'low', detail: 'x', artifact: '2' }],
    urls: ['https://pay.twin.example/wire'],
    elapsedMs: 1,
  };
  const verdict: Verdict = { action: 'quarantine', score: 20, reasons: [], policyVersion: 'r0' };
  return { queueId: createQueueId(at, Buffer.from(String((seq += 1)).padStart(10, '0'))), envelope, size: 10, sha256: HASH, analysis, verdict, status: 'quarantined' as const, organizationId };
}

for (const engine of STORAGE_ENGINES) {
  describe(`tenant isolation (${engine.name})`, { skip: engine.skip }, () => {
    let storage: Storage;
    const ids = { acme: 0, globex: 0 };
    const rows = { acme: '', globex: '' };

    before(async () => {
      storage = await engine.open('tenants');
      const orgs = await syncOrganizations(storage.db, ['acme', 'globex']);
      ids.acme = orgs.get('acme') ?? 0;
      ids.globex = orgs.get('globex') ?? 0;
      const log = createMessageLog(storage.db, 'node-a');
      const quarantine = createQuarantineIndex(storage.db);
      for (const [name, offset] of [['acme', 0], ['globex', 1000]] as const) {
        const entry = twin(ids[name], offset);
        rows[name] = entry.queueId;
        await log.recordMessage(entry);
        await quarantine.add({ queueId: entry.queueId, sha256: HASH, size: 10, reason: 'held', at: new Date(T0 + offset), organizationId: ids[name] });
      }
    });

    after(async () => {
      await storage?.close();
    });

    it('every search criterion, scoped to an organization, returns only its rows', async () => {
      const log = createMessageLog(storage.db, 'node-a');
      const criteria: MessageSearch[] = [
        {},
        { sender: 'ceo@twin.example' },
        { sender: 'twin.example' },
        { recipient: 'acme.test' },
        { recipient: 'globex.test' },
        { subject: 'wire' },
        { messageId: 'same@twin.example' },
        { sha256: HASH },
        { clientIp: '198.51.100.9' },
        { urlDomain: 'twin.example' },
        { since: new Date(T0 - 1000), until: new Date(T0 + 5000) },
        { action: 'quarantine' },
        { status: 'quarantined' },
      ];
      // Unscoped, the twins are indistinguishable: every criterion but the recipient finds both.
      for (const criterion of criteria.filter((c) => c.recipient === undefined)) {
        const found = (await log.search(criterion)).map((m) => m.queueId).sort();
        assert.deepEqual(found, [rows.acme, rows.globex].sort(), `unscoped ${JSON.stringify(criterion)}`);
      }
      for (const [name, other] of [['acme', 'globex'], ['globex', 'acme']] as const) {
        for (const criterion of criteria) {
          const found = (await log.search({ ...criterion, organizationId: ids[name] })).map((m) => m.queueId);
          assert.ok(!found.includes(rows[other]), `${name} sees ${other}'s message with ${JSON.stringify(criterion)}`);
          assert.ok(found.every((id) => id === rows[name]), `${name}: only its own rows for ${JSON.stringify(criterion)}`);
        }
        const held = await createQuarantineIndex(storage.db).list({ organizationId: ids[name] });
        assert.deepEqual(held.map((e) => e.queueId), [rows[name]]);
        assert.deepEqual(await expiredQuarantine(storage.db, { organizationId: ids[name], before: new Date(T0 + 10_000), limit: 10 }), [rows[name]]);
        const detail = await log.get(rows[name]);
        assert.equal(detail?.organizationId, ids[name]);
      }
    });
  });
}
