import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative, sep } from 'node:path';
import { Readable } from 'node:stream';
import { deliverToMaildir, maildirPathFor, toSafeSegment } from './maildir.js';

async function withRoot(fn: (root: string) => Promise<void>): Promise<void> {
  const root = await mkdtemp(join(tmpdir(), 'moat-maildir-'));
  try {
    await fn(root);
  } finally {
    await rm(root, { recursive: true, force: true });
  }
}

test('deliverToMaildir writes the message into new/ with cur/ and tmp/ present', async () => {
  await withRoot(async (root) => {
    const message = Buffer.from('Subject: hi\r\n\r\nbody\r\n');
    const path = await deliverToMaildir({ root, recipient: 'alice@Example.TEST', message: Readable.from([message]), hostname: 'mx/a:b' });
    assert.equal(relative(root, path).split(sep).slice(0, 3).join('/'), 'example.test/alice/new');
    assert.deepEqual(await readFile(path), message);
    const folder = join(root, 'example.test', 'alice');
    assert.deepEqual((await readdir(folder)).sort(), ['cur', 'new', 'tmp']);
    assert.deepEqual(await readdir(join(folder, 'tmp')), []);
    assert.match(path, /\\057a\\072b$/);
    assert.equal((await stat(path)).mode & 0o777, 0o600);
    const second = await deliverToMaildir({ root, recipient: 'alice@example.test', message: Readable.from([message]), hostname: 'mx' });
    assert.notEqual(second, path);
  });
});

test('a failing message stream leaves nothing behind in tmp/ or new/', async () => {
  await withRoot(async (root) => {
    const broken = new Readable({
      read() {
        this.destroy(new Error('disk gone'));
      },
    });
    await assert.rejects(deliverToMaildir({ root, recipient: 'bob@example.test', message: broken, hostname: 'mx' }), /disk gone/);
    const folder = join(root, 'example.test', 'bob');
    assert.deepEqual(await readdir(join(folder, 'tmp')), []);
    assert.deepEqual(await readdir(join(folder, 'new')), []);
  });
});

test('hostile local parts and domains stay one segment under the root', async () => {
  const root = '/srv/maildir';
  for (const recipient of [
    '../../etc@example.test',
    'a@../../etc',
    '..@..',
    '.hidden@example.test',
    'a/b@example.test',
    'nul\u0000byte@example.test',
    'ünïcödé@exämple.test',
    '@',
    'no-at-sign',
    `${'x'.repeat(300)}@example.test`,
  ]) {
    const path = maildirPathFor(root, recipient);
    const rel = relative(root, path);
    const parts = rel.split(sep);
    assert.equal(parts.length, 2, `${JSON.stringify(recipient)} -> ${rel}`);
    for (const part of parts) {
      assert.ok(part.length > 0 && part.length <= 81, part);
      assert.ok(!part.startsWith('.'), part);
      assert.ok(!part.includes('..') && !part.includes('\0') && !part.includes('/'), part);
      assert.match(part, /^[A-Za-z0-9._+=~-]+$/);
    }
  }
});

test('toSafeSegment keeps safe names and makes mapped ones collision-free', () => {
  assert.equal(toSafeSegment('alice.smith+tag'), 'alice.smith+tag');
  const a = toSafeSegment('a/b');
  const b = toSafeSegment('a_b');
  const c = toSafeSegment('a\\b');
  assert.equal(b, 'a_b');
  assert.notEqual(a, b);
  assert.notEqual(a, c);
  assert.match(a, /^a_b~[0-9a-f]{16}$/);
  assert.match(toSafeSegment('ünï'), /^_n_~[0-9a-f]{16}$/);
  assert.match(toSafeSegment('~x'), /^_x~/);
});
