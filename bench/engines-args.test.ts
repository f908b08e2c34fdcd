import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseEnginesArgs, parseSteps } from './engines-args.js';

describe('parseEnginesArgs', () => {
  it('has the documented defaults: 16 connections, 2000 + 200 messages, mixed corpus, off then all, 1.12 M signatures', () => {
    const options = parseEnginesArgs([]);
    assert.equal(options.connections, 16);
    assert.equal(options.messages, 2000);
    assert.equal(options.warmup, 200);
    assert.equal(options.sample, 2200, 'no message is sent twice');
    assert.equal(options.corpus, 'mixed');
    assert.deepEqual(options.steps, ['off', 'all', 'sender']);
    assert.deepEqual(options.db, { md5Hashes: 1_000_000, sha256Hashes: 100_000, bodySignatures: 20_000, seed: 20261126 });
    assert.equal(options.timeoutSeconds, 420);
  });

  it('takes every option and bounds the numbers', () => {
    const options = parseEnginesArgs(['--messages', '50', '--warmup', '5', '--corpus', 'attachments', '--steps', 'all,off,yara', '--db-md5', '10', '--db-sha256', '0', '--db-body', '3', '--json']);
    assert.equal(options.sample, 55);
    assert.equal(options.corpus, 'attachments');
    assert.deepEqual(options.steps, ['off', 'yara', 'all']);
    assert.equal(options.db.md5Hashes, 10);
    assert.equal(options.json, true);
    assert.throws(() => parseEnginesArgs(['--db-md5', '20000000']), /--db-md5/);
    assert.throws(() => parseEnginesArgs(['--corpus', 'enron']), /--corpus/);
    assert.throws(() => parseEnginesArgs(['--connections', '0']), /--connections/);
  });

  it('refuses unknown and repeated steps', () => {
    assert.throws(() => parseSteps('off,clam'), /unknown step clam/);
    assert.throws(() => parseSteps('off,off'), /twice/);
    assert.deepEqual(parseSteps('intel, off'), ['off', 'intel']);
  });
});
