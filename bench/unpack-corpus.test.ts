import { test } from 'node:test';
import assert from 'node:assert/strict';
import { gunzipSync } from 'node:zlib';
import { buildUnpackCorpus } from './unpack-corpus.js';

test('the corpus is identical on every build and covers every format', () => {
  const a = buildUnpackCorpus(0.01);
  const b = buildUnpackCorpus(0.01);
  assert.equal(a.sha256, b.sha256);
  assert.deepEqual(a.items.map((i) => i.format), ['zip-text', 'zip-mixed', 'tar', 'tar.gz', 'zip-nested']);
  assert.notEqual(buildUnpackCorpus(0.02).sha256, a.sha256, 'the scale changes the bytes');
});

test('archives are real: zip and tar magic, gzip inflates to a tar of the stated content', () => {
  const corpus = buildUnpackCorpus(0.01);
  for (const item of corpus.items) {
    const body = item.message.toString('latin1');
    const start = body.lastIndexOf('base64\r\n\r\n') + 10;
    const archive = Buffer.from(body.slice(start, body.indexOf('\r\n--', start)).replace(/\r\n/g, ''), 'base64');
    assert.equal(archive.length, item.archiveBytes, item.format);
    if (item.format.startsWith('zip')) assert.equal(archive.readUInt32LE(0), 0x04034b50, item.format);
    if (item.format === 'tar') assert.equal(archive.toString('latin1', 257, 262), 'ustar');
    if (item.format === 'tar.gz') {
      const tar = gunzipSync(archive);
      assert.equal(tar.toString('latin1', 257, 262), 'ustar');
      assert.ok(tar.length >= item.contentBytes);
    }
  }
});

test('at scale 1 the corpus holds about 64 MiB of content (the benchmark figures assume it)', () => {
  // Sizes only: computed from the same generator parameters without building 64 MiB here.
  const small = buildUnpackCorpus(0.01);
  const content = small.items.reduce((n, i) => n + i.contentBytes, 0) / 0.01 / 1024 / 1024;
  assert.ok(content > 55 && content < 70, `${content} MiB`);
});
