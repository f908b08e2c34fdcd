import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createStixImport, parseStixBundle } from './index.js';

// Runs from dist/src/intel/: the fixture is in the repository's test/fixtures.
const BUNDLE: unknown = JSON.parse(readFileSync(new URL('../../../test/fixtures/stix/unc4841.json', import.meta.url), 'utf8'));
const PE_SHA256 = '3f0ac5fcedd272c71efa09f6d717cab77a103743b1f4b08c8903b0d5e1b09cc7';

function indicatorObject(fields: Record<string, unknown>): Record<string, unknown> {
  return { type: 'indicator', id: 'indicator--x', pattern_type: 'stix', valid_from: '2023-01-01T00:00:00Z', ...fields };
}

function bundle(...objects: unknown[]): unknown {
  return { type: 'bundle', id: 'bundle--t', objects };
}

test('STIX: the UNC4841-style bundle loads hashes, networks, domain, URL, email, subject and file name with attribution', () => {
  const result = parseStixBundle(BUNDLE, { source: 'cert-advisory' });
  const byValue = new Map(result.indicators.map((i) => [`${i.type}:${i.value}`, i]));
  assert.deepEqual([...byValue.keys()].sort(), [
    'domain:mx01.example-c2.test',
    'email:helpdesk@example-c2.test',
    'filename:install_helo.tar',
    'ipv4:198.51.100.0/24',
    'ipv4:203.0.113.17',
    'ipv6:2001:db8::7',
    'md5:2ccb9c0f3bea2e4b6e0d1c4a1a4f2e01',
    `sha1:ad6c5ee1a3b2e4f0c1d2e3f4a5b6c7d8e9f0a1b2`,
    `sha256:${PE_SHA256}`,
    "subject:invoice cve's",
    'url:https://mx01.example-c2.test/upd?x=1',
  ].sort());
  const pe = byValue.get(`sha256:${PE_SHA256}`);
  assert.deepEqual(pe, {
    type: 'sha256',
    value: PE_SHA256,
    source: 'cert-advisory',
    confidence: 90,
    severity: 'high',
    firstSeen: Date.parse('2022-10-10T00:00:00Z'),
    lastSeen: Date.parse('2023-06-20T12:00:00.000Z'),
    description: 'Malicious attachment (PE dropper) sent to ESG appliances',
    actor: 'UNC4841',
    campaign: 'Barracuda ESG exploitation (CVE-2023-2868)',
  });
  const tar = byValue.get('filename:install_helo.tar');
  assert.equal(tar?.campaign, 'Barracuda ESG exploitation (CVE-2023-2868)');
  assert.equal(tar?.actor, undefined);
  assert.equal(tar?.confidence, 80, 'default confidence');
  assert.equal(tar?.description, 'Exploit TAR attachment');
  const c2 = byValue.get('ipv4:203.0.113.17');
  assert.equal(c2?.expiresAt, Date.parse('2099-01-01T00:00:00Z'));
  assert.equal(c2?.confidence, 70);
  assert.equal(byValue.get('domain:mx01.example-c2.test')?.severity, 'medium', 'anomalous-activity is medium');
  assert.deepEqual(result.context, { malware: ['SALTWATER'], threatActors: ['UNC4841'], campaigns: ['Barracuda ESG exploitation (CVE-2023-2868)'], relationships: 4 });

  // Every part not loaded is named with its indicator id.
  const unsupported = result.problems.filter((p) => p.object === 'indicator--a1b2c3d4-0005-4e5f-8a9b-0c1d2e3f4a05').map((p) => p.reason);
  assert.equal(unsupported.length, 3);
  assert.match(unsupported[0] ?? '', /AND are not supported; not loaded: file:name = 'mod_udp\.so' AND file:size = …/u);
  assert.match(unsupported[1] ?? '', /object path is not supported.*process:name = 'rsync'/u);
  assert.match(unsupported[2] ?? '', /operator != is not supported.*file:name != 'x\.tar'/u);
  const snort = result.problems.find((p) => p.object === 'indicator--a1b2c3d4-0006-4e5f-8a9b-0c1d2e3f4a06');
  assert.match(snort?.reason ?? '', /pattern_type "snort" is not supported/u);
  assert.equal(result.problems.length, 4, JSON.stringify(result.problems));
});

test('STIX: a bundle over maxObjects is refused whole', () => {
  const result = parseStixBundle(BUNDLE, { maxObjects: 3 });
  assert.deepEqual(result.indicators, []);
  assert.equal(result.problems.length, 1);
  assert.match(result.problems[0]?.reason ?? '', /more than the limit of 3; nothing imported/u);
});

test('STIX: not a bundle is one problem', () => {
  for (const json of [null, [], 'x', { type: 'report', objects: [] }, { type: 'bundle' }, { type: 'bundle', objects: {} }]) {
    const result = parseStixBundle(json);
    assert.deepEqual(result.indicators, []);
    assert.match(result.problems[0]?.reason ?? '', /not a STIX bundle/u);
  }
});

test('STIX: malformed objects are reported and skipped, the good ones kept', () => {
  const good = indicatorObject({ id: 'indicator--good', pattern: "[domain-name:value = 'ok.example']" });
  const cases: Array<[unknown, RegExp]> = [
    [42, /objects\[0\] is not an object/u],
    [{ type: 'indicator', pattern: "[file:name = 'a']" }, /has no id or type/u],
    [{ id: 'indicator--notype' }, /has no id or type/u],
    [indicatorObject({ id: 'indicator--nopattern' }), /no pattern/u],
    [indicatorObject({ id: 'indicator--nptype', pattern: "[file:name = 'a']", pattern_type: undefined }), /pattern_type \(missing\) is not supported/u],
    [indicatorObject({ id: 'indicator--date', pattern: "[file:name = 'a']", valid_from: 'yesterday' }), /valid_from is not a STIX timestamp/u],
    [indicatorObject({ id: 'indicator--date2', pattern: "[file:name = 'a']", valid_until: '2023-01-01 00:00:00' }), /valid_until is not a STIX timestamp/u],
    [indicatorObject({ id: 'indicator--conf', pattern: "[file:name = 'a']", confidence: 101 }), /confidence must be an integer 0-100/u],
    [indicatorObject({ id: 'indicator--quote', pattern: "[file:name = 'a]" }), /unterminated quoted string/u],
    [indicatorObject({ id: 'indicator--esc', pattern: "[file:name = 'a\\n']" }), /bad escape/u],
    [indicatorObject({ id: 'indicator--char', pattern: '[file:name = "a"]' }), /unexpected character/u],
    [indicatorObject({ id: 'indicator--bracket', pattern: "file:name = 'a'" }), /expected "\["/u],
    [indicatorObject({ id: 'indicator--close', pattern: "[file:name = 'a'" }), /expected OR, AND or "\]"/u],
    [indicatorObject({ id: 'indicator--paren', pattern: "([file:name = 'a'] OR [file:name = 'b'])" }), /parenthesised/u],
    [indicatorObject({ id: 'indicator--nonstring', pattern: '[file:size = 12]' }), /must be a quoted string; not loaded: file:size = …/u],
    [indicatorObject({ id: 'indicator--long', pattern: `[file:name = '${'a'.repeat(20_000)}']` }), /longer than/u],
    [indicatorObject({ id: 'indicator--bad-hash', pattern: "[file:hashes.'SHA-256' = 'abc']" }), /not a sha256 hex digest/u],
    [indicatorObject({ id: 'indicator--multiline', pattern: "[email-message:subject = 'a\nb']" }), /one line/u],
    [indicatorObject({ id: 'indicator--like', pattern: "[domain-name:value LIKE '%.example']" }), /operator LIKE is not supported/u],
    [indicatorObject({ id: 'indicator--and-obs', pattern: "[file:name = 'a'] AND [ipv4-addr:value = '192.0.2.1']" }), /AND\/FOLLOWEDBY are not supported/u],
    [indicatorObject({ id: 'indicator--within', pattern: "[file:name = 'a'] WITHIN 300 SECONDS" }), /qualified observations/u],
    [{ type: 'campaign', id: 'campaign--noname' }, /campaign has no name/u],
    [{ type: 'relationship', id: 'relationship--bad' }, /needs relationship_type/u],
    [{ type: 'relationship', id: 'relationship--dangling', relationship_type: 'indicates', source_ref: 'indicator--good', target_ref: 'threat-actor--missing' }, /not in the bundle/u],
  ];
  for (const [object, reason] of cases) {
    const result = parseStixBundle(bundle(object, good));
    assert.deepEqual(result.indicators.map((i) => i.value), ['ok.example'], `${JSON.stringify(object).slice(0, 80)} leaves the good object`);
    assert.equal(result.problems.length, 1, JSON.stringify(result.problems));
    assert.match(result.problems[0]?.reason ?? '', reason);
  }
});

test('STIX: an intrusion-set is an actor; OR inside and between brackets; escapes in strings', () => {
  const result = parseStixBundle(
    bundle(
      indicatorObject({ id: 'indicator--a', pattern: "[file:name = 'it\\'s\\\\x.tar' OR file:name = 'b.tar'] OR [file:hashes.SHA256 = '" + 'A'.repeat(64) + "']", labels: ['benign'] }),
      { type: 'intrusion-set', id: 'intrusion-set--1', name: 'APT Example' },
      { type: 'relationship', id: 'relationship--1', relationship_type: 'indicates', source_ref: 'indicator--a', target_ref: 'intrusion-set--1' },
    ),
  );
  assert.deepEqual(result.problems, []);
  assert.deepEqual(result.indicators.map((i) => [i.type, i.value, i.actor, i.severity]), [
    ['filename', "it's\\x.tar", 'APT Example', 'info'],
    ['filename', 'b.tar', 'APT Example', 'info'],
    ['sha256', 'a'.repeat(64), 'APT Example', 'info'],
  ]);
  assert.equal(result.indicators[0]?.source, 'stix', 'default source');
  assert.deepEqual(result.context.threatActors, ['APT Example']);
});

test('STIX: a pathological pattern is bounded (many comparisons, no backtracking)', () => {
  const many = Array.from({ length: 600 }, (_, n) => `file:name = 'f${String(n)}'`).join(' OR ');
  const started = process.hrtime.bigint();
  const result = parseStixBundle(bundle(indicatorObject({ pattern: `[${many}]` })));
  assert.ok(process.hrtime.bigint() - started < 1_000_000_000n);
  assert.deepEqual(result.indicators, []);
  assert.match(result.problems[0]?.reason ?? '', /more than 500 comparisons/u);
});

test('STIX incremental: objects fed one by one (relationships before or after their indicators) give what parseStixBundle gives', () => {
  const objects = (BUNDLE as { objects: unknown[] }).objects;
  const expected = parseStixBundle(BUNDLE, { source: 's' });
  for (const order of [objects, [...objects].reverse()]) {
    const stix = createStixImport({ source: 's' });
    order.forEach((object, index) => stix.add(object, index));
    const result = stix.finish({ type: 'bundle', id: 'bundle--x' });
    const key = (i: { type: string; value: string }): string => `${i.type}:${i.value}`;
    assert.deepEqual([...result.indicators].sort((a, b) => key(a).localeCompare(key(b))), [...expected.indicators].sort((a, b) => key(a).localeCompare(key(b))));
    assert.deepEqual(result.context.relationships, expected.context.relationships);
    assert.equal(result.problems.length, expected.problems.length);
    assert.equal(stix.count, objects.length);
  }
  // A streamed document that is not a bundle is refused at the end.
  const other = createStixImport();
  objects.forEach((object, index) => other.add(object, index));
  assert.match(other.finish({ type: 'report' }).problems[0]?.reason ?? '', /not a STIX bundle/u);
});

test('STIX incremental: maxObjects counts as the stream goes; the refusal says how many were read', () => {
  const stix = createStixImport({ maxObjects: 2 });
  for (let i = 0; i < 5; i++) stix.add(indicatorObject({ id: `indicator--${String(i)}`, pattern: `[domain-name:value = 'd${String(i)}.example']` }), i);
  const result = stix.finish({ type: 'bundle' });
  assert.deepEqual(result.indicators, []);
  assert.deepEqual(result.problems, [{ reason: 'bundle has 5 objects, more than the limit of 2; nothing imported (split the bundle)' }]);
});
