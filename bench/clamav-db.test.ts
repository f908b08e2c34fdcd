import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { EICAR } from './attachment-corpus.js';
import { bodyLine, eicarLines, md5Line, sha256Line, writeClamavDb } from './clamav-db.js';
import { createSeededRandom } from './engines-random.js';

const HDB = /^[0-9a-f]{32}:\d+:Moat\.Bench\.Hdb-\d+$/;
const HSB = /^[0-9a-f]{64}:\d+:Moat\.Bench\.Hsb-\d+$/;
// Name:TargetType:Offset:HexSignature, type 0 (any file), offset * (anywhere).
const NDB = /^Moat\.Bench\.Ndb-\d+:0:\*:([0-9a-f?*]+)$/;

describe('ClamAV database lines', () => {
  it('hash lines follow the hdb and hsb formats', () => {
    const random = createSeededRandom(1);
    for (let n = 0; n < 200; n++) {
      assert.match(md5Line(random, n), HDB);
      assert.match(sha256Line(random, n), HSB);
    }
  });

  it('body signatures: 16–40 bytes, wildcards only inside, every * part at least 8 bytes', () => {
    const random = createSeededRandom(2);
    const seen = { plain: 0, any: 0, star: 0 };
    for (let n = 0; n < 2000; n++) {
      const match = NDB.exec(bodyLine(random, n));
      assert.ok(match?.[1], `line ${n}`);
      const pattern = match[1];
      if (pattern.includes('*')) {
        seen.star++;
        const parts = pattern.split('*');
        assert.equal(parts.length, 2);
        for (const part of parts) assert.ok(/^[0-9a-f]+$/.test(part) && part.length >= 16, pattern);
        assert.ok((parts[0]?.length ?? 0) + (parts[1]?.length ?? 0) <= 80);
      } else if (pattern.includes('??')) {
        seen.any++;
        assert.ok(!pattern.startsWith('??') && !pattern.endsWith('??'));
        assert.equal(pattern.length % 2, 0);
        assert.ok(pattern.length >= 32 && pattern.length <= 80);
      } else {
        seen.plain++;
        assert.ok(pattern.length >= 32 && pattern.length <= 80 && pattern.length % 2 === 0);
      }
    }
    assert.ok(seen.plain > 1000 && seen.any > 200 && seen.star > 100, JSON.stringify(seen));
  });

  it('the EICAR lines match the EICAR file', () => {
    const { ndb, hdb } = eicarLines();
    assert.equal(ndb.split(':')[3], Buffer.from(EICAR, 'latin1').toString('hex'));
    assert.equal(hdb, `${createHash('md5').update(EICAR, 'latin1').digest('hex')}:68:Moat.Bench.EICAR.MD5`);
  });
});

describe('writeClamavDb', () => {
  it('writes the requested counts plus EICAR, the same bytes for the same seed', async () => {
    const [a, b] = [await mkdtemp(join(tmpdir(), 'moat-clamdb-')), await mkdtemp(join(tmpdir(), 'moat-clamdb-'))];
    try {
      const options = { md5Hashes: 500, sha256Hashes: 50, bodySignatures: 30, seed: 9 };
      const summary = await writeClamavDb(a, options);
      await writeClamavDb(b, options);
      assert.equal(summary.signatures, 582);
      const lines = async (dir: string, ext: string): Promise<string[]> => (await readFile(join(dir, `moat-bench.${ext}`), 'utf8')).trimEnd().split('\n');
      const hdb = await lines(a, 'hdb');
      assert.equal(hdb.length, 501);
      assert.equal(hdb[0], eicarLines().hdb);
      assert.ok(hdb.slice(1).every((line) => HDB.test(line)));
      assert.equal((await lines(a, 'hsb')).length, 50);
      const ndb = await lines(a, 'ndb');
      assert.equal(ndb.length, 31);
      assert.equal(ndb[0], eicarLines().ndb);
      for (const ext of ['hdb', 'hsb', 'ndb']) assert.deepEqual(await lines(a, ext), await lines(b, ext), ext);
      let bytes = 0;
      for (const file of summary.files) bytes += (await readFile(file)).length;
      assert.equal(summary.bytes, bytes);
    } finally {
      await rm(a, { recursive: true, force: true });
      await rm(b, { recursive: true, force: true });
    }
  });

  it('leaves out an empty .hsb (clamd refuses empty database files)', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'moat-clamdb-'));
    try {
      const summary = await writeClamavDb(dir, { md5Hashes: 1, sha256Hashes: 0, bodySignatures: 0, seed: 1 });
      assert.deepEqual(summary.files.map((f) => f.slice(dir.length + 1)), ['moat-bench.hdb', 'moat-bench.ndb']);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
