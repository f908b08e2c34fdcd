import { test } from 'node:test';
import assert from 'node:assert/strict';
import { inferIndicatorType, parseIndicatorCsv, parsePlainList, splitCsvLine } from './index.js';

const H = 'type,value,source,confidence,severity,expires,description';
const SHA = 'AB'.repeat(32);

test('CSV: quoted fields keep commas and doubled quotes; empty columns take the defaults', () => {
  const csv = [H, `sha256,${SHA},feed-a,90,critical,,"Emotet loader, stage 2 ""dropper"""`, 'domain,Evil.Example,,,,2030-01-01T00:00:00Z,'].join('\r\n');
  const { indicators, errors } = parseIndicatorCsv(csv, { file: 'iocs.csv' });
  assert.deepEqual(errors, []);
  assert.deepEqual(indicators[0], { value: 'ab'.repeat(32), type: 'sha256', source: 'feed-a', confidence: 90, severity: 'critical', description: 'Emotet loader, stage 2 "dropper"' });
  assert.deepEqual(indicators[1], { value: 'evil.example', type: 'domain', source: 'iocs.csv', confidence: 80, severity: 'high', expiresAt: Date.parse('2030-01-01T00:00:00Z') });
});

test('CSV: bad lines are reported by file and line number, good lines kept', () => {
  const csv = [
    '# feed export',
    H,
    `sha256,${SHA},f,50,high,,`,
    'sha256,nothex,f,50,high,,',
    'colour,red,f,50,high,,',
    `md5,${'a'.repeat(32)},f,150,high,,`,
    `md5,${'a'.repeat(32)},f,50,severe,,`,
    `md5,${'a'.repeat(32)},f,50,high,tomorrow,`,
    'url,"http://x.example/,f,50,high,,',
    'ipv4,10.0.0.0/33,f,50,high,,',
    'ipv4,10.1.2.3/8,f,50,high,,',
    'only,three,fields',
  ].join('\n');
  const { indicators, errors } = parseIndicatorCsv(csv, { file: 'feed.csv' });
  assert.deepEqual(indicators.map((i) => i.value), ['ab'.repeat(32), '10.0.0.0/8']);
  assert.deepEqual(
    errors.map((e) => [e.file, e.line]),
    [4, 5, 6, 7, 8, 9, 10, 12].map((n) => ['feed.csv', n]),
  );
  assert.match(errors[0]?.reason ?? '', /sha256/);
  assert.match(errors[1]?.reason ?? '', /unknown type/);
  assert.match(errors[2]?.reason ?? '', /confidence/);
  assert.match(errors[5]?.reason ?? '', /unbalanced quotes/);
});

test('CSV: a missing or wrong header is one error, nothing loaded', () => {
  const result = parseIndicatorCsv(`value,type\n${SHA},sha256\n`, { file: 'x.csv' });
  assert.deepEqual(result.indicators, []);
  assert.deepEqual(result.errors.map((e) => e.line), [1]);
  assert.deepEqual(splitCsvLine('a,"b,c",,"d""e"'), ['a', 'b,c', '', 'd"e']);
  assert.equal(splitCsvLine('a,"b'), undefined);
});

test('CSV: the optional actor, campaign, first_seen and last_seen columns, in any order; nothing else', () => {
  const csv = [`last_seen,${H},campaign,actor,first_seen`, `2023-05-24T00:00:00Z,domain,evil.example,cisa,90,high,,lure,ESG-2023,UNC4841,2022-10-10T00:00:00Z`].join('\n');
  const { indicators, errors } = parseIndicatorCsv(csv, { file: 'db.csv' });
  assert.deepEqual(errors, []);
  assert.deepEqual(indicators[0], {
    value: 'evil.example',
    type: 'domain',
    source: 'cisa',
    confidence: 90,
    severity: 'high',
    description: 'lure',
    actor: 'UNC4841',
    campaign: 'ESG-2023',
    firstSeen: Date.parse('2022-10-10T00:00:00Z'),
    lastSeen: Date.parse('2023-05-24T00:00:00Z'),
  });
  assert.equal(parseIndicatorCsv(`${H},colour\ndomain,a.example,,,,,,red`).errors.length, 1, 'an unknown column is refused');
  assert.equal(parseIndicatorCsv(`${H},actor,actor\n`).errors.length, 1, 'so is a repeated one');
  assert.match(parseIndicatorCsv(`${H},actor\ndomain,a.example,,,,,`).errors[0]?.reason ?? '', /expected 8 fields, got 7/);
});

test('plain list: types inferred per line, comments and blanks skipped, bad lines reported', () => {
  const text = [
    '# hashes and hosts',
    SHA,
    'a'.repeat(40) + '  # sha1 with a trailing comment',
    'b'.repeat(32),
    '',
    '192.0.2.0/24',
    '2001:DB8::/32',
    'https://Evil.Example:443/path?q=1#frag',
    'Bad.Actor@Evil.Example',
    'evil.example',
    'not a value!',
  ].join('\n');
  const { indicators, errors } = parsePlainList(text, { file: 'list.txt', severity: 'medium' });
  assert.deepEqual(
    indicators.map((i) => [i.type, i.value]),
    [
      ['sha256', 'ab'.repeat(32)],
      ['sha1', 'a'.repeat(40)],
      ['md5', 'b'.repeat(32)],
      ['ipv4', '192.0.2.0/24'],
      ['ipv6', '2001:db8::/32'],
      ['url', 'https://evil.example/path?q=1'],
      ['email', 'bad.actor@evil.example'],
      ['domain', 'evil.example'],
    ],
  );
  assert.ok(indicators.every((i) => i.severity === 'medium' && i.source === 'list.txt'));
  assert.deepEqual(errors, [{ file: 'list.txt', line: 11, reason: 'cannot infer the indicator type' }]);
});

test('plain list with a given type: subjects keep #, wrong values reported', () => {
  const subjects = parsePlainList('  Invoice   #4411 OVERDUE \n# comment\n', { type: 'subject' });
  assert.deepEqual(subjects.indicators.map((i) => i.value), ['invoice #4411 overdue']);
  const hashes = parsePlainList(`${SHA}\n${'c'.repeat(40)}\n`, { type: 'sha256', file: 'h.txt' });
  assert.equal(hashes.indicators.length, 1);
  assert.deepEqual(hashes.errors.map((e) => e.line), [2]);
  assert.equal(inferIndicatorType('Invoice.pdf.exe'), 'domain');
  assert.equal(inferIndicatorType('hello world'), undefined);
});
