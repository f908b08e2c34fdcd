import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mergeConfig } from './merge.js';
import { parseConfigYaml } from './yaml-file.js';

describe('mergeConfig', () => {
  it('merges mappings by key and replaces lists and scalars', () => {
    const base = { a: { x: 1, y: 2 }, list: [1, 2, 3], s: 'base' };
    const merged = mergeConfig(base, { a: { y: 3, z: 4 }, list: [9], s: 'over' });
    assert.deepEqual(merged, { a: { x: 1, y: 3, z: 4 }, list: [9], s: 'over' });
    assert.deepEqual(base, { a: { x: 1, y: 2 }, list: [1, 2, 3], s: 'base' }, 'inputs are not modified');
  });

  it('removes a key set to null', () => {
    assert.deepEqual(mergeConfig({ a: 1, b: 2 }, { b: null }), { a: 1 });
  });

  it('keeps __proto__ from YAML as a plain own key, never a prototype', () => {
    const override = parseConfigYaml('__proto__: { polluted: true }\n', 'test');
    const merged = mergeConfig({ a: 1 }, override) as Record<string, unknown>;
    assert.equal(Object.getPrototypeOf(merged), Object.prototype);
    assert.ok(Object.keys(merged).includes('__proto__'));
    assert.equal(({} as Record<string, unknown>)['polluted'], undefined);
  });
});
