import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createFindingCollector } from './finding-collector.js';

test('one finding per symbol, first path as artifact, count and paths in detail', () => {
  const c = createFindingCollector();
  c.add('MIME_BAD_BASE64', 'base64 body is not well-formed', '1.2');
  for (let i = 3; i <= 9; i++) c.add('MIME_BAD_BASE64', 'base64 body is not well-formed', `1.${i}`);
  c.add('MIME_UNTERMINATED', 'multipart without its closing delimiter');
  const [bad, unterminated, ...rest] = c.list();
  assert.equal(rest.length, 0);
  assert.deepEqual(bad, {
    engine: 'mime',
    symbol: 'MIME_BAD_BASE64',
    score: 3,
    severity: 'medium',
    detail: 'part 1.2: base64 body is not well-formed (8 times, parts 1.2, 1.3, 1.4, 1.5, 1.6, …)',
    artifact: '1.2',
  });
  assert.deepEqual(unterminated, { engine: 'mime', symbol: 'MIME_UNTERMINATED', score: 2, severity: 'low', detail: 'multipart without its closing delimiter' });
});
