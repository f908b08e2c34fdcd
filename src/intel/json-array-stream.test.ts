import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createJsonArrayScanner, JsonStreamError, type JsonArrayScannerOptions } from './json-array-stream.js';

const bytes = (text: string): Uint8Array => new TextEncoder().encode(text);

/** Feeds `text` in chunks of `size` bytes; returns the elements and the other members. */
function scan(text: string, size: number, options: JsonArrayScannerOptions = {}): { elements: unknown[]; indexes: number[]; members: Readonly<Record<string, unknown>> } {
  const scanner = createJsonArrayScanner(options);
  const all = bytes(text);
  const elements: unknown[] = [];
  const indexes: number[] = [];
  for (let at = 0; at < all.length; at += size) {
    for (const e of scanner.push(all.subarray(at, at + size))) {
      elements.push(e.value);
      indexes.push(e.index);
    }
  }
  return { elements, indexes, members: scanner.end() };
}

const DOCUMENT = JSON.stringify({
  type: 'bundle',
  id: 'bundle--1',
  objects: [
    { type: 'indicator', pattern: "[file:name = 'a\\\\b \" ] } [ {']", list: [[1, 2], [3, [4]]], nested: { a: { b: ['c'] } } },
    'a string with \\" and ] and }',
    42,
    -1.5e3,
    true,
    null,
    { text: 'é ü 日本 😀', escape: '\u0000\t\n' },
    [],
    {},
  ],
  spec_version: '2.1',
  extra: { deep: [1, 2, 3] },
});

test('json-array-stream: every chunk size (1 byte up) gives the same elements as JSON.parse, boundaries inside strings, escapes and multi-byte characters', () => {
  const expected = (JSON.parse(DOCUMENT) as { objects: unknown[] }).objects;
  for (const size of [1, 2, 3, 5, 7, 13, 64, 4096]) {
    const { elements, indexes, members } = scan(DOCUMENT, size);
    assert.deepEqual(elements, expected, `chunk size ${String(size)}`);
    assert.deepEqual(indexes, expected.map((_, i) => i));
    assert.deepEqual(members, { type: 'bundle', id: 'bundle--1', spec_version: '2.1', extra: { deep: [1, 2, 3] } });
  }
});

test('json-array-stream: white space, a byte order mark, an empty array and the array first or last', () => {
  assert.deepEqual(scan('\uFEFF \n{ "objects" : [ ] , "type":"bundle" }\n', 3).members, { type: 'bundle' });
  assert.deepEqual(scan('{"objects":[1 , 2\n,3]}', 1).elements, [1, 2, 3]);
  assert.deepEqual(scan('{"a":1,"items":[{"x":1}]}', 4, { key: 'items' }).elements, [{ x: 1 }]);
});

test('json-array-stream: malformed input is an error naming the byte offset', () => {
  const cases: [string, RegExp][] = [
    ['[1, 2]', /at byte 0: expected "\{"/u],
    ['{"objects": [1, 2', /ends early/u],
    ['{"objects": [{"a": 1]]}', /byte 13: objects\[0\] is not valid JSON/u],
    ['{"objects": [{"a": 1}}]}', /byte 21: expected "," or "\]" after objects\[0\]/u],
    ['{"objects": [1 2]}', /byte 13: objects\[0\] is not valid JSON|byte 15: expected "," or "\]" after objects\[0\]/u],
    ['{"objects": [1,,2]}', /byte 15: expected an element of "objects"/u],
    ['{"objects": [1], "type" "bundle"}', /byte 24: expected ":"/u],
    ['{"objects": [1]} x', /byte 17: data after the end/u],
    ['{"objects": {"a": 1}}', /member "objects" is not an array/u],
    ['{"objects": [], "objects": []}', /appears twice/u],
    ['{"type": "bundle"}', /no "objects" array/u],
    ['{"objects": ["\\x"]}', /objects\[0\] is not valid JSON/u],
    ['{"objects": [' + '['.repeat(300) + ']'.repeat(300) + ']}', /nested deeper than 256/u],
  ];
  for (const [text, reason] of cases) {
    for (const size of [1, 1024]) {
      assert.throws(
        () => scan(text, size),
        (error: unknown) => error instanceof JsonStreamError && error.code === 'INTEL_JSON_INVALID' && reason.test(error.message),
        `${text.slice(0, 40)} (chunk ${String(size)})`,
      );
    }
  }
  // Invalid UTF-8 inside an element.
  const scanner = createJsonArrayScanner();
  assert.throws(() => scanner.push(new Uint8Array([...bytes('{"objects": ["'), 0xff, ...bytes('"]}')])), /invalid UTF-8/u);
});

test('json-array-stream: an element over the limit is an error naming its index; the elements before it were handed out', () => {
  const big = 'x'.repeat(2000);
  const text = JSON.stringify({ objects: [{ a: 1 }, { b: 2 }, { big }] });
  const scanner = createJsonArrayScanner({ maxElementBytes: 1000 });
  const seen: unknown[] = [];
  const all = bytes(text);
  assert.throws(
    () => {
      for (let at = 0; at < all.length; at += 100) for (const e of scanner.push(all.subarray(at, at + 100))) seen.push(e.value);
    },
    /objects\[2\] is larger than 1000 bytes/u,
  );
  assert.deepEqual(seen, [{ a: 1 }, { b: 2 }]);
  assert.equal(scanner.count, 2);
  // Other members are bounded the same way.
  assert.throws(() => scan(JSON.stringify({ note: big, objects: [] }), 64, { maxElementBytes: 1000 }), /member "note" is larger than 1000 bytes/u);
});

test('json-array-stream: memory is the element being read, not the stream (10,000 elements through small chunks)', () => {
  const scanner = createJsonArrayScanner({ maxElementBytes: 256 });
  let n = 0;
  n += scanner.push(bytes('{"type":"bundle","objects":[')).length;
  for (let i = 0; i < 10_000; i++) n += scanner.push(bytes(`${i === 0 ? '' : ','}{"id":"indicator--${String(i)}","v":"${'y'.repeat(100)}"}`)).length;
  n += scanner.push(bytes(']}')).length;
  assert.equal(n, 10_000);
  assert.deepEqual(scanner.end(), { type: 'bundle' });
});
