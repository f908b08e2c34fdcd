import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseMispEvents } from './misp.js';

const SHA256 = 'a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f90';
const ATTACHMENT_SHA256 = '2e9b8a2f07d4d5b9c4c3e1a0f1e2d3c4b5a6978877665544332211ffeeddccbb';
const MD5 = '0123456789abcdef0123456789abcdef';
const SHA1 = '0123456789abcdef0123456789abcdef01234567';

/** Modelled on a MISP export of the Barracuda ESG (UNC4841) advisory: hashes, a file object, an email object, context. */
const EVENT = {
  Event: {
    uuid: '5f1e0c2a-4b3d-4e5f-8a9b-0c1d2e3f4a5b',
    info: '  Barracuda ESG zero-day   exploitation (CVE-2023-2868)  ',
    threat_level_id: '1',
    date: '2023-06-15',
    Tag: [{ name: 'tlp:white' }, { name: 'misp-galaxy:threat-actor="UNC4841"' }, { name: 'admiralty-scale:source-reliability="b"' }],
    Galaxy: [{ type: 'malpedia', name: 'Malpedia', GalaxyCluster: [{ type: 'malpedia', value: 'SALTWATER', tag_name: 'misp-galaxy:malpedia="SALTWATER"' }] }],
    Attribute: [
      { uuid: 'attr-sha256', type: 'sha256', category: 'Payload delivery', to_ids: true, value: SHA256.toUpperCase(), timestamp: '1686787200', comment: 'SALTWATER module' },
      { uuid: 'attr-md5', type: 'md5', to_ids: '1', value: MD5, timestamp: '1686787200' },
      { uuid: 'attr-file', type: 'filename|sha256', to_ids: true, value: `Install_Helo.tar|${ATTACHMENT_SHA256}`, first_seen: '2022-10-10T00:00:00.000000+00:00', last_seen: '2023-05-20T12:00:00.000000+00:00' },
      { uuid: 'attr-c2', type: 'ip-dst|port', to_ids: true, value: '203.0.113.17|443', timestamp: '1686787200' },
      { uuid: 'attr-net', type: 'ip-src', to_ids: true, value: '2001:db8:0:0::1', timestamp: '1686787200' },
      { uuid: 'attr-domain', type: 'domain', to_ids: true, value: 'Mx01.Bestfindthetruth.COM.', timestamp: '1686787200' },
      { uuid: 'attr-domip', type: 'domain|ip', to_ids: true, value: 'update.example|198.51.100.9', timestamp: '1686787200' },
      { uuid: 'attr-url', type: 'url', to_ids: true, value: 'HTTPS://Evil.Example:443/x#frag', timestamp: '1686787200' },
      { uuid: 'attr-victim', type: 'email-dst', to_ids: true, value: 'victim@acme.test', timestamp: '1686787200' },
      { uuid: 'attr-context', type: 'ip-dst', to_ids: false, value: '192.0.2.50', timestamp: '1686787200', comment: 'a benign scanner' },
      { uuid: 'attr-deleted', type: 'sha1', to_ids: true, deleted: true, value: SHA1, timestamp: '1686787200' },
      { uuid: 'attr-regkey', type: 'regkey', to_ids: true, value: 'HKLM\\Software\\Evil', timestamp: '1686787200' },
      { uuid: 'attr-badhash', type: 'sha256', to_ids: true, value: 'not-a-hash', timestamp: '1686787200' },
    ],
    Object: [
      {
        name: 'email',
        Attribute: [
          { uuid: 'obj-from', type: 'email-src', object_relation: 'from', to_ids: true, value: 'Billing@Lure-Sender.Example', timestamp: '1686787200' },
          { uuid: 'obj-to', type: 'email-dst', object_relation: 'to', to_ids: false, value: 'bob@acme.test', timestamp: '1686787200' },
          { uuid: 'obj-subject', type: 'email-subject', object_relation: 'subject', to_ids: true, value: '  Invoice   OVERDUE ', timestamp: '1686787200' },
          { uuid: 'obj-attachment', type: 'email-attachment', object_relation: 'attachment', to_ids: true, value: 'invoice.PDF.exe', timestamp: '1686787200', Tag: [{ name: 'misp-galaxy:campaign="Spring lure"' }] },
        ],
      },
    ],
  },
};

const find = (result: ReturnType<typeof parseMispEvents>, type: string, value: string) => result.indicators.find((i) => i.type === type && i.value === value);

test('MISP: a realistic event loads its indicators with attribution, and reports or counts everything else', () => {
  const result = parseMispEvents(EVENT, { source: 'cert' });
  const got = result.indicators.map((i) => `${i.type} ${i.value}`).sort();
  assert.deepEqual(got, [
    'domain mx01.bestfindthetruth.com',
    'domain update.example',
    'email billing@lure-sender.example',
    'filename install_helo.tar',
    'filename invoice.pdf.exe',
    'ipv4 198.51.100.9',
    'ipv4 203.0.113.17',
    'ipv6 2001:db8::1',
    `md5 ${MD5}`,
    `sha256 ${ATTACHMENT_SHA256}`,
    `sha256 ${SHA256}`,
    'subject invoice overdue',
    'url https://evil.example/x',
  ]);
  const hash = find(result, 'sha256', SHA256);
  assert.deepEqual(hash, {
    source: 'cert',
    confidence: 75, // admiralty b
    severity: 'high', // threat level 1
    firstSeen: 1_686_787_200_000,
    lastSeen: 1_686_787_200_000,
    description: 'SALTWATER module',
    actor: 'UNC4841',
    campaign: 'Barracuda ESG zero-day exploitation (CVE-2023-2868)',
    type: 'sha256',
    value: SHA256,
  });
  // filename|sha256: both, with the attribute's own first/last seen.
  const file = find(result, 'filename', 'install_helo.tar');
  assert.equal(file?.firstSeen, Date.parse('2022-10-10T00:00:00Z'));
  assert.equal(file?.lastSeen, Date.parse('2023-05-20T12:00:00Z'));
  assert.equal(find(result, 'sha256', ATTACHMENT_SHA256)?.firstSeen, Date.parse('2022-10-10T00:00:00Z'));
  // An attribute's own campaign tag wins over the event's info line.
  assert.equal(find(result, 'filename', 'invoice.pdf.exe')?.campaign, 'Spring lure');
  assert.equal(find(result, 'subject', 'invoice overdue')?.description, 'Barracuda ESG zero-day exploitation (CVE-2023-2868)');

  assert.deepEqual(result.problems, [
    { reason: '2 attribute(s) are context only (to_ids false); not loaded' },
    { object: 'attr-victim', reason: 'type email-dst not supported (a recipient (the victim), not an indicator); skipped' },
    { object: 'attr-regkey', reason: 'type regkey not supported; skipped' },
    { object: 'attr-badhash', reason: 'not a sha256 hex digest; not loaded: sha256 not-a-hash' },
  ]);
  assert.deepEqual(result.counts, { events: 1, attributes: 17, contextOnly: 2, deleted: 1 });
  assert.deepEqual(result.context, { malware: ['SALTWATER'], threatActors: ['UNC4841'], campaigns: ['Barracuda ESG zero-day exploitation (CVE-2023-2868)'], relationships: 0 });
});

test('MISP: the accepted shapes ({Event}, {response: [...]}, [...], a bare event) give the same indicators', () => {
  const expected = parseMispEvents(EVENT).indicators;
  assert.equal(expected.length, 13);
  assert.equal(expected[0]?.source, 'misp', 'default source');
  assert.deepEqual(parseMispEvents({ response: [EVENT] }).indicators, expected);
  assert.deepEqual(parseMispEvents([EVENT]).indicators, expected);
  assert.deepEqual(parseMispEvents(EVENT.Event).indicators, expected);
  for (const wrong of [null, 'text', { type: 'bundle', objects: [] }, { Event: 'x' }]) {
    const result = parseMispEvents(wrong);
    assert.deepEqual(result.indicators, []);
    assert.match(result.problems[0]?.reason ?? '', /not a MISP event/u);
  }
});

test('MISP: threat level → severity, galaxy clusters for actor and campaign, default confidence', () => {
  const event = (extra: Record<string, unknown>) => ({ Event: { info: 'x', Attribute: [{ uuid: 'a', type: 'domain', value: 'evil.example', to_ids: true }], ...extra } });
  const one = (extra: Record<string, unknown>) => parseMispEvents(event(extra)).indicators[0];
  assert.equal(one({ threat_level_id: '2' })?.severity, 'medium');
  assert.equal(one({ threat_level_id: 3 })?.severity, 'low');
  assert.equal(one({ threat_level_id: '4' })?.severity, 'medium');
  assert.equal(one({})?.severity, 'medium');
  assert.equal(one({})?.confidence, 80);
  assert.equal(one({ Tag: [{ name: 'admiralty-scale:source-reliability="f"' }] })?.confidence, 20);
  const clustered = one({
    Galaxy: [
      { type: 'threat-actor', GalaxyCluster: [{ type: 'threat-actor', value: 'APT-Z' }] },
      { type: 'campaign', GalaxyCluster: [{ value: 'Operation Winter' }] },
    ],
  });
  assert.equal(clustered?.actor, 'APT-Z');
  assert.equal(clustered?.campaign, 'Operation Winter');
  assert.equal(one({})?.campaign, 'x', 'the event info when no campaign is named');
  assert.equal(one({ info: 'y'.repeat(500) })?.campaign?.length, 200);
});

test('MISP: bad attributes are reported by uuid and skipped, the rest load', () => {
  const result = parseMispEvents({
    Event: {
      info: 'bad',
      Attribute: [
        'not an object',
        { uuid: 'no-value', type: 'domain', to_ids: true },
        { uuid: 'two-lines', type: 'domain', value: 'a.example\nb.example', to_ids: true },
        { uuid: 'no-bar', type: 'filename|md5', value: 'x.exe', to_ids: true },
        { uuid: 'bad-ip', type: 'ip-dst', value: '999.1.1.1', to_ids: true },
        { uuid: 'bad-time', type: 'domain', value: 'c.example', to_ids: true, first_seen: 'yesterday' },
        { uuid: 'good', type: 'hostname', value: 'host.evil.example', to_ids: true },
      ],
    },
  });
  assert.deepEqual(
    result.indicators.map((i) => i.value),
    ['host.evil.example'],
  );
  assert.deepEqual(
    result.problems.map((p) => `${p.object ?? ''}: ${p.reason}`),
    [
      'event 0: attribute 0 is not an object; skipped',
      'no-value: attribute has no type or value; skipped',
      'two-lines: value must be one line; not loaded: a.example\nb.example',
      'no-bar: filename|md5 value has no "|"; skipped',
      'bad-ip: not an IP address or CIDR; not loaded: ip-dst 999.1.1.1',
      'bad-time: first_seen, last_seen or timestamp is not a time; skipped',
    ],
  );
});

test('MISP: over maxAttributes the whole file is refused, nothing loaded', () => {
  const attributes = Array.from({ length: 11 }, (_, i) => ({ uuid: `a${String(i)}`, type: 'domain', value: `d${String(i)}.example`, to_ids: true }));
  const result = parseMispEvents({ Event: { info: 'big', Attribute: attributes.slice(0, 6), Object: [{ Attribute: attributes.slice(6) }] } }, { maxAttributes: 10 });
  assert.deepEqual(result.indicators, []);
  assert.equal(result.problems.length, 1);
  assert.match(result.problems[0]?.reason ?? '', /11 attributes, more than the limit of 10; nothing imported/u);
  assert.equal(parseMispEvents({ Event: { info: 'ok', Attribute: attributes } }, { maxAttributes: 11 }).indicators.length, 11);
});

test('MISP: at most 1,000 problems, then one line saying more were not reported', () => {
  const attributes = Array.from({ length: 1500 }, (_, i) => ({ uuid: `m${String(i)}`, type: 'mutex', value: `m${String(i)}`, to_ids: true }));
  const result = parseMispEvents({ Event: { info: 'noise', Attribute: [...attributes, { uuid: 'ok', type: 'domain', value: 'ok.example', to_ids: true }] } });
  assert.equal(result.problems.length, 1001);
  assert.equal(result.problems[1000]?.reason, 'too many problems; later ones not reported');
  assert.equal(result.indicators.length, 1);
});
