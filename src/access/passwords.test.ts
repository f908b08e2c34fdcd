import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseOptions } from '@node-rs/argon2';
import {
  DUMMY_PASSWORD_HASH,
  generatePassword,
  GENERATED_PASSWORD_LENGTH,
  hashPassword,
  PASSWORD_HASH_OPTIONS,
  passwordNeedsRehash,
  passwordProblem,
  verifyPassword,
  verifyPasswordOrDummy,
} from './passwords.js';

describe('password hashing', () => {
  it('hashes with Argon2id m=19456 t=2 p=1 and a fresh salt', async () => {
    const first = await hashPassword('correct horse battery');
    const second = await hashPassword('correct horse battery');
    assert.match(first, /^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
    assert.notEqual(first, second);
    assert.equal(passwordNeedsRehash(first), false);
  });

  it('verifies the right password and refuses a wrong one', async () => {
    const stored = await hashPassword('correct horse battery');
    assert.equal(await verifyPassword(stored, 'correct horse battery'), true);
    assert.equal(await verifyPassword(stored, 'correct horse batterY'), false);
    assert.equal(await verifyPassword(stored, ''), false);
  });

  it('normalises Unicode: a decomposed é matches a composed one', async () => {
    const stored = await hashPassword('caf\u00e9 au lait, please');
    assert.equal(await verifyPassword(stored, 'cafe\u0301 au lait, please'), true);
  });

  it('returns false, never throws, for a malformed stored hash', async () => {
    const stored = await hashPassword('correct horse battery');
    for (const bad of ['', 'plaintext', '$argon2id$', '$argon2id$v=19$m=19456,t=2,p=1$$', stored.slice(0, -10), stored.replace('argon2id', 'argon2xx'), '$2b$12$abcdefghijklmnopqrstuu']) {
      assert.equal(await verifyPassword(bad, 'correct horse battery'), false, JSON.stringify(bad));
    }
    assert.equal(passwordNeedsRehash('plaintext'), true);
  });

  it('refuses absurdly long input before hashing it', async () => {
    const stored = await hashPassword('correct horse battery');
    assert.equal(await verifyPassword(stored, 'x'.repeat(100_000)), false);
  });

  it('asks for a rehash when the parameters changed', async () => {
    assert.equal(passwordNeedsRehash('$argon2id$v=19$m=4096,t=3,p=1$OMZ3od1nNj9ZEl405UwlLw$JS17MUD3lLGNphzLVciVxvknMGA3ALOXNC796Fv/ZHQ'), true);
  });
});

describe('unknown users', () => {
  it('the dummy hash uses exactly the production parameters (same cost)', () => {
    const options = parseOptions(DUMMY_PASSWORD_HASH);
    assert.equal(options.algorithm, PASSWORD_HASH_OPTIONS.algorithm);
    assert.equal(options.memoryCost, PASSWORD_HASH_OPTIONS.memoryCost);
    assert.equal(options.timeCost, PASSWORD_HASH_OPTIONS.timeCost);
    assert.equal(options.parallelism, PASSWORD_HASH_OPTIONS.parallelism);
    assert.equal(passwordNeedsRehash(DUMMY_PASSWORD_HASH), false);
  });

  it('verifyPasswordOrDummy is false for an unknown user and works for a known one', async () => {
    assert.equal(await verifyPasswordOrDummy(undefined, ''), false);
    assert.equal(await verifyPasswordOrDummy(undefined, 'anything at all 123'), false);
    const stored = await hashPassword('correct horse battery');
    assert.equal(await verifyPasswordOrDummy(stored, 'correct horse battery'), true);
    assert.equal(await verifyPasswordOrDummy(stored, 'wrong horse battery'), false);
  });

  it('does the Argon2 work for an unknown user (not a fast path)', async () => {
    // Compare against a real verification rather than a fixed duration: the same order of magnitude.
    const stored = await hashPassword('correct horse battery');
    const time = async (run: () => Promise<unknown>): Promise<number> => {
      const start = process.hrtime.bigint();
      for (let i = 0; i < 3; i += 1) await run();
      return Number(process.hrtime.bigint() - start);
    };
    const known = await time(() => verifyPasswordOrDummy(stored, 'wrong horse battery'));
    const unknown = await time(() => verifyPasswordOrDummy(undefined, 'wrong horse battery'));
    assert.ok(unknown > known / 4, `unknown user took ${unknown} ns, known ${known} ns`);
  });
});

describe('generatePassword', () => {
  it('makes long passwords from the unambiguous alphabet that pass the rules', () => {
    const seen = new Set<string>();
    for (let i = 0; i < 200; i += 1) {
      const password = generatePassword();
      assert.ok(password.length >= 20);
      assert.equal(password.length, GENERATED_PASSWORD_LENGTH);
      assert.match(password, /^[2-9a-km-zA-HJ-NP-Z]+$/);
      assert.equal(passwordProblem(password, 'admin'), undefined);
      seen.add(password);
    }
    assert.equal(seen.size, 200);
  });
});

describe('passwordProblem', () => {
  const refused: readonly (readonly [string, string, string?])[] = [
    ['short1!', 'shorter than 12 characters'],
    ['elevenchars', 'shorter than 12 characters'],
    ['x'.repeat(257), 'longer than 256 characters'],
    ['aaaaaaaaaaaaaaaa', 'repeats too few different characters'],
    ['abababababababab', 'repeats too few different characters'],
    ['abcdefghijklmn', 'is a simple sequence of characters'],
    ['zyxwvutsrqponm', 'is a simple sequence of characters'],
    ['Password1234', 'is a commonly used password'],
    ['correcthorsebatterystaple', 'is a commonly used password'],
    ['tab\tinside the password', 'contains control characters'],
    ['Alice-Cooper-1234', 'equals the username', 'alice-cooper-1234'],
    ['my alice-cooper password', 'contains the username', 'Alice-Cooper'],
  ];
  for (const [password, reason, username] of refused) {
    it(`refuses ${JSON.stringify(password.slice(0, 30))}: ${reason}`, () => {
      assert.equal(passwordProblem(password, username), reason);
    });
  }

  it('counts characters, not UTF-16 units', () => {
    // 11 emoji are 22 UTF-16 units but 11 characters.
    assert.equal(passwordProblem('🐟🐠🐡🦈🐙🦑🦀🦞🐚🐳🐋'), 'shorter than 12 characters');
    assert.equal(passwordProblem('🐟🐠🐡🦈🐙🦑🦀🦞🐚🐳🐋🐬'), undefined);
  });

  const accepted = ['correct horse battery', 'Tr0ub4dor&3-extended', 'twelve chars', 'x'.repeat(200) + 'yz w', 'mot de passe très long'];
  for (const password of accepted) {
    it(`accepts ${JSON.stringify(password.slice(0, 30))}`, () => {
      assert.equal(passwordProblem(password, 'alice'), undefined);
    });
  }

  it('ignores a very short username inside a passphrase', () => {
    assert.equal(passwordProblem('the bold alpine walk', 'al'), undefined);
  });
});
