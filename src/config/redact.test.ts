import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { REDACTED, redactConfig } from './redact.js';
import { recordEnvPaths } from './provenance.js';

describe('redactConfig', () => {
  it('redacts secret-looking keys, key material and URL passwords but keeps key paths', () => {
    const config = {
      smtp: { tls: { cert: '/etc/moat/cert.pem', key: '/etc/moat/key.pem' } },
      relay: { password: 'hunter2', apiKey: 'abc', authToken: 'tok', inlineKey: '-----BEGIN PRIVATE KEY-----\nMII...' },
      storage: { url: 'postgres://moat:s3cret@db.internal:5432/moat' },
      policy: { symbolScores: { SPAM_TOKEN: 3 } },
    };
    assert.deepEqual(redactConfig(config), {
      smtp: { tls: { cert: '/etc/moat/cert.pem', key: '/etc/moat/key.pem' } },
      relay: { password: REDACTED, apiKey: REDACTED, authToken: REDACTED, inlineKey: REDACTED },
      storage: { url: `postgres://moat:${REDACTED}@db.internal:5432/moat` },
      policy: { symbolScores: { SPAM_TOKEN: 3 } },
    });
  });

  it('redacts values that came from the environment', () => {
    const config = { smtp: { banner: 'from env', listen: { port: 25 } }, domains: [{ name: 'a.test', subjectPrefix: 'env too' }] };
    recordEnvPaths(config, new Set(['smtp.banner', 'domains[0].subjectPrefix']));
    assert.deepEqual(redactConfig(config), { smtp: { banner: REDACTED, listen: { port: 25 } }, domains: [{ name: 'a.test', subjectPrefix: REDACTED }] });
  });
});
