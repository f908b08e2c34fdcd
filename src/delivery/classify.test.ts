import { test } from 'node:test';
import assert from 'node:assert/strict';
import { classifyReply, parseReplyCodes } from './classify.js';

test('5xx is permanent, 4xx temporary', () => {
  assert.equal(classifyReply(550, '5.1.1'), 'permanent');
  assert.equal(classifyReply(554), 'permanent');
  assert.equal(classifyReply(451, '4.3.0'), 'temporary');
  assert.equal(classifyReply(421), 'temporary');
});

test('network errors and unknown codes are temporary', () => {
  assert.equal(classifyReply(0), 'temporary');
  assert.equal(classifyReply(250), 'temporary');
});

test('mailbox full (X.2.2) and 552 too-many-recipients are retried', () => {
  assert.equal(classifyReply(552, '5.2.2'), 'temporary');
  assert.equal(classifyReply(550, '5.2.2'), 'temporary');
  assert.equal(classifyReply(552, '5.5.3'), 'temporary');
  assert.equal(classifyReply(552, '5.3.4'), 'permanent');
  assert.equal(classifyReply(550, '5.2.22'), 'permanent');
});

test('a custom rule table replaces the defaults', () => {
  const rules = [{ code: 554, outcome: 'temporary' as const, reason: 'test' }];
  assert.equal(classifyReply(554, undefined, rules), 'temporary');
});

test('parseReplyCodes reads basic and enhanced codes', () => {
  assert.deepEqual(parseReplyCodes('550 5.1.1 <x@y>: no such user'), { code: 550, enhanced: '5.1.1' });
  assert.deepEqual(parseReplyCodes('250-2.0.0 ok'), { code: 250, enhanced: '2.0.0' });
  assert.deepEqual(parseReplyCodes('421 service closing'), { code: 421 });
  assert.deepEqual(parseReplyCodes('garbage'), { code: 0 });
});
