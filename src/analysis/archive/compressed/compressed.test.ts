import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Buffer } from 'node:buffer';
import { gzipSync } from 'node:zlib';
import fc from 'fast-check';
import { BudgetExceededError, createExpansionBudget } from '../../dissect/budget.js';
import type { ExpansionBudget, ExpansionLimits } from '../../dissect/budget.js';
import type { DissectResult, Dissector } from '../../dissect/dissector.js';
import { createBzip2Dissector, createGzipDissector, createXzDissector, nameDecompressed } from './index.js';

const LIMITS: ExpansionLimits = { maxTotalBytes: 4_000_000, maxEntries: 100, maxDepth: 5, maxRatio: 100, maxMemberBytes: 3_000_000 };
const budget = (overrides: Partial<ExpansionLimits> = {}): ExpansionBudget => createExpansionBudget({ ...LIMITS, ...overrides });
const gzip = createGzipDissector();
const bzip2 = createBzip2Dissector();
const xz = createXzDissector();
const run = (d: Dissector, content: Uint8Array, rawName?: string, b: ExpansionBudget = budget()): Promise<DissectResult> =>
  d.dissect(rawName === undefined ? { path: '2', content } : { path: '2', content, rawName }, { budget: b, passwords: [] });

// Node has no bzip2 or xz compressor, and tests may not spawn tools (lint), so these streams were made once
// with Debian's bzip2 1.0.8 and xz 5.4 (`bzip2 -c` / `xz -c`, defaults) from the plain text named beside each.
const STREAMS = {
  // 'hello bzip2\n' x 1000
  BZ_HELLO: 'QlpoOTFBWSZTWSeNA/QAC7fZgAAQQAAQABJkwBAgAHBANNNAmqoNGnqc1IN1IPqkHdSD2pBqpBlSDdSDKpBlSDKkH4u5IpwoSBPGgfoA',
  // 'one ', 'two'
  BZ_ONE: 'QlpoOTFBWSZTWc+6oLQAAAGRAEAAAgGgACGaaDNNDLxdyRThQkM+6oLQ',
  BZ_TWO: 'QlpoOTFBWSZTWc3cjZoAAACBgAAAhIAgACGYGYRhdyRThQkM3cjZoA==',
  // 10,000,000 zero bytes
  BZ_BOMB: 'QlpoOTFBWSZTWdOl3HwATJfAEMAAAAgACCAAMMwFKaaqRFGwFEUeLuSKcKEhp0u4+A==',
  // 'seed data ' x 50
  BZ_SEED: 'QlpoOTFBWSZTWaykyw0AAOCRgEAAJgAMACAAQFKmjQYBiLEWosReReRcRaixFqL4u5IpwoSFZSZYaA==',
  // 'hello xz\n' x 1000
  XZ_HELLO: '/Td6WFoAAATm1rRGAgAhARYAAAB0L+Wj4CMnADNdADQZSe6N6RfQsmFqT5j1apTTqIrDw1OZ7hSgsJCYkd8q9CGGqiDlgToAol/m833RyxzNAAAAw8W+VGhh9y4AAU+oRgAAANK/c8OxxGf7AgAAAAAEWVo=',
  // 'again', 'after the bomb'
  XZ_AGAIN: '/Td6WFoAAATm1rRGAgAhARYAAAB0L+WjAQAEYWdhaW4AAAAAwauzsBVO9SUAAR0FuC2Arx+2830BAAAAAARZWg==',
  XZ_AFTER: '/Td6WFoAAATm1rRGAgAhARYAAAB0L+WjAQANYWZ0ZXIgdGhlIGJvbWIAAAArV7ue76SByAABJg4IG+AEH7bzfQEAAAAABFla',
  // 20,000,000 zero bytes
  XZ_BOMB: '/Td6WFoAAATm1rRGAgAhARYAAAB0L+Wj//8RAWxdAABv/f//o7f/Rz5IFXI5YVG4kijmo4YH+e7kHoLTL8U6PAFLsX7JiopNL6MN2X+m44wjEVPgWRjFdYrid/i2lH8MasDedElk4ulcU7IE2PdEDKtfDW1G6eXDdoi3llestk3haR1v+0uIEGxCy4g/XACP0E6vJiiUcR89jyThcJ6nI1/sKMuF0ZWYin4qkfIndfcZwAaYTZj92K/VkA/EJVP49ZE2MQWlsO5vwXBNRwzRkRGqrWAdus6xJxhcWYbpZlJYvul2rFnk5VsFCPnH2q38+1IrdM0eWyBC+d1TPfgpZAk7gMsqbN+1O/DEvS5fqg8+S2ZCkBMO/xCT+HF4WfgLzf+VKEYPqfx83vuaMC5WwI+F84OBwGXEJVP49ZE2MQWlsO5vwXBNRwzRkRGqrWAdus6xJxhcWYbpZlJYvul2rFnk5VsFCPnH2q38+1IrdM0eWyBC+d1TPfgpZAk7gMsqbN+1O/DEvEgn5lif/xABKwDsc1On/b6ufDEan7eNMW5wnqcjX+woy4XRlZiKfiqR8id19xnABphNmP3Yr9WQD8QlU/j1kTYxBaWw7m/BcE1HDNGREaqtYB26zrEnGFxZhulmUli+6XasWeTlWwUI+cfarfz7Uit0zR5bIEL53VM9+ClkCTuAyyps37U78MS9Ll+qDz5LZkKQEw7/EJP4cXhZ+AvN/5UoRg+p/Hze+5owLlbAj4Xzg4HAZcQlU/j1kTYxBaWw7m/BcE1HDNGREaqtYB26zrEnGFxZhulmUli+6XasWeTlWwUI+cfarfz7Uit0zR5bIEL53VM9+ClkCTuAyyps37U78MS9Ll+qDz5LZkKQEw7/EJP4cXhZ+AvN/5UoRg+p/Hze+5owLlbAj4Xzg4HAZcQlUQ8/sp//EAErAOxzU6f9vq58MRqft40xbnCepyNf7CjLhdGVmIp+KpHyJ3X3GcAGmE2Y/div1ZAPxCVT+PWRNjEFpbDub8FwTUcM0ZERqq1gHbrOsScYXFmG6WZSWL7pdqxZ5OVbBQj5x9qt/PtSK3TNHlsgQvndUz34KWQJO4DLKmzftTvwxL0uX6oPPktmQpATDv8Qk/hxeFn4C83/lShGD6n8fN77mjAuVsCPhfODgcBlxCVT+PWRNjEFpbDub8FwTUcM0ZERqq1gHbrOsScYXFmG6WZSWL7pdqxZ5OVbBQj5x9qt/PtSK3TNHlsgQvndUz34KWQJO4DLKmzftTvwxL0uX6oPPktmQpATDv8Qk/hxeFn4C83/lShGD6n8fN77mjAuVsCPhfODgcBlxCVRDz+yn/8QASsA7HNTp/2+rnwxGp+3jTFucJ6nI1/sKMuF0ZWYin4qkfIndfcZwAaYTZj92K/VkA/EJVP49ZE2MQWlsO5vwXBNRwzRkRGqrWAdus6xJxhcWYbpZlJYvul2rFnk5VsFCPnH2q38+1IrdM0eWyBC+d1TPfgpZAk7gMsqbN+1O/DEvS5fqg8+S2ZCkBMO/xCT+HF4WfgLzf+VKEYPqfx83vuaMC5WwI+F84OBwGXEJVP49ZE2MQWlsO5vwXBNRwzRkRGqrWAdus6xJxhcWYbpZlJYvul2rFnk5VsFCPnH2q38+1IrdM0eWyBC+d1TPfgpZAk7gMsqbN+1O/DEvS5fqg8+S2ZCkBMO/xCT+HF4WfgLzf+VKEYPqfx83vuaMC5WwI+F84OBwGXEJVEPP7Kf/xABKwDsc1On/b6ufDEan7eNMW5wnqcjX+woy4XRlZiKfiqR8id19xnABphNmP3Yr9WQD8QlU/j1kTYxBaWw7m/BcE1HDNGREaqtYB26zrEnGFxZhulmUli+6XasWeTlWwUI+cfarfz7Uit0zR5bIEL53VM9+ClkCTuAyyps37U78MS9Ll+qDz5LZkKQEw7/EJP4cXhZ+AvN/5UoRg+p/Hze+5owLlbAj4Xzg4HAZcQlU/j1kTYxBaWw7m/BcE1HDNGREaqtYB26zrEnGFxZhulmUli+6XasWeTlWwUI+cfarfz7Uit0zR5bIEL53VM9+ClkCTuAyyps37U78MS9Ll+qDz5LZkKQEw7/EJP4cXhZ+AvN/5UoRg+p/Hze+5owLlbAj4Xzg4HAZcQlUQ8/sp//EAErAOxzU6f9vq58MRqft40xbnCepyNf7CjLhdGVmIp+KpHyJ3X3GcAGmE2Y/div1ZAPxCVT+PWRNjEFpbDub8FwTUcM0ZERqq1gHbrOsScYXFmG6WZSWL7pdqxZ5OVbBQj5x9qt/PtSK3TNHlsgQvndUz34KWQJO4DLKmzftTvwxL0uX6oPPktmQpATDv8Qk/hxeFn4C83/lShGD6n8fN77mjAuVsCPhfODgcBlxCVT+PWRNjEFpbDub8FwTUcM0ZERqq1gHbrOsScYXFmG6WZSWL7pdqxZ5OVbBQj5x9qt/PtSK3TNHlsgQvndUz34KWQJO4DLKmzftTvwxL0uX6oPPktmQpATDv8Qk/hxeFn4C83/lShGD6n8fN77mjAuVsCPhfODgcBlxCVRDz+yn/8QASsA7HNTp/2+rnwxGp+3jTFucJ6nI1/sKMuF0ZWYin4qkfIndfcZwAaYTZj92K/VkA/EJVP49ZE2MQWlsO5vwXBNRwzRkRGqrWAdus6xJxhcWYbpZlJYvul2rFnk5VsFCPnH2q38+1IrdM0eWyBC+d1TPfgpZAk7gMsqbN+1O/DEvS5fqg8+S2ZCkBMO/xCT+HF4WfgLzf+VKEYPqfx83vuaMC5WwI+F84OBwGXEJVP49ZE2MQWlsO5vwXBNRwzRkRGqrWAdus6xJxhcWYbpZlJYvul2rFnk5VsFCPnH2q38+1IrdM0eWyBC+d1TPfgpZAk7gMsqbN+1O/DEvS5fqg8+S2ZCkBMO/xCT+HF4WfgLzf+VKEYPqfx83vuaMC5WwI+F84OBwGXEJVEPP7Kf/xABKwDsc1On/b6ufDEan7eNMW5wnqcjX+woy4XRlZiKfiqR8id19xnABphNmP3Yr9WQD8QlU/j1kTYxBaWw7m/BcE1HDNGREaqtYB26zrEnGFxZhulmUli+6XasWeTlWwUI+cfarfz7Uit0zR5bIEL53VM9+ClkCTuAyyps37U78MS9Ll+qDz5LZkKQEw7/EJP4cXhZ+AvN/5UoRg+p/Hze+5owLlbAj4Xzg4HAZcQlU/j1kTYxBaWw7m/BcE1HDNGREaqtYB26zrEnGFxZhulmUli+6XasWeTlWwUI+cfarfz7Uit0zR5bIEL53VM9+ClkCTuAyyps37U78MS9Ll+qDz5LZkKQEw7/EJP4cXhZ+AvN/5UoRg+p/Hze+5owLlbAj4Xzg4HAZcQlUQ8/sp//EAErAOxzU6f9vq58MRqft40xbnCepyNf7CjLhdGVmIp+KpHyJ3X3GcAGmE2Y/div1ZAPxCVT+PWRNjEFpbDub8FwTUcM0ZERqq1gHbrOsScYXFmG6WZSWL7pdqxZ5OVbBQj5x9qt/PtSK3TNHlsgQvndUz34KWQJO4DLKmzftTvwxL0uX6oPPktmQpATDv8Qk/hxeFn4C83/lShGD6n8fN77mjAuVsCPhfODgcBlxCVT+PWRNjEFpbDub8FwTUcM0ZERqq1gHbrOsScYXFmG6WZSWL7pdqxZ5OVbBQj5x9qt/PtSK3TNHlsgQvndUz34KWQJO4DLKmzftTvwxL0uX6oPPktmQpATDv8Qk/hxeFn4C83/lShGD6n8fN77mjAuVsCPhfODgcBlxCVRDz+ykTVlAKQA7HNTp/2+rnwxGp+3jTFucJ6nI1/sKMuF0ZWYin4qkfIndfcZwAaYTZj92K/VkA/EJVP49ZE2MQWlsO5vwXBNRwzRkRGqrWAdus6xJxhcWYbpZlJYvul2rFnk5VsFCPnH2q38+1IrdM0eWyBC+d1TPfgpZAk7gMsqbN+1O/DEvS5fqg8+S2ZCkBMO/xCT+HF4WfgLzf+VKEYPqfx83vuZpwhwogAAAAB+IlIej9aPWgABuheA2sQJbwPJEbHEZ/sCAAAAAARZWg==',
  // 'seed data ' x 50
  XZ_SEED: '/Td6WFoAAATm1rRGAgAhARYAAAB0L+Wj4AHzABJdADmZbMggKgw/Y1aYUtkfQ05AAAAAALbnJ9RFhUd6AAEu9AMAAADo6fJRscRn+wIAAAAABFla',
} as const;
const stream = (name: keyof typeof STREAMS): Buffer => Buffer.from(STREAMS[name], 'base64');
const symbols = (r: DissectResult): string[] => r.findings.map((f) => f.symbol).sort();
const only = (r: DissectResult): string => Buffer.from(r.members[0]?.content ?? []).toString('utf8');

/** gzip with an FNAME header field (zlib's gzipSync writes none). */
function gzipNamed(data: string, name: string): Buffer {
  const plain = gzipSync(data);
  const header = Buffer.from(plain.subarray(0, 10));
  header[3] = 0x08;
  return Buffer.concat([header, Buffer.from(`${name}\0`, 'latin1'), plain.subarray(10)]);
}

test('gzip: one member, named from FNAME, else from the outer name', async () => {
  const named = await run(gzip, gzipNamed('hello', 'inner.txt'), 'outer.gz');
  assert.deepEqual(named.members.map((m) => [m.name, m.kind]), [['inner.txt', 'file']]);
  assert.equal(only(named), 'hello');
  assert.deepEqual(named.findings, []);
  assert.equal((await run(gzip, gzipSync('x'), 'backup.TGZ')).members[0]?.name, 'backup.tar');
  assert.equal((await run(gzip, gzipSync('x'))).members[0]?.name, 'data');
  assert.equal(nameDecompressed('bzip2', 'dir/a.tar.bz2'), 'a.tar');
  assert.equal(nameDecompressed('xz', 'x.txz'), 'x.tar');
  assert.equal(nameDecompressed('gzip', 'odd.pdf'), 'odd.pdf');
});

test('gzip: concatenated members read as one file; trailing garbage, bad CRC and truncation are findings', async () => {
  const multi = Buffer.concat([gzipSync('hello '), gzipSync('world')]);
  assert.equal(only(await run(gzip, multi)), 'hello world');
  const trailing = await run(gzip, Buffer.concat([gzipSync('a'), Buffer.from('junk after')]));
  assert.deepEqual(symbols(trailing), ['GZIP_TRAILING_DATA']);
  assert.equal(only(trailing), 'a');
  assert.deepEqual(symbols(await run(gzip, Buffer.concat([gzipSync('a'), Buffer.alloc(100)]))), []);
  const badCrc = Buffer.from(gzipSync('payload'));
  badCrc[badCrc.length - 8] = (badCrc[badCrc.length - 8] ?? 0) ^ 0xff;
  assert.deepEqual(symbols(await run(gzip, badCrc)), ['GZIP_MALFORMED']);
  const big = gzipSync(Buffer.from('0123456789abcdef'.repeat(4096)));
  const truncated = await run(gzip, big.subarray(0, big.length - 20));
  assert.deepEqual(symbols(truncated), ['GZIP_MALFORMED']);
  assert.ok((truncated.members[0]?.content?.length ?? 0) > 0, 'the part that inflates is kept');
  const corrupt = Buffer.from(gzipSync('abc'));
  corrupt[10] = 0xff;
  assert.deepEqual(symbols(await run(gzip, corrupt)), ['GZIP_MALFORMED']);
});

test('gzip bomb: stops at the member cap, the ratio cap or the total budget, never allocating past it', async () => {
  const bomb = gzipSync(Buffer.alloc(20_000_000));
  await assert.rejects(run(gzip, bomb), (e: unknown) => e instanceof BudgetExceededError && e.kind === 'ratio');
  await assert.rejects(run(gzip, bomb, undefined, budget({ maxRatio: 100_000, maxMemberBytes: 1_000_000 })), (e: unknown) => e instanceof BudgetExceededError && e.kind === 'member-bytes');
  const b = budget({ maxRatio: 100_000, maxMemberBytes: 100_000_000, maxTotalBytes: 5_000_000 });
  await assert.rejects(run(gzip, bomb, undefined, b), (e: unknown) => e instanceof BudgetExceededError && e.kind === 'bytes');
  assert.equal(b.usedBytes, 0, 'nothing is charged for a member that was refused');
  // Many small members concatenated: the cap applies to the sum.
  const many = Buffer.concat(Array.from({ length: 40 }, () => gzipSync(Buffer.alloc(100_000))));
  await assert.rejects(run(gzip, many, undefined, budget({ maxTotalBytes: 3_000_000, maxRatio: 100_000 })), BudgetExceededError);
});

test('bzip2: decoded, multi-stream, corrupt and truncated streams are findings', async () => {
  const data = Buffer.from('hello bzip2\n'.repeat(1000));
  const bz = stream('BZ_HELLO');
  const r = await run(bzip2, bz, 'notes.txt.bz2');
  assert.equal(r.members[0]?.name, 'notes.txt');
  assert.ok(Buffer.from(r.members[0]?.content ?? []).equals(data));
  assert.deepEqual(r.findings, []);
  assert.equal(only(await run(bzip2, Buffer.concat([stream('BZ_ONE'), stream('BZ_TWO')]))), 'one two');
  const truncated = await run(bzip2, bz.subarray(0, bz.length - 10));
  assert.deepEqual(symbols(truncated), ['BZIP2_MALFORMED']);
  const corrupt = Buffer.from(bz);
  corrupt[30] = (corrupt[30] ?? 0) ^ 0x55;
  assert.deepEqual(symbols(await run(bzip2, corrupt)), ['BZIP2_MALFORMED']);
  assert.ok(!bzip2.accepts({ path: '1', content: Buffer.from('BZh9 not really bzip2') }));
});

test('bzip2 bomb: the output stops at the cap', async () => {
  const bomb = stream('BZ_BOMB');
  assert.ok(bomb.length < 1000);
  const b = budget();
  await assert.rejects(run(bzip2, bomb, undefined, b), (e: unknown) => e instanceof BudgetExceededError && e.kind === 'ratio');
  assert.equal(b.usedBytes, 0);
});

test('xz: decoded; corrupt and truncated streams are findings; later streams still decode (no stuck decoder)', async () => {
  const data = Buffer.from('hello xz\n'.repeat(1000));
  const xzStream = stream('XZ_HELLO');
  const r = await run(xz, xzStream, 'log.txt.xz');
  assert.equal(r.members[0]?.name, 'log.txt');
  assert.ok(Buffer.from(r.members[0]?.content ?? []).equals(data));
  assert.deepEqual(r.findings, []);
  assert.deepEqual(symbols(await run(xz, xzStream.subarray(0, xzStream.length - 30))), ['XZ_MALFORMED']);
  const corrupt = Buffer.from(xzStream);
  corrupt[40] = (corrupt[40] ?? 0) ^ 0x55;
  assert.deepEqual(symbols(await run(xz, corrupt)), ['XZ_MALFORMED']);
  assert.equal(only(await run(xz, stream('XZ_AGAIN'))), 'again');
});

test('xz bomb: cancelled at the cap, and the decoder is released for the next stream', async () => {
  const bomb = stream('XZ_BOMB');
  await assert.rejects(run(xz, bomb), (e: unknown) => e instanceof BudgetExceededError);
  assert.equal(only(await run(xz, stream('XZ_AFTER'))), 'after the bomb');
});

test('property: random and mutated streams never throw (except the budget) and never exceed it', async () => {
  const seeds = [gzipSync('seed data '.repeat(50)), stream('BZ_SEED'), stream('XZ_SEED')];
  await fc.assert(
    fc.asyncProperty(fc.constantFrom(0, 1, 2), fc.array(fc.record({ at: fc.nat(200), value: fc.integer({ min: 0, max: 255 }) }), { maxLength: 8 }), fc.nat(300), async (which, edits, cut) => {
      const seed = seeds[which] as Buffer;
      const bytes = Buffer.from(seed.subarray(0, Math.max(cut, 32)));
      for (const { at, value } of edits) if (at < bytes.length && at > 6) bytes[at] = value;
      const d = [gzip, bzip2, xz][which] as Dissector;
      const b = budget({ maxTotalBytes: 4000, maxMemberBytes: 4000 });
      if (!d.accepts({ path: '1', content: bytes })) return;
      try {
        await run(d, bytes, undefined, b);
      } catch (err) {
        assert.ok(err instanceof BudgetExceededError, String(err));
      }
      assert.ok(b.usedBytes <= 4000);
    }),
    { numRuns: 300 },
  );
});
