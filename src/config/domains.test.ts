import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { findDomain, isAcceptedRecipient, normalizeDomain, parseAddress } from './domains.js';
import type { DomainConfig } from './schema.js';

function domain(name: string, recipients: DomainConfig['recipients'] = 'any'): DomainConfig {
  return { name, recipients };
}

const config = {
  domains: [domain('example.test'), domain('corp.test', ['alice', 'Bob.Smith@corp.test', '"john doe"']), domain('xn--bcher-kva.test')],
};

describe('findDomain', () => {
  it('matches case-insensitively', () => {
    assert.equal(findDomain(config, 'EXAMPLE.Test')?.name, 'example.test');
  });

  it('matches an IDN in Unicode or punycode form', () => {
    assert.equal(findDomain(config, 'bücher.test')?.name, 'xn--bcher-kva.test');
    assert.equal(findDomain(config, 'BÜCHER.TEST')?.name, 'xn--bcher-kva.test');
    assert.equal(findDomain(config, 'XN--BCHER-KVA.test')?.name, 'xn--bcher-kva.test');
  });

  it('does not match other domains, subdomains, literals or trailing dots', () => {
    for (const name of ['other.test', 'sub.example.test', 'example.test.', '[127.0.0.1]', '', 'example.test\r\n']) {
      assert.equal(findDomain(config, name), undefined, name);
    }
  });
});

describe('parseAddress', () => {
  it('canonicalises case, quoting and Unicode normalisation', () => {
    assert.deepEqual(parseAddress('Alice@Example.TEST'), { local: 'alice', domain: 'example.test' });
    assert.deepEqual(parseAddress('"alice"@example.test'), { local: 'alice', domain: 'example.test' });
    assert.deepEqual(parseAddress('"John Doe"@example.test'), { local: '"john doe"', domain: 'example.test' });
    assert.deepEqual(parseAddress('Jose\u0301@bücher.test'), { local: 'jos\u00e9', domain: 'xn--bcher-kva.test' });
  });

  it('rejects malformed addresses', () => {
    const bad = [
      'no-at-sign',
      '@example.test',
      'alice@',
      'a..b@example.test',
      '.a@example.test',
      'a.@example.test',
      'a b@example.test',
      '"unterminated@example.test',
      '"ctl\u0001"@example.test',
      '"nul\u0000"@example.test',
      '"bad"quote"@example.test',
      '"trailing\\"@example.test',
      'rlo\u202eexe@example.test',
      'del\u007f@example.test',
      'user@[192.0.2.1]',
      `${'a'.repeat(65)}@example.test`,
      `a@${'b'.repeat(250)}.test`,
    ];
    for (const address of bad) assert.equal(parseAddress(address), undefined, JSON.stringify(address));
  });

  it('normalises domains to ASCII lower case', () => {
    assert.equal(normalizeDomain('Bücher.Test'), 'xn--bcher-kva.test');
    assert.equal(normalizeDomain('exa mple.test'), undefined);
  });
});

describe('isAcceptedRecipient', () => {
  it('accepts any local part of a domain with recipients: any', () => {
    const result = isAcceptedRecipient(config, 'Whoever@Example.Test');
    assert.equal(result.ok, true);
    assert.equal(result.ok && result.domain.name, 'example.test');
  });

  it('refuses other domains with reason domain', () => {
    assert.deepEqual(isAcceptedRecipient(config, 'alice@elsewhere.test'), { ok: false, reason: 'domain' });
    assert.deepEqual(isAcceptedRecipient(config, 'alice@[192.0.2.1]'), { ok: false, reason: 'domain' });
  });

  it('matches listed local parts and full addresses case-insensitively', () => {
    assert.equal(isAcceptedRecipient(config, 'ALICE@corp.test').ok, true);
    assert.equal(isAcceptedRecipient(config, 'bob.smith@CORP.test').ok, true);
    assert.equal(isAcceptedRecipient(config, '"John Doe"@corp.test').ok, true);
    assert.equal(isAcceptedRecipient(config, '"alice"@corp.test').ok, true);
    assert.deepEqual(isAcceptedRecipient(config, 'carol@corp.test'), { ok: false, reason: 'recipient' });
  });

  it('always accepts postmaster (RFC 5321 4.5.1)', () => {
    assert.equal(isAcceptedRecipient(config, 'PostMaster@corp.test').ok, true);
  });

  it('refuses malformed addresses with reason recipient', () => {
    assert.deepEqual(isAcceptedRecipient(config, 'alice'), { ok: false, reason: 'recipient' });
    assert.deepEqual(isAcceptedRecipient(config, '"ali\u0007ce"@example.test'), { ok: false, reason: 'recipient' });
    assert.deepEqual(isAcceptedRecipient(config, 'a..b@example.test'), { ok: false, reason: 'recipient' });
  });
});
