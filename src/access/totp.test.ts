import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { base32Decode, base32Encode, generateTotpSecret, totpCode, totpStep, totpUri, verifyTotp } from './totp.js';

// RFC 6238 appendix B: the SHA-1 seed is the ASCII string "12345678901234567890".
const RFC_SECRET = base32Encode(Buffer.from('12345678901234567890', 'ascii'));

describe('base32 (RFC 4648 section 10 vectors)', () => {
  const vectors: readonly (readonly [string, string])[] = [
    ['', ''],
    ['f', 'MY'],
    ['fo', 'MZXQ'],
    ['foo', 'MZXW6'],
    ['foob', 'MZXW6YQ'],
    ['fooba', 'MZXW6YTB'],
    ['foobar', 'MZXW6YTBOI'],
  ];
  for (const [plain, encoded] of vectors) {
    it(`"${plain}" <-> "${encoded}"`, () => {
      assert.equal(base32Encode(Buffer.from(plain)), encoded);
      assert.equal(Buffer.from(base32Decode(encoded) ?? []).toString(), plain);
      // Case-insensitive, padding optional on input.
      assert.equal(Buffer.from(base32Decode(encoded.toLowerCase()) ?? []).toString(), plain);
      const padded = encoded + '='.repeat((8 - (encoded.length % 8)) % 8);
      assert.equal(Buffer.from(base32Decode(padded) ?? []).toString(), plain);
    });
  }

  it('refuses characters outside the alphabet, impossible lengths and non-canonical tails', () => {
    assert.equal(base32Decode('MZXW1YTB'), undefined); // 1 is not base32
    assert.equal(base32Decode('MZXW 6YTB'), undefined);
    assert.equal(base32Decode('MZXW6YT8'), undefined);
    assert.equal(base32Decode('M'), undefined); // 5 bits: no whole byte
    assert.equal(base32Decode('MZX'), undefined);
    assert.equal(base32Decode('MZ'), undefined); // "f" is MY: the last 2 bits of Z are not zero
    assert.equal(base32Decode('MY=A'), undefined);
  });

  it('round-trips random bytes of every length', () => {
    for (let length = 0; length <= 41; length += 1) {
      const bytes = Buffer.from(Array.from({ length }, (_, i) => (i * 97 + length * 13) & 0xff));
      assert.deepEqual(Buffer.from(base32Decode(base32Encode(bytes)) ?? [1, 2, 3]), bytes, `length ${length}`);
    }
  });
});

describe('TOTP codes', () => {
  // RFC 6238 appendix B, SHA1 column (8 digits).
  const vectors: readonly (readonly [number, string])[] = [
    [59, '94287082'],
    [1111111109, '07081804'],
    [1111111111, '14050471'],
    [1234567890, '89005924'],
    [2000000000, '69279037'],
    [20000000000, '65353130'],
  ];
  for (const [seconds, code] of vectors) {
    it(`RFC 6238 at T=${seconds}: ${code}`, () => {
      assert.equal(totpCode(RFC_SECRET, seconds * 1000, 8), code);
      // The 6-digit code is the same number modulo 10^6.
      assert.equal(totpCode(RFC_SECRET, seconds * 1000), code.slice(2));
    });
  }

  it('matches the RFC 4226 appendix D HOTP values at steps 0-9', () => {
    const hotp = ['755224', '287082', '359152', '969429', '338314', '254676', '287922', '162583', '399871', '520489'];
    hotp.forEach((code, step) => assert.equal(totpCode(RFC_SECRET, step * 30_000 + 29_999), code));
  });

  it('refuses a bad or short secret with ACCESS_TOTP_SECRET_INVALID', () => {
    assert.throws(() => totpCode('NOT-BASE32!', 0), { code: 'ACCESS_TOTP_SECRET_INVALID' });
    assert.throws(() => totpCode(base32Encode(Buffer.alloc(10, 1)), 0), { code: 'ACCESS_TOTP_SECRET_INVALID' });
    assert.throws(() => verifyTotp('a b', '123456', 0), { code: 'ACCESS_TOTP_SECRET_INVALID' });
  });

  it('refuses nonsense times and digit counts', () => {
    assert.throws(() => totpCode(RFC_SECRET, -1), RangeError);
    assert.throws(() => totpCode(RFC_SECRET, Number.NaN), RangeError);
    assert.throws(() => totpCode(RFC_SECRET, 0, 5), RangeError);
    assert.throws(() => totpCode(RFC_SECRET, 0, 9), RangeError);
  });

  it('generates 160-bit base32 secrets that differ', () => {
    const a = generateTotpSecret();
    const b = generateTotpSecret();
    assert.match(a, /^[A-Z2-7]{32}$/);
    assert.equal(base32Decode(a)?.length, 20);
    assert.notEqual(a, b);
  });
});

describe('verifyTotp', () => {
  const at = 1_111_111_111_000; // step 37037037
  const step = totpStep(at);
  const secret = generateTotpSecret();

  it('accepts the current code and returns its step', () => {
    assert.deepEqual(verifyTotp(secret, totpCode(secret, at), at), { ok: true, step });
    assert.deepEqual(verifyTotp(RFC_SECRET, '14050471', at, 1, { digits: 8 }), { ok: true, step });
  });

  it('accepts the neighbouring steps within the window, not beyond', () => {
    assert.deepEqual(verifyTotp(secret, totpCode(secret, at - 30_000), at), { ok: true, step: step - 1 });
    assert.deepEqual(verifyTotp(secret, totpCode(secret, at + 30_000), at), { ok: true, step: step + 1 });
    const twoBack = totpCode(secret, at - 60_000);
    if (twoBack !== totpCode(secret, at) && twoBack !== totpCode(secret, at - 30_000) && twoBack !== totpCode(secret, at + 30_000)) {
      assert.deepEqual(verifyTotp(secret, twoBack, at), { ok: false });
    }
    assert.deepEqual(verifyTotp(secret, twoBack, at, 2), { ok: true, step: step - 2 });
    assert.deepEqual(verifyTotp(secret, totpCode(secret, at - 30_000), at, 0).ok, totpCode(secret, at - 30_000) === totpCode(secret, at));
  });

  it('refuses a step already used (replay) and earlier ones', () => {
    const code = totpCode(secret, at);
    assert.deepEqual(verifyTotp(secret, code, at, 1, { lastUsedStep: step }), { ok: false });
    assert.deepEqual(verifyTotp(secret, totpCode(secret, at - 30_000), at, 1, { lastUsedStep: step - 1 }).ok, false);
    assert.deepEqual(verifyTotp(secret, code, at, 1, { lastUsedStep: step - 1 }), { ok: true, step });
  });

  it('refuses wrong and malformed codes without throwing', () => {
    const right = totpCode(secret, at);
    const wrong = String((Number(right) + 1) % 1_000_000).padStart(6, '0');
    const candidates = [-1, 0, 1].map((offset) => totpCode(secret, at + offset * 30_000));
    if (!candidates.includes(wrong)) assert.deepEqual(verifyTotp(secret, wrong, at), { ok: false });
    for (const bad of ['', '12345', '1234567', 'abcdef', `${right}\u0000`, ` ${right.slice(1)}`, '１２３４５６']) {
      assert.deepEqual(verifyTotp(secret, bad, at), { ok: false }, JSON.stringify(bad));
    }
    assert.deepEqual(verifyTotp(secret, ` ${right} `, at), { ok: true, step });
  });

  it('refuses an absurd window', () => {
    assert.throws(() => verifyTotp(secret, '123456', at, 11), RangeError);
    assert.throws(() => verifyTotp(secret, '123456', at, -1), RangeError);
  });
});

describe('totpUri', () => {
  it('builds the Key URI Format with the issuer in label and parameters', () => {
    assert.equal(
      totpUri({ secret: 'JBSWY3DPEHPK3PXP', account: 'alice', issuer: 'Moat' }),
      'otpauth://totp/Moat:alice?secret=JBSWY3DPEHPK3PXP&issuer=Moat&algorithm=SHA1&digits=6&period=30',
    );
  });

  it('percent-encodes names so they cannot split the label or add parameters', () => {
    const uri = totpUri({ secret: 'jbswy3dpehpk3pxp', account: 'bob:evil@example.org', issuer: 'Moat & Co?x=1' });
    assert.equal(
      uri,
      'otpauth://totp/Moat%20%26%20Co%3Fx%3D1:bob%3Aevil%40example.org?secret=JBSWY3DPEHPK3PXP&issuer=Moat%20%26%20Co%3Fx%3D1&algorithm=SHA1&digits=6&period=30',
    );
    const parsed = new URL(uri);
    assert.equal(parsed.searchParams.get('issuer'), 'Moat & Co?x=1');
    assert.equal(parsed.searchParams.get('x'), null);
    assert.equal([...parsed.searchParams.keys()].join(','), 'secret,issuer,algorithm,digits,period');
  });
});
