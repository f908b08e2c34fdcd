import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseScanReply } from './client.js';

test('clamd INSTREAM replies map to scan results', () => {
  assert.deepEqual(parseScanReply('stream: OK'), { status: 'clean' });
  assert.deepEqual(parseScanReply('stream: Eicar-Test-Signature FOUND'), { status: 'found', signature: 'Eicar-Test-Signature' });
  assert.deepEqual(parseScanReply('stream: Win.Trojan.Agent-1 FOUND\n'), { status: 'found', signature: 'Win.Trojan.Agent-1' });
  assert.deepEqual(parseScanReply('INSTREAM size limit exceeded. ERROR'), { status: 'too-large' });
});

test('other clamd errors and unknown replies are outages, not clean', () => {
  const error = parseScanReply('stream: Can\'t allocate memory ERROR');
  assert.equal(error.status, 'unavailable');
  assert.match(error.status === 'unavailable' ? error.reason : '', /clamd error/);
  for (const reply of ['', 'OK', 'stream: ok', 'stream:  FOUND', 'PONG', 'stream: OK extra']) {
    assert.equal(parseScanReply(reply).status, 'unavailable', JSON.stringify(reply));
  }
});
