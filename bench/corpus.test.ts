import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { loadCorpusSample, orderFiles, parseFileList, toWire } from './corpus.js';

describe('toWire', () => {
  it('drops the mbox separator line and keeps the headers', () => {
    const { wire } = toWire(Buffer.from('From someone@example.net  Thu Aug 22 12:36:23 2002\nSubject: hi\n\nbody\n'));
    assert.equal(wire.toString('latin1'), 'Subject: hi\r\n\r\nbody\r\n');
  });

  it('makes every line end CRLF, whatever it ended with', () => {
    const { wire } = toWire(Buffer.from('A: 1\r\nB: 2\nC: 3\r\n\rtext\n\nlast'));
    assert.equal(wire.toString('latin1'), 'A: 1\r\nB: 2\r\nC: 3\r\n\r\ntext\r\n\r\nlast\r\n');
  });

  it('dot-stuffs lines that start with a dot, including the first', () => {
    const { wire } = toWire(Buffer.from('.first\n\n.\n..two\nmid.dle\n'));
    assert.equal(wire.toString('latin1'), '..first\r\n\r\n..\r\n...two\r\nmid.dle\r\n');
  });

  it('keeps 8-bit octets byte for byte and flags them', () => {
    const raw = Buffer.from([0x53, 0x3a, 0x20, 0xe9, 0xff, 0x0a]);
    const { wire, eightBit } = toWire(raw);
    assert.deepEqual([...wire], [0x53, 0x3a, 0x20, 0xe9, 0xff, 0x0d, 0x0a]);
    assert.equal(eightBit, true);
    assert.equal(toWire(Buffer.from('plain\n')).eightBit, false);
  });
});

describe('file list', () => {
  it('accepts the package layout and orders by MD5', () => {
    const files = parseFileList([
      'spam-1/00002.ffff0000ffff0000ffff0000ffff0000.txt',
      'easy-ham-1/00001.0000ffff0000ffff0000ffff0000ffff.txt',
    ]);
    assert.deepEqual(
      orderFiles(files).map((f) => f.group),
      ['easy-ham-1', 'spam-1'],
    );
  });

  it('refuses anything that is not a corpus file name', () => {
    assert.throws(() => parseFileList(['../../etc/passwd']), /unexpected corpus file name/);
    assert.throws(() => parseFileList({}), /bounded array/);
  });
});

describe('loadCorpusSample', () => {
  it('returns the same mixed sample on every call', async () => {
    const first = await loadCorpusSample({ size: 40, maxBytes: 1024 * 1024 });
    const second = await loadCorpusSample({ size: 40, maxBytes: 1024 * 1024 });
    assert.equal(first.messages.length, 40);
    assert.equal(first.sha256, second.sha256);
    assert.deepEqual(
      first.messages.map((m) => m.id),
      second.messages.map((m) => m.id),
    );
    assert.ok(first.ham > 0 && first.spam > 0, `expected ham and spam, got ${first.ham}/${first.spam}`);
    for (const message of first.messages) {
      const text = message.wire.toString('latin1');
      assert.ok(text.endsWith('\r\n'));
      assert.doesNotMatch(text, /(^|[^\r])\n/, `bare LF in ${message.id}`);
      assert.doesNotMatch(text, /^From /, `mbox separator left in ${message.id}`);
    }
  });

  it('skips messages over the size cap', async () => {
    const sample = await loadCorpusSample({ size: 5, maxBytes: 3000 });
    assert.ok(sample.skipped > 0);
    for (const message of sample.messages) assert.ok(message.wire.length <= 3000 + 200, message.id);
  });
});
