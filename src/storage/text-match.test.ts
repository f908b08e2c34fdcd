import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { containsPattern, domainOf, escapeLike, normalizeMessageId, parseAddressTerm } from './text-match.js';

describe('escapeLike', () => {
  it('escapes LIKE wildcards and the escape character itself', () => {
    assert.equal(escapeLike('50%_off\\now'), '50\\%\\_off\\\\now');
    assert.equal(containsPattern('a%'), '%a\\%%');
  });
});

describe('domainOf', () => {
  it('takes the lower-cased part after the last @', () => {
    assert.equal(domainOf('"a@b"@Example.COM'), 'example.com');
    assert.equal(domainOf(''), '');
    assert.equal(domainOf('postmaster'), '');
  });
});

describe('normalizeMessageId', () => {
  it('strips whitespace and one pair of angle brackets', () => {
    assert.equal(normalizeMessageId(' <abc@x.example> '), 'abc@x.example');
    assert.equal(normalizeMessageId('abc@x.example'), 'abc@x.example');
    assert.equal(normalizeMessageId('<abc'), '<abc');
  });
});

describe('parseAddressTerm', () => {
  it('treats a term with a local part as an address and anything else as a domain', () => {
    assert.deepEqual(parseAddressTerm(' Alice@Example.com '), { kind: 'address', value: 'Alice@Example.com' });
    assert.deepEqual(parseAddressTerm('@Example.com'), { kind: 'domain', value: 'example.com' });
    assert.deepEqual(parseAddressTerm('example.com'), { kind: 'domain', value: 'example.com' });
  });
});
