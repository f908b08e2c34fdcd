import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { DomainConfig } from '../config/index.js';
import { BASE_POLICY } from '../../test/support/policy.js';
import { checkPolicyDocument } from './document.js';
import { checkResolvedThresholds, createPolicyResolver } from './resolve.js';

const domains: DomainConfig[] = [
  { name: 'acme.test', recipients: 'any', organization: 'acme' },
  { name: 'acme-labs.test', recipients: 'any', organization: 'acme', thresholds: { tag: 3, quarantine: 10, reject: 30 } },
  { name: 'other.test', recipients: 'any' },
];

function documentOf(input: unknown) {
  const checked = checkPolicyDocument(input, domains);
  assert.ok(checked.ok, checked.ok ? '' : checked.issues.join('\n'));
  return checked.document;
}

describe('policy resolution', () => {
  const document = documentOf({
    organizations: { acme: { thresholds: { quarantine: 12 }, fileTypes: { block: ['iso', '.JS'] }, senders: { deny: ['bad.example'] } } },
    domains: { 'ACME-LABS.test': { fileTypes: { allow: ['js'] }, engines: { yara: { enabled: false } } } },
    recipients: { 'CEO@acme.test': { thresholds: { tag: 1 }, senders: { allow: ['bad.example'] }, stripAttachments: { enabled: true } } },
  });
  const resolver = createPolicyResolver({ base: BASE_POLICY, domains, document, revision: 7 });

  it('layers installation > organization > domain > recipient, each changing only what it names', () => {
    const plain = resolver.resolve('someone@acme.test');
    assert.deepEqual(plain.scopes, ['installation', 'organization acme']);
    assert.deepEqual(plain.rules.thresholds, { tag: 5, quarantine: 12, reject: 40 });
    assert.deepEqual(plain.rules.fileTypes.block, ['iso', 'js']);

    const labs = resolver.resolve('dev@acme-labs.test');
    assert.deepEqual(labs.scopes, ['installation', 'organization acme', 'domain acme-labs.test']);
    // The config's per-domain thresholds apply within the domain scope.
    assert.deepEqual(labs.rules.thresholds, { tag: 3, quarantine: 10, reject: 30 });
    // A narrower allow takes the type off the inherited block list.
    assert.deepEqual(labs.rules.fileTypes, { block: ['iso'], allow: ['js'], action: 'quarantine' });
    assert.deepEqual(labs.rules.engines['yara'], { enabled: false });
    assert.deepEqual(labs.rules.engines['clamav'], { enabled: true, onFailure: 'defer' });

    const ceo = resolver.resolve('ceo@ACME.test');
    assert.deepEqual(ceo.scopes, ['installation', 'organization acme', 'recipient ceo@acme.test']);
    assert.equal(ceo.rules.thresholds.tag, 1);
    assert.deepEqual(ceo.rules.senders, { allow: ['bad.example'], deny: [], denyAction: 'reject' });
    assert.equal(ceo.rules.stripAttachments.enabled, true);
    assert.equal(ceo.rules.stripAttachments.notice, BASE_POLICY.stripAttachments.notice);

    assert.deepEqual(resolver.resolve('x@other.test').scopes, ['installation']);
    assert.deepEqual(resolver.resolve().scopes, ['installation']);
  });

  it('versions by revision and effective settings: same settings, same version', () => {
    const a = resolver.resolve('a@acme.test');
    assert.match(a.version, /^r7-[0-9a-f]{12}$/);
    assert.equal(resolver.resolve('b@acme.test').version, a.version);
    assert.notEqual(resolver.resolve('ceo@acme.test').version, a.version);
    assert.notEqual(resolver.resolve('x@other.test').version, a.version);
    // Same settings, other organization: another version, so one transaction never mixes tenants.
    const twins = createPolicyResolver({ base: BASE_POLICY, domains: [{ name: 'a.test', recipients: 'any', organization: 'one' }, { name: 'b.test', recipients: 'any', organization: 'two' }], document: documentOf({}), revision: 1 });
    assert.deepEqual([twins.resolve('x@a.test').organization, twins.resolve('x@b.test').organization], ['one', 'two']);
    assert.notEqual(twins.resolve('x@a.test').version, twins.resolve('x@b.test').version);
    const next = createPolicyResolver({ base: BASE_POLICY, domains, document, revision: 8 });
    assert.equal(next.resolve('a@acme.test').version.slice(3), a.version.slice(3));
  });

  it('refuses documents naming domains or recipients Moat does not serve, bad keys and bad values', () => {
    const bad = checkPolicyDocument(
      {
        domains: { 'nowhere.test': {} },
        recipients: { 'a@nowhere.test': {}, 'not an address': {} },
        organizations: { acme: { thresholds: { quarantine: 'high' }, fileTypes: { block: ['../x'] }, treshold: 1 } },
      },
      domains,
    );
    assert.equal(bad.ok, false);
    const text = bad.ok ? '' : bad.issues.join('\n');
    assert.match(text, /organizations\.acme\.thresholds\.quarantine/);
    assert.match(text, /organizations\.acme\.fileTypes\.block\[0\]: must be a file extension/);
    assert.match(text, /treshold/);
    const scoped = checkPolicyDocument({ domains: { 'nowhere.test': {} }, recipients: { 'a@nowhere.test': {}, 'not an address': {} } }, domains);
    assert.deepEqual(scoped.ok ? [] : scoped.issues, [
      'domains["nowhere.test"]: not a domain Moat serves (config domains[].name)',
      'recipients["a@nowhere.test"]: nowhere.test is not a domain Moat serves',
      'recipients["not an address"]: not a valid address',
    ]);
    const warned = checkPolicyDocument({ organizations: { ghost: {} } }, domains);
    assert.deepEqual(warned.ok ? warned.warnings : [], ['organizations.ghost: no domain in the config belongs to this organization (domains[].organization)']);
  });

  it('finds thresholds that a layering leaves out of order', () => {
    const document = documentOf({ recipients: { 'ceo@acme.test': { thresholds: { tag: 50 } } } });
    const issues = checkResolvedThresholds(createPolicyResolver({ base: BASE_POLICY, domains, document, revision: 1 }), document, domains);
    assert.deepEqual(issues, ['recipient ceo@acme.test: thresholds must be ordered tag ≤ quarantine ≤ reject, resolved to tag 50, quarantine 15, reject 40']);
  });
  it('adds protected people down the scopes: new names are appended, a name again adds addresses', () => {
    const document = documentOf({
      organizations: { acme: { vips: [{ name: 'Jane Doe', addresses: ['Jane@Acme.test'] }] } },
      domains: { 'acme-labs.test': { vips: [{ name: 'Max Lab', addresses: ['max@acme-labs.test'] }] } },
      recipients: { 'ceo@acme-labs.test': { vips: [{ name: '  jane   DOE ', addresses: ['jane.doe@home.example', 'jane@acme.test'] }] } },
    });
    const vipResolver = createPolicyResolver({ base: BASE_POLICY, domains, document, revision: 3 });
    assert.deepEqual(vipResolver.resolve('other@other.test').vips, []);
    assert.deepEqual(vipResolver.resolve('a@acme.test').vips, [{ name: 'Jane Doe', addresses: ['jane@acme.test'] }]);
    assert.deepEqual(vipResolver.resolve('a@acme-labs.test').vips, [
      { name: 'Jane Doe', addresses: ['jane@acme.test'] },
      { name: 'Max Lab', addresses: ['max@acme-labs.test'] },
    ]);
    const ceo = vipResolver.resolve('ceo@acme-labs.test');
    assert.deepEqual(ceo.vips, [
      { name: 'Jane Doe', addresses: ['jane.doe@home.example', 'jane@acme.test'] },
      { name: 'Max Lab', addresses: ['max@acme-labs.test'] },
    ]);
    assert.deepEqual(ceo.rules.vips, ceo.vips);
  });

  it('changes the policy version when the protected people change', () => {
    const version = (vips: unknown) =>
      createPolicyResolver({ base: BASE_POLICY, domains, document: documentOf({ organizations: { acme: { vips } } }), revision: 1 }).resolve('a@acme.test').version;
    const jane = version([{ name: 'Jane Doe', addresses: ['jane@acme.test'] }]);
    assert.notEqual(jane, version([]));
    assert.notEqual(jane, version([{ name: 'Jane Doe', addresses: ['jane@acme.test', 'j@acme.test'] }]));
    assert.equal(jane, version([{ name: 'Jane Doe', addresses: ['JANE@acme.test'] }]));
  });

  it('validates protected people like links.vips', () => {
    const bad = checkPolicyDocument({ organizations: { acme: { vips: [{ name: 'Jo', addresses: ['not-an-address'] }, { name: 'Ann Lee', addresses: [], extra: 1 }] } } }, domains);
    assert.equal(bad.ok, false);
    const text = bad.ok ? '' : bad.issues.join('\n');
    assert.match(text, /organizations\.acme\.vips\[0\]\.name/);
    assert.match(text, /organizations\.acme\.vips\[0\]\.addresses\[0\]: must be an address/);
    assert.match(text, /extra/);
    const many = Array.from({ length: 1001 }, (_, i) => ({ name: `Person ${i}`, addresses: [] }));
    assert.equal(checkPolicyDocument({ recipients: { 'a@acme.test': { vips: many } } }, domains).ok, false);
  });
});
