import { afterEach, beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createIntelFeedsStore } from '../../src/storage/index.js';
import type { IntelFeedsStore, Storage } from '../../src/storage/index.js';
import { STORAGE_ENGINES } from '../support/storage-engines.js';

const T0 = Date.parse('2025-03-01T10:00:00.000Z');
const at = (seconds: number): Date => new Date(T0 + seconds * 1000);

for (const engine of STORAGE_ENGINES) {
  describe(`intel feed state (${engine.name})`, { skip: engine.skip ?? false }, () => {
    let storage: Storage;
    let store: IntelFeedsStore;

    beforeEach(async () => {
      storage = await engine.open('intel_feeds');
      store = createIntelFeedsStore(storage.db);
    });
    afterEach(async () => {
      await storage.close();
    });

    it('creates rows once and lists them empty', async () => {
      await store.ensure(['cisa', 'misp-eu', 'cisa']);
      await store.ensure(['cisa']);
      assert.deepEqual(await store.list(), [
        { name: 'cisa', lastAdded: 0, lastUpdated: 0 },
        { name: 'misp-eu', lastAdded: 0, lastUpdated: 0 },
      ]);
      assert.equal(await store.get('nope'), undefined);
    });

    it('gives the lease to one node of two claiming together, again after it ran out or was freed', async () => {
      await store.ensure(['cisa']);
      const claim = { now: at(0), until: at(100) };
      const [a, b] = await Promise.all([store.claim('cisa', 'node-a', claim), store.claim('cisa', 'node-b', claim)]);
      assert.equal([a, b].filter(Boolean).length, 1, 'exactly one node holds the lease');
      const holder = a ? 'node-a' : 'node-b';
      const other = a ? 'node-b' : 'node-a';
      assert.equal((await store.get('cisa'))?.leaseNode, holder);
      assert.equal(await store.claim('cisa', other, { now: at(99), until: at(200) }), false, 'still held');
      assert.equal(await store.claim('cisa', holder, { now: at(99), until: at(200) }), true, 'the holder may extend it');
      assert.equal(await store.claim('cisa', other, { now: at(200), until: at(300) }), true, 'ran out');
      assert.equal(await store.finish('cisa', holder, { ok: true, at: at(201), added: 1, updated: 0, addedAfter: 'x' }), false, 'a node that lost the lease records nothing');
      assert.equal((await store.get('cisa'))?.addedAfter, undefined);
      assert.equal(await store.finish('cisa', other, { ok: true, at: at(210), added: 5, updated: 2, addedAfter: '2025-03-01T09:00:00.000Z' }), true);
      assert.equal(await store.claim('cisa', holder, { now: at(211), until: at(300) }), true, 'freed by finish');
      assert.equal(await store.claim('nope', holder, { now: at(211), until: at(300) }), false, 'no row, no lease');
    });

    it('claims only a due feed when asked, records success and failure, and a failure keeps added_after', async () => {
      await store.ensure(['cisa']);
      assert.equal(await store.claim('cisa', 'n', { now: at(0), until: at(60), dueBefore: at(-3000) }), true, 'never polled: due');
      await store.finish('cisa', 'n', { ok: true, at: at(10), added: 3, updated: 1, addedAfter: '2025-03-01T09:59:00.000Z' });
      assert.deepEqual(await store.get('cisa'), { name: 'cisa', addedAfter: '2025-03-01T09:59:00.000Z', lastPollAt: at(10).toISOString(), lastSuccessAt: at(10).toISOString(), lastAdded: 3, lastUpdated: 1 });
      assert.equal(await store.claim('cisa', 'n', { now: at(20), until: at(80), dueBefore: at(0) }), false, 'polled at 10 s: not due before 0 s');
      assert.equal(await store.claim('cisa', 'n', { now: at(20), until: at(80), dueBefore: at(10) }), true);
      await store.finish('cisa', 'n', { ok: false, at: at(30), error: 'FEED_TIMEOUT: slow' });
      assert.deepEqual(await store.get('cisa'), {
        name: 'cisa',
        addedAfter: '2025-03-01T09:59:00.000Z',
        lastPollAt: at(30).toISOString(),
        lastSuccessAt: at(10).toISOString(),
        lastError: 'FEED_TIMEOUT: slow',
        lastAdded: 3,
        lastUpdated: 1,
      });
      assert.equal(await store.claim('cisa', 'n', { now: at(40), until: at(80), dueBefore: at(15) }), true, 'failed since its last success at 10 s: due for a retry');
      await store.finish('cisa', 'n', { ok: true, at: at(50), added: 0, updated: 0 });
      assert.equal(await store.claim('cisa', 'n', { now: at(60), until: at(90), dueBefore: at(40) }), false, 'succeeded at 50 s: not due before 40 s');
      const state = await store.get('cisa');
      assert.equal(state?.addedAfter, '2025-03-01T09:59:00.000Z', 'a success that names no date keeps it');
      assert.equal(state?.lastError, undefined);
    });
  });
}
