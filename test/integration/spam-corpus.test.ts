import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { loadSplit, analyzeCorpusFile } from '../../bench/spam-corpus.js';
import { createBayesClassifier, loadBayesModel } from '../../src/spam/index.js';

// dist/test/integration/ -> repository root
const MODEL = fileURLToPath(new URL('../../../rules/spam/model.bin.gz', import.meta.url));
// Two held-out messages (not in the model's training 70%): an easy ham and a spam.
const HAM = 'easy-ham-1/02360.e0e26457785f0c6b622dd5b94996ced9.txt';
const SPAM = 'spam-2/00731.f62550b637d55a42158889ef47fcab7e.txt';

test('the shipped model loads and classifies two held-out corpus messages through the real pipeline', async () => {
  const model = await loadBayesModel(MODEL);
  assert.ok(model.spamMessages > 1000 && model.hamMessages > 2000 && model.tokens.size > 10_000);
  const { train, test: heldOut } = await loadSplit();
  const classifier = createBayesClassifier({ model, organizationId: 1 });
  for (const [path, symbol] of [
    [HAM, 'BAYES_HAM'],
    [SPAM, 'BAYES_SPAM'],
  ] as const) {
    const file = heldOut.find((f) => f.path === path);
    assert.ok(file !== undefined, `${path} is held out`);
    assert.ok(!train.some((f) => f.path === path));
    const { tokens } = await analyzeCorpusFile(file);
    const result = await classifier.classify(tokens);
    assert.deepEqual(result.findings.map((f) => f.symbol), [symbol], `${path}: p=${result.probability}`);
  }
});

test('the split is deterministic, stratified 70/30 and covers the corpus', async () => {
  const a = await loadSplit();
  const b = await loadSplit();
  assert.deepEqual(a, b);
  assert.equal(a.train.length + a.test.length, 6046);
  for (const group of ['easy-ham-1', 'easy-ham-2', 'hard-ham-1', 'spam-1', 'spam-2']) {
    const inTrain = a.train.filter((f) => f.group === group).length;
    const inTest = a.test.filter((f) => f.group === group).length;
    assert.ok(Math.abs(inTrain / (inTrain + inTest) - 0.7) < 0.01, group);
  }
});
