import { afterEach, beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { BayesStore } from '../../src/spam/index.js';
import { createBayesClassifier, createBayesTrainer, createMemoryBayesStore, emptyBayesModel } from '../../src/spam/index.js';
import { createSqlBayesStore } from '../../src/storage/index.js';
import { STORAGE_ENGINES } from '../support/storage-engines.js';

const tok = (n: number): string => n.toString(16).padStart(8, '0');

/** The same contract tests for every implementation. */
function contract(name: string, skip: string | undefined, open: () => Promise<{ store: BayesStore; close: () => Promise<void>; org2: number }>): void {
  describe(`Bayes store: ${name}`, { skip: skip ?? false }, () => {
    let store: BayesStore;
    let close: () => Promise<void> = () => Promise.resolve();
    let org2 = 2;
    beforeEach(async () => {
      ({ store, close, org2 } = await open());
    });
    afterEach(() => close());

    it('starts empty', async () => {
      assert.deepEqual(await store.totals(1), { spamMessages: 0, hamMessages: 0 });
      assert.equal((await store.counts(1, [tok(1)])).size, 0);
    });

    it('learns per organization: counts, totals, duplicates counted once per message', async () => {
      await store.learn(1, [tok(1), tok(2), tok(1)], 'spam');
      await store.learn(1, [tok(2), tok(3)], 'ham');
      await store.learn(org2, [tok(1)], 'ham');
      assert.deepEqual(await store.totals(1), { spamMessages: 1, hamMessages: 1 });
      assert.deepEqual(await store.totals(org2), { spamMessages: 0, hamMessages: 1 });
      const counts = await store.counts(1, [tok(1), tok(2), tok(3), tok(4)]);
      assert.deepEqual(Object.fromEntries(counts), { [tok(1)]: { spam: 1, ham: 0 }, [tok(2)]: { spam: 1, ham: 1 }, [tok(3)]: { spam: 0, ham: 1 } });
      assert.deepEqual(Object.fromEntries(await store.counts(org2, [tok(1), tok(2)])), { [tok(1)]: { spam: 0, ham: 1 } });
    });

    it('handles a full message of 2,000 tokens, looked up in chunks', async () => {
      const tokens = Array.from({ length: 2000 }, (_, i) => tok(i + 1));
      await store.learn(1, tokens, 'spam');
      await store.learn(1, tokens, 'spam');
      const counts = await store.counts(1, tokens);
      assert.equal(counts.size, 2000);
      assert.ok([...counts.values()].every((c) => c.spam === 2 && c.ham === 0));
    });

    it('drives the classifier and the trainer', async () => {
      const trainer = createBayesTrainer(store);
      for (let i = 0; i < 60; i++) {
        await trainer.train(1, [tok(1), tok(2), tok(3)], 'spam');
        await trainer.train(1, [tok(11), tok(12), tok(13)], 'ham');
      }
      const classifier = createBayesClassifier({ model: emptyBayesModel(), store, organizationId: 1 });
      assert.deepEqual((await classifier.classify([tok(1), tok(2)])).findings.map((f) => f.symbol), ['BAYES_SPAM']);
      assert.deepEqual((await classifier.classify([tok(11), tok(13)])).findings.map((f) => f.symbol), ['BAYES_HAM']);
    });
  });
}

contract('memory', undefined, () => Promise.resolve({ store: createMemoryBayesStore(), close: () => Promise.resolve(), org2: 2 }));

for (const engine of STORAGE_ENGINES) {
  contract(engine.name, engine.skip, async () => {
    const storage = await engine.open('bayes');
    const org = await storage.db.insertInto('organizations').values({ name: 'second', created_at: new Date().toISOString() }).returning('id').executeTakeFirstOrThrow();
    // Structural: the SQL store is a BayesStore (storage does not import spam).
    const store: BayesStore = createSqlBayesStore(storage.db);
    return { store, org2: org.id, close: () => storage.close() };
  });

  describe(`Bayes tables (${engine.name})`, { skip: engine.skip ?? false }, () => {
    it('refuse counts for an organization that does not exist, and go with a deleted one', async () => {
      const storage = await engine.open('bayes');
      try {
        const store = createSqlBayesStore(storage.db);
        await assert.rejects(store.learn(99, [tok(1)], 'spam'), /foreign key/i);
        // The failed transaction left nothing behind.
        assert.deepEqual(await store.totals(99), { spamMessages: 0, hamMessages: 0 });
      } finally {
        await storage.close();
      }
    });
  });
}
