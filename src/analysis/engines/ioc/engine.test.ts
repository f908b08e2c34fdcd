import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import type { Artifact } from '../../../core/index.js';
import type { Indicator } from '../../../intel/index.js';
import { createHashReputation, createIndicatorStore } from '../../../intel/index.js';
import type { EngineSubject } from '../../engine.js';
import { createIocEngine, matchEnvelope, matchUrls } from './index.js';

const content = new TextEncoder().encode('payload bytes');
const digest = (alg: string): string => createHash(alg).update(content).digest('hex');
const artifact: Artifact = { path: '2', declaredType: 'application/octet-stream', size: content.length, sha256: digest('sha256') };
const subject = (over: Partial<EngineSubject> = {}): EngineSubject => ({ artifact, content, ...over });
const ind = (type: Indicator['type'], value: string, extra: Partial<Indicator> = {}): Indicator => ({ type, value, source: 'feed', confidence: 100, severity: 'high', ...extra });

test('hash indicators of each type match; score is severity base scaled by confidence', async () => {
  const store = createIndicatorStore([ind('sha256', digest('sha256'), { severity: 'critical', confidence: 50 }), ind('md5', digest('md5'), { description: 'dropper\nx' })]);
  const findings = await createIocEngine(store).inspect(subject());
  assert.deepEqual(findings.map((f) => [f.symbol, f.score, f.severity, f.artifact]), [
    ['IOC_HASH_MATCH', 20, 'critical', '2'],
    ['IOC_HASH_MATCH', 15, 'high', '2'],
  ]);
  assert.match(findings[1]?.detail ?? '', /^part 2: md5 \w+ matches md5 indicator "\w+" from feed \(confidence 100\): dropper\\x0ax$/u);
  assert.deepEqual(await createIocEngine(createIndicatorStore([ind('sha1', 'f'.repeat(40))])).inspect(subject()), []);
});

test('file names match case-insensitively, whole member path or last segment, escaped in details', async () => {
  const store = createIndicatorStore([ind('filename', 'payload.exe'), ind('filename', 'a\u202eexe.pdf')]);
  const engine = createIocEngine(store);
  const member = await engine.inspect(subject({ rawName: 'docs/PAYLOAD.EXE', depth: 1 }));
  assert.deepEqual(member.map((f) => f.symbol), ['IOC_FILENAME_MATCH']);
  const rlo = await engine.inspect(subject({ rawName: 'A\u202eEXE.pdf' }));
  assert.ok(rlo[0]?.detail.includes('a\\u{202e}exe.pdf'));
  assert.deepEqual(await engine.inspect(subject({ rawName: 'payload.exe.txt' })), []);
});

test('hash reputation: block-list wins over allow-list; allow gives a negative score', async () => {
  const store = createIndicatorStore([]);
  const blocked = await createIocEngine(store, { reputation: createHashReputation({ allow: [artifact.sha256], block: [artifact.sha256] }) }).inspect(subject());
  assert.deepEqual(blocked.map((f) => [f.symbol, f.score, f.severity]), [['HASH_BLOCKLISTED', 100, 'critical']]);
  const allowed = await createIocEngine(store, { reputation: createHashReputation({ allow: [artifact.sha256], block: [] }) }).inspect(subject());
  assert.deepEqual(allowed.map((f) => [f.symbol, f.score, f.severity]), [['HASH_ALLOWLISTED', -20, 'info']]);
  const unlisted = await createIocEngine(store, { reputation: createHashReputation({ allow: [], block: [] }) }).inspect(subject());
  assert.deepEqual(unlisted, []);
  const notExtracted = await createIocEngine(store, { reputation: createHashReputation({ allow: [], block: [''] }) }).inspect(subject({ artifact: { ...artifact, sha256: '' } }));
  assert.deepEqual(notExtracted, []);
});

test('envelope: client IP in a CIDR, sender address or domain, subject', () => {
  const store = createIndicatorStore([
    ind('ipv4', '198.51.100.0/24'),
    ind('ipv6', '2001:db8::/32'),
    ind('domain', 'evil.example'),
    ind('email', 'ceo@spoof.example'),
    ind('subject', 'urgent wire transfer'),
  ]);
  const symbols = (f: readonly { symbol: string }[]): string[] => f.map((x) => x.symbol);
  assert.deepEqual(symbols(matchEnvelope(store, { clientIp: '198.51.100.20', mailFrom: 'x@mail.evil.example', subject: 'URGENT  wire transfer' })), [
    'IOC_IP_MATCH',
    'IOC_SENDER_MATCH',
    'IOC_SUBJECT_MATCH',
  ]);
  assert.deepEqual(symbols(matchEnvelope(store, { clientIp: '::ffff:198.51.100.1', mailFrom: '', headerFrom: 'CEO@spoof.example' })), ['IOC_IP_MATCH', 'IOC_SENDER_MATCH']);
  assert.deepEqual(symbols(matchEnvelope(store, { clientIp: '2001:db8::5', mailFrom: 'a@good.example' })), ['IOC_IP_MATCH']);
  assert.deepEqual(matchEnvelope(store, { clientIp: '203.0.113.1', mailFrom: 'a@good.example', headerFrom: 'b@good.example', subject: 'hello' }), []);
  const finding = matchEnvelope(store, { clientIp: '203.0.113.1', mailFrom: 'x@evil.example' })[0];
  assert.equal(finding?.artifact, undefined);
  assert.match(finding?.detail ?? '', /MAIL FROM x@evil\.example matches domain indicator "evil\.example"/u);
});

test('URLs: exact normalised URL, host under a domain indicator, IP host', () => {
  const store = createIndicatorStore([ind('url', 'http://phish.example/login'), ind('domain', 'bad.example'), ind('ipv4', '192.0.2.0/24')]);
  const found = matchUrls(store, ['HTTP://Phish.Example:80/login#top', 'https://cdn.bad.example/x', 'http://192.0.2.9/a', 'https://good.example/', 'not a url']);
  assert.deepEqual(found.map((f) => f.symbol), ['IOC_URL_MATCH', 'IOC_URL_MATCH', 'IOC_URL_MATCH']);
});
