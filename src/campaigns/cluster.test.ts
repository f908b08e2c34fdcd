import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { computeLureFingerprint } from '../core/index.js';
import type { CampaignCluster, CampaignMessage } from './index.js';
import { clusterCampaigns, detectionLabels } from './index.js';

const sha = (s: string): string => createHash('sha256').update(s).digest('hex');
let counter = 0;

function message(overrides: Partial<CampaignMessage> & { queueId: string }): CampaignMessage {
  counter++;
  return {
    organizationId: 1,
    receivedAt: '2023-05-22T10:00:00Z',
    action: 'quarantine',
    status: 'quarantined',
    suspicious: true,
    // Each message its own network, HELO and sender unless a test says otherwise.
    clientIp: `198.51.${counter % 250}.${(counter % 200) + 1}`,
    helo: `host${counter}.sender${counter}.example`,
    mailFrom: `user${counter}@sender${counter}.example`,
    senderDomain: `sender${counter}.example`,
    recipients: [`victim${counter}@org.example`],
    attachments: [],
    urlDomains: [],
    findings: [],
    ...overrides,
  };
}

const yara = (rule: string) => ({ symbol: `YARA_${rule.toUpperCase()}`, detail: `part 2: YARA rule ${rule} matched (strings $a)`, severity: 'high' });
const memberIds = (c: CampaignCluster | undefined): string[] => (c === undefined ? [] : c.members.map((m) => m.queueId));
const clusterOf = (clusters: readonly CampaignCluster[], queueId: string): CampaignCluster | undefined => clusters.find((c) => c.members.some((m) => m.queueId === queueId));

const LURE_A = (name: string): string =>
  `Dear ${name},\nplease find attached the revised trade agreement draft for the ministerial meeting. The delegation asked ` +
  'for comments on the tariff annex before the end of the week. Open the attachment with the password given by phone.';
const LURE_B = (name: string): string =>
  `Hello ${name},\nyour invoice for the annual maintenance contract of the laboratory equipment is overdue. Kindly arrange ` +
  'payment through the supplier portal to avoid the suspension of service and the late fee described in the contract.';

test('two campaigns sharing nothing stay apart; each member is explained', () => {
  const a = sha('payload-a');
  const b = sha('payload-b');
  const messages = [
    message({ queueId: 'A1', attachments: [{ sha256: a, name: 'draft.tar' }] }),
    message({ queueId: 'A2', attachments: [{ sha256: a, name: 'draft.tar' }], organizationId: 2 }),
    message({ queueId: 'A3', attachments: [{ sha256: a, name: 'draft2.tar' }], organizationId: 3 }),
    message({ queueId: 'B1', attachments: [{ sha256: b, name: 'invoice.xls' }] }),
    message({ queueId: 'B2', attachments: [{ sha256: b, name: 'invoice.xls' }], organizationId: 4 }),
  ];
  const clusters = clusterCampaigns(messages);
  assert.deepEqual(clusters.map((c) => [c.key, memberIds(c)]), [
    ['A1', ['A1', 'A2', 'A3']],
    ['B1', ['B1', 'B2']],
  ]);
  for (const member of clusters.flatMap((c) => c.members)) {
    assert.ok(member.evidence.length >= 1, member.queueId);
    const e = member.evidence[0];
    assert.equal(e?.kind, 'artifact');
    assert.notEqual(e?.withQueueId, member.queueId);
    assert.ok(memberIds(clusterOf(clusters, member.queueId)).includes(e?.withQueueId ?? ''));
    assert.match(e?.detail ?? '', /same attachment/u);
  }
  // Deterministic: any input order gives the same output.
  assert.deepEqual(clusterCampaigns([...messages].reverse()), clusters);
});

test('a hub domain (google.com or any domain in much clean mail) does not merge two campaigns', () => {
  const messages: CampaignMessage[] = [];
  for (let i = 0; i < 4; i++) messages.push(message({ queueId: `A${i}`, urlDomains: ['evil-a.example', 'hub.example', 'google.com'] }));
  for (let i = 0; i < 4; i++) messages.push(message({ queueId: `B${i}`, urlDomains: ['evil-b.example', 'hub.example', 'google.com'] }));
  for (let i = 0; i < 10; i++) messages.push(message({ queueId: `C${i}`, suspicious: false, action: 'deliver', status: 'delivered', urlDomains: i % 2 === 0 ? ['hub.example', 'google.com'] : ['news.example'] }));
  const clusters = clusterCampaigns(messages);
  assert.deepEqual(clusters.map(memberIds), [
    ['A0', 'A1', 'A2', 'A3'],
    ['B0', 'B1', 'B2', 'B3'],
  ]);
  assert.ok(clusters.flatMap((c) => c.members.flatMap((m) => m.evidence)).every((e) => e.key !== 'hub.example' && e.key !== 'google.com'));
  // The same domain joins them when it is not common in clean mail.
  const rare = messages.map((m) => (m.suspicious ? { ...m, urlDomains: [...m.urlDomains, 'shared-c2.example'] } : m));
  assert.deepEqual(clusterCampaigns(rare).map(memberIds), [['A0', 'A1', 'A2', 'A3', 'B0', 'B1', 'B2', 'B3']]);
});

test('a URL domain spanning many separately formed clusters is infrastructure, not a campaign', () => {
  const messages: CampaignMessage[] = [];
  for (let c = 0; c < 5; c++) {
    for (let i = 0; i < 2; i++) messages.push(message({ queueId: `K${c}-${i}`, attachments: [{ sha256: sha(`k${c}`) }], urlDomains: ['cdn-platform.example'] }));
  }
  assert.equal(clusterCampaigns(messages).length, 5);
});

test('a widely shared URL domain still joins the carriers whose lures are similar (a wave with spun text)', () => {
  // Flips `bits` bits of a 64-bit fingerprint, spread over the four LSH bands so none of them match exactly.
  const flip = (fp: string, bits: readonly number[]): string => {
    let value = BigInt(`0x${fp}`);
    for (const bit of bits) value ^= 1n << BigInt(bit);
    return value.toString(16).padStart(16, '0');
  };
  const wave = '3a5c9e17b24d6f80';
  const messages: CampaignMessage[] = [];
  // One spam wave: 5 fragments (exact lure pairs), each 6-10 bits from the others, all linking to one domain.
  const variants = [[], [1, 17, 33, 49, 5, 21], [2, 18, 34, 50, 6, 22, 38, 54], [3, 19, 35, 51, 7], [4, 20, 36, 52, 8, 24, 40]];
  variants.forEach((bits, c) => {
    for (let i = 0; i < 2; i++) messages.push(message({ queueId: `W${c}-${i}`, lureFingerprint: flip(wave, bits), urlDomains: ['watch-deals.example'] }));
  });
  // Unrelated campaigns behind the same link domain: their lures are far from the wave's and from each other.
  for (const [c, fp] of ['c1e2d3f4a5b60718', '0f1e2d3c4b5a6978'].entries()) {
    for (let i = 0; i < 2; i++) messages.push(message({ queueId: `U${c}-${i}`, lureFingerprint: fp, urlDomains: ['watch-deals.example'] }));
  }
  const clusters = clusterCampaigns(messages);
  assert.deepEqual(
    clusters.map(memberIds),
    [['U0-0', 'U0-1'], ['U1-0', 'U1-1'], ['W0-0', 'W0-1', 'W1-0', 'W1-1', 'W2-0', 'W2-1', 'W3-0', 'W3-1', 'W4-0', 'W4-1']],
  );
  const joined = clusterOf(clusters, 'W2-0')?.members.find((m) => m.evidence.some((e) => e.kind === 'url-domain'));
  assert.match(joined?.evidence.find((e) => e.kind === 'url-domain')?.detail ?? '', /watch-deals\.example .*similar lure \(\d+ bits apart\)/u);
});

test('a delivered message with the same attachment hash joins, with its evidence', () => {
  const payload = sha('the-tar');
  const clusters = clusterCampaigns([
    message({ queueId: 'S1', attachments: [{ sha256: payload, name: 'a.tar' }] }),
    message({ queueId: 'S2', attachments: [{ sha256: payload, name: 'a.tar' }] }),
    message({ queueId: 'D1', suspicious: false, action: 'deliver', status: 'delivered', attachments: [{ sha256: payload, name: 'a.tar' }], organizationId: 9 }),
    message({ queueId: 'D2', suspicious: false, action: 'deliver', status: 'delivered', attachments: [{ sha256: sha('other') }] }),
  ]);
  assert.deepEqual(clusters.map(memberIds), [['D1', 'S1', 'S2']]);
  assert.equal(clusters[0]?.key, 'S1');
  const d1 = clusters[0]?.members.find((m) => m.queueId === 'D1');
  assert.deepEqual(d1?.evidence.map((e) => [e.kind, e.key, e.withQueueId]), [['artifact', payload, 'S1']]);
});

test('non-suspicious messages alone never form a campaign, however much they share', () => {
  const payload = sha('newsletter-logo');
  const clean = Array.from({ length: 5 }, (_, i) => message({ queueId: `N${i}`, suspicious: false, action: 'deliver', status: 'delivered', attachments: [{ sha256: payload }] }));
  assert.deepEqual(clusterCampaigns(clean), []);
});

test('an attachment hash common in clean mail (a logo) joins nothing', () => {
  const logo = sha('logo.png');
  const messages = [
    message({ queueId: 'S1', attachments: [{ sha256: logo, name: 'logo.png' }] }),
    message({ queueId: 'S2', attachments: [{ sha256: logo, name: 'logo.png' }] }),
    ...Array.from({ length: 6 }, (_, i) => message({ queueId: `N${i}`, suspicious: false, action: 'deliver', status: 'delivered', attachments: [{ sha256: logo, name: 'logo.png' }] })),
    ...Array.from({ length: 4 }, (_, i) => message({ queueId: `M${i}`, suspicious: false, action: 'deliver', status: 'delivered' })),
  ];
  assert.deepEqual(clusterCampaigns(messages), []);
});

test('the same YARA rule joins only with shared infrastructure', () => {
  const apart = clusterCampaigns([
    message({ queueId: 'Y1', findings: [yara('SEASPY_Loader')] }),
    message({ queueId: 'Y2', findings: [yara('SEASPY_Loader')] }),
  ]);
  assert.deepEqual(apart, []);
  const together = clusterCampaigns([
    message({ queueId: 'Y1', findings: [yara('SEASPY_Loader')], clientIp: '203.0.113.7' }),
    message({ queueId: 'Y2', findings: [yara('SEASPY_Loader')], clientIp: '203.0.113.200', organizationId: 5 }),
    // Same network, different rule: not joined by the detection.
    message({ queueId: 'Y3', findings: [yara('Other_Rule')], clientIp: '203.0.113.9' }),
  ]);
  assert.deepEqual(together.map(memberIds), [['Y1', 'Y2']]);
  assert.deepEqual(together[0]?.members[0]?.evidence.map((e) => [e.kind, e.key]), [['detection+infrastructure', 'YARA rule SEASPY_LOADER @ 203.0.113.0/24']]);
  // The sender domain and the HELO are infrastructure too; generic findings are not detections.
  const byHelo = clusterCampaigns([
    message({ queueId: 'H1', findings: [yara('X')], helo: 'mail.attacker.example' }),
    message({ queueId: 'H2', findings: [yara('X')], helo: 'MAIL.attacker.example.' }),
    message({ queueId: 'G1', findings: [{ symbol: 'SPF_SOFTFAIL', detail: 'softfail', severity: 'info' }], helo: 'mx.same.example' }),
    message({ queueId: 'G2', findings: [{ symbol: 'SPF_SOFTFAIL', detail: 'softfail', severity: 'info' }], helo: 'mx.same.example' }),
  ]);
  assert.deepEqual(byHelo.map(memberIds), [['H1', 'H2']]);
});

test('detection labels: specific findings only, IOC values and ClamAV signatures kept', () => {
  assert.deepEqual(
    detectionLabels([
      { symbol: 'YARA_MATCH_LIMIT', detail: '', severity: 'info' },
      { symbol: 'SPF_SOFTFAIL', detail: '', severity: 'info' },
      { symbol: 'BAYES_SPAM', detail: '', severity: 'medium' },
      { symbol: 'IOC_HASH_MATCH', detail: 'part 2: sha256 of the part matches sha256 indicator "abc" from unc4841.csv (confidence 90)', severity: 'critical' },
      { symbol: 'CLAMAV_VIRUS', detail: 'part 2: ClamAV found Eicar-Signature', severity: 'critical' },
      { symbol: 'ARCHIVE_NAME_SHELL_META', detail: 'x', severity: 'critical' },
      { symbol: 'MIME_CONTENT_ID_BLOB', detail: 'loose', severity: 'medium' },
    ]),
    ['ARCHIVE_NAME_SHELL_META', 'ClamAV Eicar-Signature', 'IOC_HASH_MATCH abc'],
  );
});

test('near-identical lures across 5 organizations join; a different lure stays out', () => {
  const names = ['Alice', 'Bob', 'Carol', 'Dmitri', 'Eve'];
  const messages = names.map((name, i) =>
    message({ queueId: `L${i}`, organizationId: i + 1, subject: 'Revised agreement draft', lureFingerprint: computeLureFingerprint('Revised agreement draft', LURE_A(name)) ?? '' }),
  );
  messages.push(message({ queueId: 'X1', subject: 'Invoice overdue', lureFingerprint: computeLureFingerprint('Invoice overdue', LURE_B('Frank')) ?? '' }));
  const clusters = clusterCampaigns(messages);
  assert.deepEqual(clusters.map(memberIds), [['L0', 'L1', 'L2', 'L3', 'L4']]);
  for (const m of clusters[0]?.members ?? []) assert.equal(m.evidence[0]?.kind, 'lure');
});

test('near (not equal) fingerprints join through LSH; a delivered one needs corroboration', () => {
  const base = '0123456789abcdef';
  const near = '0123456789abcdee'; // 1 bit
  const near3 = '8123456789abcdec'; // 3 bits from base
  const far = 'f0f0f0f0f0f0f0f0';
  const clusters = clusterCampaigns([
    message({ queueId: 'P1', lureFingerprint: base, clientIp: '192.0.2.10' }),
    message({ queueId: 'P2', lureFingerprint: near3 }),
    message({ queueId: 'P3', lureFingerprint: far }),
    // Delivered, near lure, same sender network as P1: joins.
    message({ queueId: 'D1', lureFingerprint: near, suspicious: false, action: 'deliver', status: 'delivered', clientIp: '192.0.2.77' }),
    // Delivered, same lure, nothing else shared: stays out (clean mail with a common template is not swept in).
    message({ queueId: 'D2', lureFingerprint: base, suspicious: false, action: 'deliver', status: 'delivered' }),
  ]);
  assert.deepEqual(clusters.map(memberIds), [['D1', 'P1', 'P2']]);
  const d1 = clusters[0]?.members.find((m) => m.queueId === 'D1');
  assert.equal(d1?.evidence[0]?.withQueueId, 'P1');
  assert.match(d1?.evidence[0]?.detail ?? '', /192\.0\.2\.0\/24/u);
  // maxLureDistance 0: exact fingerprints only.
  assert.deepEqual(clusterCampaigns([message({ queueId: 'P1', lureFingerprint: base }), message({ queueId: 'P2', lureFingerprint: near3 })], { maxLureDistance: 0 }), []);
});

test('minMembers, and an empty input', () => {
  const payload = sha('x');
  const pair = [message({ queueId: 'A', attachments: [{ sha256: payload }] }), message({ queueId: 'B', attachments: [{ sha256: payload }] })];
  assert.equal(clusterCampaigns(pair).length, 1);
  assert.equal(clusterCampaigns(pair, { minMembers: 3 }).length, 0);
  assert.deepEqual(clusterCampaigns([]), []);
});

test('100,000 messages cluster in a few seconds', () => {
  const messages: CampaignMessage[] = [];
  for (let i = 0; i < 100_000; i++) {
    const campaign = i % 1000;
    const suspicious = i % 10 === 0;
    messages.push({
      queueId: `Q${String(i).padStart(6, '0')}`,
      organizationId: i % 500,
      receivedAt: '2023-05-22T10:00:00Z',
      action: suspicious ? 'quarantine' : 'deliver',
      status: suspicious ? 'quarantined' : 'delivered',
      suspicious,
      clientIp: `198.${(i >> 8) & 255}.${i & 255}.1`,
      helo: `h${i}.example`,
      mailFrom: `s${i}@d${i}.example`,
      senderDomain: `d${i}.example`,
      lureFingerprint: (i * 2654435761 >>> 0).toString(16).padStart(8, '0') + (i * 40503 >>> 0).toString(16).padStart(8, '0'),
      recipients: [`r${i}@org.example`],
      attachments: suspicious ? [{ sha256: sha(`c${campaign}`) }] : [],
      urlDomains: [`u${i % 5000}.example`, 'common-cdn.example'],
      findings: suspicious ? [yara(`R${campaign % 50}`)] : [],
    });
  }
  const started = Date.now();
  const clusters = clusterCampaigns(messages);
  const elapsed = Date.now() - started;
  // 100 campaigns of 10 suspicious messages (every tenth message), each found whole.
  assert.ok(clusters.length >= 90 && clusters.length <= 100, `${clusters.length} clusters`);
  assert.ok(clusters.reduce((sum, c) => sum + c.members.length, 0) >= 10_000);
  // An idle machine takes about a second; the bound leaves room for a shared CI runner.
  assert.ok(elapsed < 30_000, `${elapsed} ms`);
});
