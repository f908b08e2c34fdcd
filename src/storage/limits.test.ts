import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { boundText, chunk, clampLimit } from './limits.js';

describe('boundText', () => {
  it('keeps short text and marks a cut', () => {
    assert.equal(boundText('abc', 3), 'abc');
    assert.equal(boundText('abcdef', 4), 'abc…');
  });
  it('never splits a surrogate pair', () => {
    const out = boundText('ab😀cd', 4);
    assert.equal(out, 'ab…');
    assert.ok(out.length <= 4);
  });
});

describe('clampLimit', () => {
  it('defaults, floors and clamps to [1, max]', () => {
    assert.equal(clampLimit(undefined), 50);
    assert.equal(clampLimit(Number.NaN), 50);
    assert.equal(clampLimit(0), 1);
    assert.equal(clampLimit(2.9), 2);
    assert.equal(clampLimit(5000), 1000);
    assert.equal(clampLimit(20, 5, 10), 10);
  });
});

describe('chunk', () => {
  it('splits into slices of at most size', () => {
    assert.deepEqual(chunk([1, 2, 3, 4, 5], 2), [[1, 2], [3, 4], [5]]);
    assert.deepEqual(chunk([], 2), []);
  });
});
