import { afterEach, beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createQuarantineIndex } from '../../src/storage/index.js';
import { STORAGE_ENGINES } from '../support/storage-engines.js';
import type { QuarantineIndex, Storage } from '../../src/storage/index.js';

const T0 = Date.parse('2025-03-01T10:00:00.000Z');
const at = (seconds: number): Date => new Date(T0 + seconds * 1000);
const BODY = 'ab'.repeat(32);
const OTHER_BODY = 'cd'.repeat(32);

for (const engine of STORAGE_ENGINES) {
  describe(`quarantine index (${engine.name})`, { skip: engine.skip ?? false }, () => {
    let storage: Storage;
    let index: QuarantineIndex;

    beforeEach(async () => {
      storage = await engine.open();
      index = createQuarantineIndex(storage.db);
    });
    afterEach(async () => {
      await storage.close();
    });

    it('adds held entries idempotently and reads them back', async () => {
      await index.add({ queueId: 'Q1', sha256: BODY.toUpperCase(), size: 100, reason: 'CLAMAV_VIRUS Eicar', at: at(0) });
      await index.add({ queueId: 'Q1', sha256: OTHER_BODY, size: 1, reason: 'replay', at: at(9) });
      assert.deepEqual(await index.get('Q1'), {
        queueId: 'Q1',
        organizationId: 1,
        sha256: BODY,
        size: 100,
        quarantinedAt: at(0).toISOString(),
        reason: 'CLAMAV_VIRUS Eicar',
        state: 'held',
      });
      assert.equal(await index.get('Q2'), undefined);
    });

    it('lists newest first, filtered by state and organization, within the limit', async () => {
      const org = await storage.db.insertInto('organizations').values({ name: 'acme', created_at: at(0).toISOString() }).returning('id').executeTakeFirstOrThrow();
      await index.add({ queueId: 'Q1', sha256: BODY, size: 1, reason: 'r', at: at(1) });
      await index.add({ queueId: 'Q2', sha256: BODY, size: 1, reason: 'r', at: at(2) });
      await index.add({ queueId: 'Q3', sha256: OTHER_BODY, size: 1, reason: 'r', at: at(3), organizationId: org.id });
      await index.markReleased('Q2', 'admin@corp.example', at(4));
      assert.deepEqual(
        (await index.list()).map((e) => e.queueId),
        ['Q3', 'Q2', 'Q1'],
      );
      assert.deepEqual(
        (await index.list({ state: 'held' })).map((e) => e.queueId),
        ['Q3', 'Q1'],
      );
      assert.deepEqual(
        (await index.list({ organizationId: org.id })).map((e) => e.queueId),
        ['Q3'],
      );
      assert.deepEqual(
        (await index.list({ limit: 1 })).map((e) => e.queueId),
        ['Q3'],
      );
      const rows = await storage.db.selectFrom('quarantine').select(['queue_id', 'organization_id']).orderBy('queue_id').execute();
      assert.deepEqual(
        rows.map((r) => r.organization_id),
        [1, 1, org.id],
      );
    });

    it('releases once, deletes once, and counts body references that are not deleted', async () => {
      await index.add({ queueId: 'Q1', sha256: BODY, size: 1, reason: 'r', at: at(1) });
      await index.add({ queueId: 'Q2', sha256: BODY, size: 1, reason: 'r', at: at(2) });
      assert.equal(await index.countBySha256(BODY), 2);
      assert.equal(await index.countBySha256(OTHER_BODY), 0);

      assert.equal(await index.markReleased('Q1', 'admin@corp.example', at(5)), true);
      // A second administrator racing the first loses: the message is released exactly once.
      assert.equal(await index.markReleased('Q1', 'other@corp.example', at(6)), false);
      const released = await index.get('Q1');
      assert.equal(released?.state, 'released');
      assert.equal(released.releasedBy, 'admin@corp.example');
      assert.equal(released.releasedAt, at(5).toISOString());
      assert.equal(await index.countBySha256(BODY), 2);

      assert.equal(await index.markDeleted('Q2', at(7)), true);
      assert.equal(await index.markDeleted('Q2', at(8)), false);
      assert.equal(await index.markReleased('Q2', 'admin@corp.example', at(9)), false);
      assert.equal((await index.get('Q2'))?.deletedAt, at(7).toISOString());
      assert.equal(await index.countBySha256(BODY), 1);

      assert.equal(await index.markDeleted('Q1', at(10)), true);
      assert.equal(await index.countBySha256(BODY.toUpperCase()), 0);
      assert.equal(await index.markDeleted('missing', at(10)), false);
    });
  });
}
