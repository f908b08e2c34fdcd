import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { REDACTED, redactConfig } from '../redact.js';
import { intelFeedsSchema } from './intel-feeds.js';

const URL_OK = 'https://taxii.example/api1/collections/91a7b528-80eb-42ed-a74d-c6fbd5a26116/';

/** The issues of a parse as `path: message` lines. */
function issues(input: unknown): string[] {
  const result = intelFeedsSchema.safeParse(input);
  return result.success ? [] : result.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
}

describe('intel.feeds config', () => {
  it('fills the defaults of an item', () => {
    assert.deepEqual(intelFeedsSchema.parse([{ name: 'cisa', url: URL_OK }]), [
      { name: 'cisa', url: URL_OK, intervalSeconds: 3600, timeoutSeconds: 30, maxBytesPerPage: 32 * 1024 * 1024, maxPagesPerPoll: 100, pageSize: 1000, enabled: true },
    ]);
  });

  it('names the key at fault', () => {
    assert.deepEqual(issues([{ name: 'cisa', url: 'https://taxii.example/collections/1' }]), ['0.url: must be an http(s) TAXII collection URL ending with / (https://host/api-root/collections/<id>/), without credentials or query']);
    assert.deepEqual(issues([{ name: 'cisa', url: 'https://u:p@taxii.example/c/' }]).length, 1);
    assert.deepEqual(issues([{ name: 'cisa', url: URL_OK, intervalSeconds: 10 }]), ['0.intervalSeconds: Too small: expected number to be >=60']);
    assert.deepEqual(issues([{ name: 'cisa', url: URL_OK, username: 'moat' }]), ['0.password: username and password go together']);
    assert.deepEqual(issues([{ name: 'cisa', url: URL_OK, username: 'moat', password: 'p', token: 't' }]), ['0.token: use either token or username/password, not both']);
    assert.deepEqual(issues([{ name: 'cisa', url: URL_OK, pageSize: 5000, maxPagesPerPoll: 100 }]), ['0.maxPagesPerPoll: pageSize × maxPagesPerPoll must be at most 100000 (objects stored by one poll)']);
    assert.deepEqual(issues([{ name: 'a', url: URL_OK }, { name: 'A', url: URL_OK }]), ['1.name: feed name A is used twice']);
    assert.deepEqual(issues([{ name: 'cisa', url: URL_OK, secret: 1 }]).length, 1, 'unknown keys are refused');
  });

  it('redacts the password and the token in config print', () => {
    const feeds = intelFeedsSchema.parse([
      { name: 'a', url: URL_OK, username: 'moat', password: 'hunter2' },
      { name: 'b', url: URL_OK, token: 'tok-123' },
    ]);
    const printed = JSON.stringify(redactConfig({ intel: { feeds } }));
    assert.ok(!printed.includes('hunter2') && !printed.includes('tok-123'), printed);
    assert.equal(printed.split(REDACTED).length - 1, 2);
    assert.ok(printed.includes('"username":"moat"'));
  });
});
