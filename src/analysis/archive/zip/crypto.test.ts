import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runZip } from './test-support/run.js';
import { writeZip } from './test-support/zip-writer.js';

const SECRET = 'MZ pretend payload '.repeat(50);

test('ZipCrypto: a password quoted in the message opens it; the content is scanned', async () => {
  const { bytes } = writeZip([
    { name: 'invoice.exe', data: SECRET, encrypt: { kind: 'zipcrypto', password: 'Invoice#2024' } },
    { name: 'readme.txt', data: 'stored secret', method: 0, descriptor: 'signed', encrypt: { kind: 'zipcrypto', password: 'Invoice#2024' } },
  ]);
  const run = await runZip(bytes, { passwords: ['wrong', 'also wrong', 'Invoice#2024'] });
  assert.equal(run.texts.get('invoice.exe'), SECRET);
  assert.equal(run.texts.get('readme.txt'), 'stored secret');
  assert.deepEqual(run.members.map((m) => [m.encrypted, m.openedWithPassword]), [[true, true], [true, true]]);
  assert.deepEqual(run.symbols, ['ENCRYPTED_ARCHIVE_OPENED']);
  assert.equal(run.finding('ENCRYPTED_ARCHIVE_OPENED')?.score, 3);
  assert.doesNotMatch(run.finding('ENCRYPTED_ARCHIVE_OPENED')?.detail ?? '', /Invoice#2024/);
});

test('ZipCrypto without the password: members listed without content, ENCRYPTED_ARCHIVE names them', async () => {
  const { bytes } = writeZip([
    { name: 'a`id`.exe', data: SECRET, encrypt: { kind: 'zipcrypto', password: 'secret' } },
    { name: 'plain.txt', data: 'not encrypted' },
  ]);
  for (const passwords of [[], ['nope']]) {
    const run = await runZip(bytes, { passwords });
    assert.equal(run.member('a`id`.exe')?.content, undefined);
    assert.equal(run.member('a`id`.exe')?.encrypted, true);
    assert.equal(run.texts.get('plain.txt'), 'not encrypted');
    assert.deepEqual(run.symbols, ['ENCRYPTED_ARCHIVE']);
    const finding = run.finding('ENCRYPTED_ARCHIVE');
    assert.equal(finding?.score, 6);
    assert.match(finding?.detail ?? '', /1 encrypted members not scanned .*"a`id`\.exe"/);
    assert.match(finding?.detail ?? '', passwords.length === 0 ? /no password quoted/ : /none of the 1 passwords/);
  }
});

test('an archive encrypted with an empty password is opened and says so', async () => {
  const { bytes } = writeZip([{ name: 'a.txt', data: 'x', encrypt: { kind: 'zipcrypto', password: '' } }]);
  const run = await runZip(bytes);
  assert.equal(run.texts.get('a.txt'), 'x');
  assert.equal(run.member('a.txt')?.openedWithPassword, undefined);
  assert.match(run.finding('ENCRYPTED_ARCHIVE_OPENED')?.detail ?? '', /empty password/);
});

test('WinZip AES: 128/192/256-bit, AE-1 and AE-2, stored and deflated', async () => {
  const entries = ([1, 2, 3] as const).flatMap((strength) =>
    ([1, 2] as const).map((version) => ({
      name: `aes${strength}-ae${version}.bin`,
      data: `${SECRET}${strength}${version}`,
      method: version === 1 ? (0 as const) : (8 as const),
      encrypt: { kind: 'aes' as const, password: 'пароль', strength, version },
    })),
  );
  const run = await runZip(writeZip(entries).bytes, { passwords: ['пароль'] });
  for (const entry of entries) assert.equal(run.texts.get(entry.name), entry.data, entry.name);
  assert.deepEqual(run.symbols, ['ENCRYPTED_ARCHIVE_OPENED']);

  const locked = await runZip(writeZip(entries).bytes, { passwords: ['parol'] });
  assert.deepEqual(locked.symbols, ['ENCRYPTED_ARCHIVE']);
  assert.ok(locked.members.every((m) => m.content === undefined && m.encrypted === true));
});

test('WinZip AES with altered ciphertext: the HMAC tells, the finding says so', async () => {
  const written = writeZip([{ name: 'a.txt', data: SECRET, method: 0, encrypt: { kind: 'aes', password: 'pw', version: 2 } }]);
  const tampered = Buffer.from(written.bytes);
  // First ciphertext byte: local header 30 + name 5 + AES extra 11 + salt 16 + verifier 2.
  tampered.writeUInt8((tampered[30 + 5 + 11 + 16 + 2] ?? 0) ^ 0x01, 30 + 5 + 11 + 16 + 2);
  const run = await runZip(tampered, { passwords: ['pw'] });
  assert.deepEqual(run.symbols, ['ENCRYPTED_ARCHIVE_OPENED', 'ZIP_AES_AUTH_FAILED']);
  assert.notEqual(run.texts.get('a.txt'), SECRET);
  const intact = await runZip(written.bytes, { passwords: ['pw'] });
  assert.deepEqual(intact.symbols, ['ENCRYPTED_ARCHIVE_OPENED']);
});
