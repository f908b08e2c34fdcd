import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createUdfDissector } from './dissector.js';
import { createExpansionBudget } from '../../dissect/budget.js';
import { SECTOR } from './descriptors.js';
import { readRecognition } from './volume.js';

function image(ids: readonly string[], sectors = 300): Uint8Array {
  const b = new Uint8Array(sectors * SECTOR);
  ids.forEach((id, i) => b.set(Buffer.from(`\0${id}\x01`, 'latin1'), (16 + i) * SECTOR));
  return b;
}

test('recognition: NSR02/NSR03 after BEA01, with or without ISO 9660 descriptors first', () => {
  assert.deepEqual(readRecognition(image(['BEA01', 'NSR02', 'TEA01'])), { udf: true, iso9660: false });
  assert.deepEqual(readRecognition(image(['BEA01', 'NSR03', 'TEA01'])), { udf: true, iso9660: false });
  assert.deepEqual(readRecognition(image(['CD001', 'CD001', 'BEA01', 'NSR02', 'TEA01'])), { udf: true, iso9660: true });
  assert.deepEqual(readRecognition(image(['CD001', 'CD001'])), { udf: false, iso9660: true });
  // NSR outside an extended area, or after an unknown descriptor, does not count.
  assert.deepEqual(readRecognition(image(['NSR02'])), { udf: false, iso9660: false });
  assert.deepEqual(readRecognition(image(['BEA01', 'XXXXX', 'NSR02'])), { udf: false, iso9660: false });
  // A buffer that ends inside the sequence.
  assert.deepEqual(readRecognition(image(['BEA01', 'NSR02']).subarray(0, 17 * SECTOR + 3)), { udf: false, iso9660: false });
});

test('a recognition sequence with nothing behind it is UDF_UNREADABLE, not a throw', async () => {
  const dissector = createUdfDissector();
  const content = image(['BEA01', 'NSR02', 'TEA01']);
  assert.equal(dissector.accepts({ path: '1', content }), true);
  assert.equal(dissector.accepts({ path: '1', content: new Uint8Array(100) }), false);
  const budget = createExpansionBudget({ maxTotalBytes: 1 << 20, maxEntries: 10, maxDepth: 3, maxRatio: 100, maxMemberBytes: 1 << 20 });
  const result = await dissector.dissect({ path: '1', content }, { budget, passwords: [] });
  assert.deepEqual(result.members, []);
  assert.deepEqual(result.findings.map((f) => [f.symbol, f.score, f.engine, f.artifact]), [['UDF_UNREADABLE', 15, 'udf', '1']]);
});
