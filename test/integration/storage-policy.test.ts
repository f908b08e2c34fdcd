/**
 * Policy revisions on both engines: numbering, no revision for an unchanged
 * document, reads newest first, and the revision in force.
 */
import { afterEach, beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createPolicyStore } from '../../src/storage/index.js';
import type { PolicyStore, Storage } from '../../src/storage/index.js';
import { STORAGE_ENGINES } from '../support/storage-engines.js';

const T0 = Date.parse('2025-03-01T10:00:00.000Z');

for (const engine of STORAGE_ENGINES) {
  describe(`policy store (${engine.name})`, { skip: engine.skip ?? false }, () => {
    let storage: Storage;
    let store: PolicyStore;
    beforeEach(async () => {
      storage = await engine.open('policy');
      store = createPolicyStore(storage.db);
    });
    afterEach(() => storage.close());

    it('starts with no revision', async () => {
      assert.equal(await store.latestRevision(), 0);
      assert.equal(await store.latest(), undefined);
      assert.deepEqual(await store.list(), []);
    });

    it('numbers revisions, skips an unchanged document, and reads them back newest first', async () => {
      const v1 = { rules: [{ symbol: 'CLAMAV_VIRUS', action: 'reject' }] };
      const v2 = { rules: [{ symbol: 'CLAMAV_VIRUS', action: 'quarantine' }] };
      assert.deepEqual(await store.add({ document: v1, source: '/etc/moat/policy.yaml', at: new Date(T0) }), { revision: 1, created: true });
      assert.deepEqual(await store.add({ document: v1, source: 'cli', at: new Date(T0 + 1000) }), { revision: 1, created: false });
      assert.deepEqual(await store.add({ document: v2, source: 'api', comment: 'softer', at: new Date(T0 + 2000) }), { revision: 2, created: true });
      assert.equal(await store.latestRevision(), 2);
      assert.equal(typeof (await store.latestRevision()), 'number');
      assert.deepEqual(await store.latest(), { revision: 2, document: v2, sha256: (await store.get(2))?.sha256, source: 'api', comment: 'softer', createdAt: new Date(T0 + 2000).toISOString() });
      assert.deepEqual((await store.get(1))?.document, v1);
      assert.equal(await store.get(3), undefined);
      assert.deepEqual((await store.list()).map((r) => r.revision), [2, 1]);
      assert.deepEqual((await store.list(1)).map((r) => r.revision), [2]);
      // Going back to an earlier document is a new revision: the history says when it changed.
      assert.deepEqual(await store.add({ document: v1, source: 'cli', at: new Date(T0 + 3000) }), { revision: 3, created: true });
    });
  });
}
