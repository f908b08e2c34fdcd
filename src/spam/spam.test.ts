import { test } from 'node:test';
import assert from 'node:assert/strict';
import { gzipSync } from 'node:zlib';
import {
  chi2Q,
  combineProbabilities,
  createBayesClassifier,
  createBayesTrainer,
  createMemoryBayesStore,
  decodeBayesModel,
  DEFAULT_COMBINE_OPTIONS,
  emptyBayesModel,
  encodeBayesModel,
  tokenProbability,
} from './index.js';
import type { BayesModel, BayesStore } from './index.js';

// Toy tokens: 8-hex-digit hashes as the worker emits them.
const tok = (n: number): string => n.toString(16).padStart(8, '0');
const SPAMMY = [1, 2, 3, 4, 5, 6, 7, 8].map(tok);
const HAMMY = [101, 102, 103, 104, 105, 106, 107, 108].map(tok);
const COMMON = [201, 202, 203].map(tok);

/** 60 spam and 60 ham toy messages: each has 6 of its class' 8 tokens plus the common ones. */
async function trainToy(store: BayesStore, organizationId: number): Promise<void> {
  const trainer = createBayesTrainer(store);
  for (let i = 0; i < 60; i++) {
    await trainer.train(organizationId, [...SPAMMY.filter((_, k) => k !== i % 8 && k !== (i + 3) % 8), ...COMMON], 'spam');
    await trainer.train(organizationId, [...HAMMY.filter((_, k) => k !== i % 8 && k !== (i + 5) % 8), ...COMMON], 'ham');
  }
}

test('chi2Q: the series matches known values', () => {
  assert.ok(Math.abs(chi2Q(2, 2) - Math.exp(-1)) < 1e-12);
  assert.ok(Math.abs(chi2Q(0, 10) - 1) < 1e-12);
  assert.ok(chi2Q(1000, 4) < 1e-100);
});

test('Robinson f(w): unseen tokens sit at x, strong evidence approaches 0 or 1 but never reaches it', () => {
  const o = DEFAULT_COMBINE_OPTIONS;
  assert.equal(tokenProbability({ spam: 0, ham: 0 }, 100, 100, o), 0.5);
  const spammy = tokenProbability({ spam: 100, ham: 0 }, 100, 100, o);
  assert.ok(spammy > 0.99 && spammy < 1);
  const hammy = tokenProbability({ spam: 0, ham: 100 }, 100, 100, o);
  assert.ok(hammy < 0.01 && hammy > 0);
  // Class sizes are normalised: 10 of 10 spam vs 100 of 1000 ham is spam evidence.
  assert.ok(tokenProbability({ spam: 10, ham: 100 }, 10, 1000, o) > 0.8);
  assert.deepEqual(combineProbabilities([0.5, 0.55, 0.45], o), { probability: 0.5, used: 0 });
  assert.ok(combineProbabilities([0.99, 0.98, 0.97], o).probability > 0.95);
  assert.ok(combineProbabilities([0.01, 0.02, 0.03], o).probability < 0.05);
});

test('train on a toy set, classify: spam, ham, and nothing in the uncertain middle', async () => {
  const store = createMemoryBayesStore();
  await trainToy(store, 7);
  const classifier = createBayesClassifier({ model: emptyBayesModel(), store, organizationId: 7 });
  const spam = await classifier.classify([...SPAMMY.slice(0, 5), COMMON[0] ?? '']);
  assert.ok(spam.probability > 0.99, String(spam.probability));
  assert.deepEqual(spam.findings.map((f) => [f.engine, f.symbol, f.score]), [['bayes', 'BAYES_SPAM', 20]]);
  const ham = await classifier.classify(HAMMY.slice(2, 7));
  assert.ok(ham.probability < 0.01);
  assert.deepEqual(ham.findings.map((f) => f.symbol), ['BAYES_HAM']);
  assert.ok((ham.findings[0]?.score ?? 0) < 0);
  const mixed = await classifier.classify([...SPAMMY.slice(0, 3), ...HAMMY.slice(0, 3)]);
  assert.ok(mixed.probability > 0.2 && mixed.probability < 0.8, String(mixed.probability));
  assert.deepEqual(mixed.findings, []);
  // Unknown and malformed tokens say nothing.
  assert.deepEqual((await classifier.classify([tok(999), 'not-a-token'])).findings, []);
});

test('organizations are apart: one organization\'s training does not classify for another', async () => {
  const store = createMemoryBayesStore();
  await trainToy(store, 1);
  const other = createBayesClassifier({ model: emptyBayesModel(), store, organizationId: 2 });
  assert.deepEqual(await other.classify(SPAMMY), { probability: 0.5, decisiveTokens: 0, findings: [] });
});

test('global model plus organization deltas: an organization can turn a token around', async () => {
  const model: BayesModel = { spamMessages: 100, hamMessages: 100, tokens: new Map([[tok(1), { spam: 60, ham: 0 }], [tok(2), { spam: 50, ham: 1 }]]) };
  const store = createMemoryBayesStore();
  const global = createBayesClassifier({ model, organizationId: 3 });
  assert.ok((await global.classify([tok(1), tok(2)])).probability > 0.95);
  // This organization's newsletter uses those words: 200 released messages teach ham.
  const trainer = createBayesTrainer(store);
  for (let i = 0; i < 200; i++) await trainer.train(3, [tok(1), tok(2)], 'ham');
  const own = createBayesClassifier({ model, store, organizationId: 3 });
  const after = await own.classify([tok(1), tok(2)]);
  assert.ok(after.probability <= 0.5, String(after.probability));
  assert.ok(!after.findings.some((f) => f.symbol === 'BAYES_SPAM'));
});

test('a store that does not answer in time: global model alone, BAYES_STORE_UNAVAILABLE', async () => {
  const model: BayesModel = { spamMessages: 100, hamMessages: 100, tokens: new Map([[tok(1), { spam: 90, ham: 0 }]]) };
  const stuck: BayesStore = {
    totals: () => new Promise(() => undefined),
    counts: () => new Promise(() => undefined),
    learn: () => Promise.resolve(),
  };
  const classifier = createBayesClassifier({ model, store: stuck, organizationId: 1, storeTimeoutMs: 50 });
  const result = await classifier.classify([tok(1)]);
  assert.deepEqual(result.findings.map((f) => f.symbol), ['BAYES_STORE_UNAVAILABLE', 'BAYES_SPAM']);
});

test('the trainer drops malformed and duplicate tokens and refuses a bad organization id', async () => {
  const store = createMemoryBayesStore();
  const trainer = createBayesTrainer(store);
  await trainer.train(1, [tok(1), tok(1), 'XYZ', 'DEADBEEF', tok(2)], 'spam');
  assert.deepEqual(await store.totals(1), { spamMessages: 1, hamMessages: 0 });
  assert.deepEqual([...(await store.counts(1, [tok(1), tok(2), 'deadbeef']))], [[tok(1), { spam: 1, ham: 0 }], [tok(2), { spam: 1, ham: 0 }]]);
  await assert.rejects(trainer.train(0, [tok(1)], 'ham'), RangeError);
});

test('the memory store caps distinct tokens per organization', async () => {
  const store = createMemoryBayesStore({ maxTokensPerOrganization: 2 });
  await store.learn(1, [tok(1), tok(2), tok(3)], 'spam');
  await store.learn(1, [tok(1), tok(3)], 'spam');
  assert.deepEqual([...(await store.counts(1, [tok(1), tok(2), tok(3)])).keys()], [tok(1), tok(2)]);
  assert.equal((await store.counts(1, [tok(1)])).get(tok(1))?.spam, 2);
});

test('model files round-trip byte for byte, and foreign or truncated files are refused', () => {
  const model: BayesModel = { spamMessages: 5, hamMessages: 9, tokens: new Map([[tok(0xffffffff), { spam: 1, ham: 0 }], [tok(0), { spam: 0, ham: 3 }], [tok(77), { spam: 4, ham: 4 }]]) };
  const bytes = encodeBayesModel(model);
  const back = decodeBayesModel(bytes);
  assert.equal(back.spamMessages, 5);
  assert.equal(back.hamMessages, 9);
  assert.deepEqual([...back.tokens].sort(), [...model.tokens].sort());
  assert.deepEqual(encodeBayesModel(back), bytes);
  assert.throws(() => decodeBayesModel(Buffer.from('not gzip')), { code: 'SPAM_MODEL_INVALID' });
  assert.throws(() => decodeBayesModel(gzipSync(Buffer.from('MOATBAY1xxxxxxxxxxxx'))), { code: 'SPAM_MODEL_INVALID' });
  const raw = Buffer.from(gzipSync(Buffer.alloc(0)));
  assert.throws(() => decodeBayesModel(raw), { code: 'SPAM_MODEL_INVALID' });
});

test('untrained (below minMessagesPerClass): no finding at all', async () => {
  const model: BayesModel = { spamMessages: 10, hamMessages: 10, tokens: new Map([[tok(1), { spam: 10, ham: 0 }]]) };
  assert.deepEqual(await createBayesClassifier({ model, organizationId: 1 }).classify([tok(1)]), { probability: 0.5, decisiveTokens: 0, findings: [] });
});
