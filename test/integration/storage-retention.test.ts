/**
 * Retention on both engines: finished messages older than the cutoff go in
 * bounded batches with everything hanging off them; open ones (queued, held
 * in quarantine) and other organizations' stay.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { AnalysisResult, Envelope, Verdict } from '../../src/core/index.js';
import { createQueueId } from '../../src/core/index.js';
import { createMessageLog, createQuarantineIndex, expiredQuarantine, orphanedQuarantine, purgeMessages, syncOrganizations, type MessageStatus, type Storage } from '../../src/storage/index.js';
import { STORAGE_ENGINES } from '../support/storage-engines.js';

const DAY = 86_400_000;
const T0 = Date.parse('2025-01-01T00:00:00.000Z');

let seq = 0;
function entry(at: number, status: MessageStatus, organizationId: number) {
  const envelope: Envelope = { mailFrom: 'a@sender.example', rcptTo: ['b@example.test'], client: { address: '192.0.2.1', port: 1, helo: 'h.example' }, sessionId: 's', receivedAt: new Date(at).toISOString(), smtpUtf8: false };
  const analysis: AnalysisResult = {
    headers: { subject: 'old' },
    artifacts: [{ path: '1', declaredType: 'text/plain', size: 1, sha256: 'c'.repeat(64) }],
    findings: [{ engine: 'test', symbol: 'T', score: 1, severity: 'low', detail: 'x' }],
    urls: ['https://old.example/'],
    elapsedMs: 1,
  };
  const verdict: Verdict = { action: 'deliver', score: 1, reasons: [], policyVersion: 'r0' };
  return { queueId: createQueueId(at, Buffer.from(String((seq += 1)).padStart(10, '0'))), envelope, size: 1, sha256: 'd'.repeat(64), analysis, verdict, status, organizationId };
}

for (const engine of STORAGE_ENGINES) {
  describe(`retention (${engine.name})`, { skip: engine.skip }, () => {
    let storage: Storage;
    let acme: number;
    let globex: number;

    before(async () => {
      storage = await engine.open('retention');
      const ids = await syncOrganizations(storage.db, ['acme', 'globex'], new Map([['acme', 'US']]));
      acme = ids.get('acme') ?? 0;
      globex = ids.get('globex') ?? 0;
      const country = await storage.db.selectFrom('organizations').select('country').where('name', '=', 'acme').executeTakeFirstOrThrow();
      assert.equal(country.country, 'US');
    });

    after(async () => {
      await storage?.close();
    });

    it('purges old finished messages in batches, keeps open, recent and other organizations\' ones', async () => {
      const log = createMessageLog(storage.db, 'node-a');
      const old = [0, 1, 2, 3, 4].map((i) => entry(T0 + i * 1000, 'delivered', acme));
      const keep = [entry(T0, 'queued', acme), entry(T0, 'quarantined', acme), entry(T0 + 200 * DAY, 'delivered', acme), entry(T0, 'delivered', globex)];
      for (const e of [...old, ...keep]) await log.recordMessage(e);
      await createQuarantineIndex(storage.db).add({ queueId: keep[1]?.queueId ?? '', sha256: 'e'.repeat(64), size: 1, reason: 'held', at: new Date(T0), organizationId: acme });

      const cutoff = new Date(T0 + 100 * DAY);
      assert.equal(await purgeMessages(storage.db, { organizationId: acme, before: cutoff, batchSize: 2, maxBatches: 2 }), 4, 'bounded: two batches of two');
      assert.equal(await purgeMessages(storage.db, { organizationId: acme, before: cutoff, batchSize: 2, maxBatches: 5 }), 1);
      assert.equal(await purgeMessages(storage.db, { organizationId: acme, before: cutoff, batchSize: 2, maxBatches: 5 }), 0);

      const left = (await storage.db.selectFrom('messages').select('queue_id').execute()).map((r) => r.queue_id).sort();
      assert.deepEqual(left, keep.map((e) => e.queueId).sort());
      for (const table of ['findings', 'artifacts', 'message_urls', 'message_recipients'] as const) {
        const rows = await storage.db.selectFrom(table).select('queue_id').execute();
        assert.ok(rows.every((r) => left.includes(r.queue_id)), `${table} rows of purged messages are gone`);
      }
      assert.deepEqual(await expiredQuarantine(storage.db, { organizationId: acme, before: cutoff, limit: 10 }), [keep[1]?.queueId]);
      assert.deepEqual(await expiredQuarantine(storage.db, { organizationId: globex, before: cutoff, limit: 10 }), []);
    });

    it('finds held entries that never got a log row (a node died between hold and log), once they are old enough', async () => {
      const index = createQuarantineIndex(storage.db);
      const logged = entry(T0 + 300 * DAY, 'quarantined', acme);
      await createMessageLog(storage.db, 'node-a').recordMessage(logged);
      const at = new Date(T0 + 300 * DAY);
      await index.add({ queueId: logged.queueId, sha256: 'f'.repeat(64), size: 1, reason: 'held', at, organizationId: acme });
      const orphan = createQueueId(at.getTime(), Buffer.from('orphan0001'));
      const fresh = createQueueId(at.getTime() + 60_000, Buffer.from('orphan0002'));
      await index.add({ queueId: orphan, sha256: 'f'.repeat(64), size: 1, reason: 'held', at, organizationId: acme });
      await index.add({ queueId: fresh, sha256: 'f'.repeat(64), size: 1, reason: 'held', at: new Date(at.getTime() + 60_000), organizationId: globex });
      assert.deepEqual(await orphanedQuarantine(storage.db, { before: new Date(at.getTime() + 30_000), limit: 10 }), [orphan]);
      assert.deepEqual((await orphanedQuarantine(storage.db, { before: new Date(at.getTime() + 120_000), limit: 10 })).sort(), [orphan, fresh].sort());
      await index.markDeleted(orphan, at);
      assert.deepEqual(await orphanedQuarantine(storage.db, { before: new Date(at.getTime() + 30_000), limit: 10 }), [], 'deleted entries are not held');
    });
  });
}
