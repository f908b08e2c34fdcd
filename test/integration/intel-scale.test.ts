// Scale check: 1,000,000 sha256 indicators from a plain list. Reports load,
// snapshot and lookup figures via diagnostics; asserts behaviour only (no timings).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { createIndicatorStore, parsePlainList } from '../../src/intel/index.js';

const COUNT = 1_000_000;
const hashOf = (i: number): string => createHash('sha256').update(String(i)).digest('hex');

test('one million sha256 indicators load and look up by Map', (t) => {
  const lines: string[] = [];
  for (let i = 0; i < COUNT; i++) lines.push(hashOf(i));
  const text = lines.join('\n');
  const t0 = performance.now();
  const { indicators, errors } = parsePlainList(text, { type: 'sha256', file: 'big.txt' });
  const t1 = performance.now();
  const store = createIndicatorStore(indicators);
  const t2 = performance.now();
  assert.equal(errors.length, 0);
  assert.equal(store.count('sha256'), COUNT);

  const probes = 100_000;
  let hits = 0;
  const t3 = performance.now();
  for (let i = 0; i < probes; i++) hits += store.match('sha256', lines[(i * 7919) % COUNT] ?? '').length;
  const t4 = performance.now();
  let misses = 0;
  for (let i = 0; i < probes; i++) misses += store.match('sha256', hashOf(COUNT + i)).length;
  assert.equal(hits, probes);
  assert.equal(misses, 0);
  const t5 = performance.now();
  const clone = structuredClone(store.toSnapshot());
  const t6 = performance.now();
  assert.equal(clone.indicators.length, COUNT);
  t.diagnostic(`parse ${(t1 - t0).toFixed(0)} ms, build ${(t2 - t1).toFixed(0)} ms, ${((1000 * (t4 - t3)) / probes).toFixed(2)} µs/lookup (hit), snapshot clone ${(t6 - t5).toFixed(0)} ms, heap ${(process.memoryUsage().heapUsed / 1e6).toFixed(0)} MB`);
});
