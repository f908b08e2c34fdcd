import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, it } from 'node:test';
import { generateApiToken, generateCsrfToken, generateSessionId, hashApiToken, hashSessionId, safeEqual } from './tokens.js';

const sha256 = (value: string): string => createHash('sha256').update(value).digest('hex');

describe('API tokens', () => {
  it('are moat_ + 43 base64url characters, stored as the SHA-256 of the whole token', () => {
    const { token, hash, prefix } = generateApiToken();
    assert.match(token, /^moat_[A-Za-z0-9_-]{43}$/);
    assert.equal(Buffer.from(token.slice(5), 'base64url').length, 32);
    assert.equal(hash, sha256(token));
    assert.equal(prefix, token.slice(0, 12));
    assert.equal(hashApiToken(token), hash);
  });

  it('differ every time', () => {
    const tokens = new Set(Array.from({ length: 100 }, () => generateApiToken().token));
    assert.equal(tokens.size, 100);
  });

  it('refuse to hash anything that is not a token', () => {
    const { token } = generateApiToken();
    for (const bad of ['', 'moat_', token.slice(0, -1), `${token}A`, token.replace('moat_', 'MOAT_'), token.slice(5), `${token.slice(0, -1)}=`, `${token.slice(0, -1)}+`, ` ${token}`, `${token}\n`]) {
      assert.equal(hashApiToken(bad), undefined, JSON.stringify(bad));
    }
  });
});

describe('session ids', () => {
  it('are 32 random bytes base64url, stored as their SHA-256', () => {
    const { id, hash } = generateSessionId();
    assert.match(id, /^[A-Za-z0-9_-]{43}$/);
    assert.equal(hash, sha256(id));
    assert.equal(hashSessionId(id), hash);
    assert.notEqual(generateSessionId().id, id);
  });

  it('refuse to hash a malformed id', () => {
    const { id } = generateSessionId();
    for (const bad of ['', id.slice(1), `${id}x`, `${id.slice(0, -1)}.`, `moat_${id}`]) {
      assert.equal(hashSessionId(bad), undefined, JSON.stringify(bad));
    }
  });
});

describe('CSRF tokens and safeEqual', () => {
  it('makes distinct 43-character CSRF tokens', () => {
    const a = generateCsrfToken();
    assert.match(a, /^[A-Za-z0-9_-]{43}$/);
    assert.notEqual(generateCsrfToken(), a);
  });

  it('compares strings of any length', () => {
    assert.equal(safeEqual('abc', 'abc'), true);
    assert.equal(safeEqual('', ''), true);
    assert.equal(safeEqual('abc', 'abd'), false);
    assert.equal(safeEqual('abc', 'abcd'), false);
    assert.equal(safeEqual('abc', ''), false);
    assert.equal(safeEqual('é', 'e\u0301'), false);
  });
});
