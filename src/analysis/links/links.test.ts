import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Finding } from '../../core/index.js';
import { analyzeMessage } from '../analyze-message.js';
import type { AnalysisLimits } from '../limits.js';
import { hostShownIn } from './anchor-text.js';
import { createRegistrableDomain, isIpLiteral } from './domain.js';
import { createLinkAnalyzer } from './index.js';
import type { LinkSettings } from './index.js';
import { createLookalikeMatcher, editDistance, skeleton } from './lookalike.js';
import { compileName, nameMatches } from './names.js';
import { mixedScripts } from './scripts.js';
import { MULTI_LABEL_SUFFIXES } from './tables.js';

const LIMITS: AnalysisLimits = { maxMessageBytes: 10_000_000, maxMimeParts: 100, maxMimeDepth: 10 };
const SETTINGS: LinkSettings = {
  protectedDomains: ['bank.example', 'acme-corp.co.uk'],
  brands: ['paypal.com', 'microsoft.com'],
  vips: [{ name: 'Jane Doe', addresses: ['jane.doe@bank.example', 'jd@acme-corp.co.uk'] }],
};
const registrable = createRegistrableDomain(MULTI_LABEL_SUFFIXES);

function message(headers: readonly string[], body: { html?: string; text?: string }): Buffer {
  const boundary = '----=_links_test';
  const parts: string[] = [];
  if (body.text !== undefined) parts.push(`--${boundary}`, 'Content-Type: text/plain; charset=utf-8', 'Content-Transfer-Encoding: 8bit', '', body.text);
  if (body.html !== undefined) parts.push(`--${boundary}`, 'Content-Type: text/html; charset=utf-8', 'Content-Transfer-Encoding: 8bit', '', body.html);
  return Buffer.from(
    [...headers, 'To: bob@bank.example', 'Date: Thu, 26 Nov 2026 08:00:00 +0000', 'MIME-Version: 1.0', `Content-Type: multipart/alternative; boundary="${boundary}"`, '', ...parts, `--${boundary}--`, ''].join('\r\n'),
    'utf8',
  );
}

async function run(raw: Buffer, settings: LinkSettings = SETTINGS): Promise<Finding[]> {
  const result = await analyzeMessage(raw, LIMITS, { links: createLinkAnalyzer(settings) });
  return result.findings.filter((f) => f.engine === 'links' || f.engine === 'impersonation');
}
const symbols = (findings: readonly Finding[]): string[] => findings.map((f) => f.symbol).sort();

test('registrable domains use the shipped multi-label suffixes; IP literals are recognised', () => {
  assert.equal(registrable('login.secure.bank.co.uk'), 'bank.co.uk');
  assert.equal(registrable('www.paypal.com'), 'paypal.com');
  assert.equal(registrable('evil.github.io'), 'evil.github.io');
  assert.equal(registrable('paypal.com.'), 'paypal.com');
  assert.ok(isIpLiteral('198.51.100.7'));
  assert.ok(isIpLiteral('[2001:db8::1]'));
  assert.ok(!isIpLiteral('198.51.100.7.nip.example'));
});

test('edit distance is banded and counts a transposition as one edit', () => {
  assert.equal(editDistance('paypal.com', 'paypal.com', 2), 0);
  assert.equal(editDistance('paypal.com', 'paypa.com', 2), 1);
  assert.equal(editDistance('paypal.com', 'pyapal.com', 2), 1);
  assert.equal(editDistance('microsoft.com', 'micros0ft-secure.com', 2), 3);
  assert.equal(editDistance('a', 'abcdef', 2), 3);
});

test('confusable skeletons map Cyrillic, Greek, digits and letter pairs to the Latin they imitate', () => {
  assert.equal(skeleton('pаypal.com'), 'paypal.com'); // Cyrillic а
  assert.equal(skeleton('paypa1.com'), 'paypal.com');
  assert.equal(skeleton('rnicrosoft.com'), skeleton('microsoft.com'));
  assert.equal(skeleton('bαnk.example'), 'bank.example'); // Greek α
});

test('lookalike matcher: confusables, typos and embedded labels fire; the protected site and its subdomains do not', () => {
  const m = createLookalikeMatcher(['paypal.com', 'bank.example', 'acme-corp.co.uk'], registrable);
  assert.equal(m.match('www.xn--pypal-4ve.com')?.how, 'confusable');
  assert.equal(m.match('paypa1.com')?.how, 'confusable');
  assert.deepEqual(m.match('paypall.com'), { target: 'paypal.com', how: 'edit-distance', distance: 1 });
  assert.equal(m.match('acme-crop.co.uk')?.target, 'acme-corp.co.uk');
  assert.equal(m.match('paypal.com.account-verify.example')?.how, 'embedded');
  assert.equal(m.match('www.paypal.com'), undefined);
  assert.equal(m.match('mail.bank.example'), undefined);
  // Short names get no edit-distance allowance: bank.example is one letter from many real sites.
  assert.equal(m.match('banks.example'), undefined);
  assert.equal(m.match('tank.example'), undefined);
  assert.equal(m.match('unrelated.example'), undefined);
});

test('mixed scripts: Latin with Cyrillic or Greek is flagged, one script and CJK mixes are not', () => {
  assert.deepEqual(mixedScripts('pаypal'), ['Latin', 'Cyrillic']);
  assert.deepEqual(mixedScripts('micrοsoft'), ['Latin', 'Greek']);
  assert.equal(mixedScripts('пример'), undefined);
  assert.equal(mixedScripts('münchen'), undefined);
  assert.equal(mixedScripts('東京tokyo'), undefined);
  assert.equal(mixedScripts('ドメイン名例'), undefined);
});

test('anchor text names a site only when it is a URL, a www. host or a bare domain', () => {
  assert.deepEqual(hostShownIn('https://www.bank.example/login'), { host: 'www.bank.example', explicit: true });
  assert.deepEqual(hostShownIn('Log in at www.bank.example today.'), { host: 'www.bank.example', explicit: true });
  assert.deepEqual(hostShownIn('bank.example'), { host: 'bank.example', explicit: false });
  assert.deepEqual(hostShownIn('Bank.Example/secure'), { host: 'bank.example', explicit: false });
  assert.equal(hostShownIn('Click here'), undefined);
  assert.equal(hostShownIn('statement.pdf'), undefined);
  assert.equal(hostShownIn('Mr. Smith'), undefined);
  assert.equal(hostShownIn('v2.3'), undefined);
  assert.equal(hostShownIn('www.exhibitionsindia.o rg'), undefined);
  assert.equal(hostShownIn('http://198.51.100.7/'), undefined);
});

test('display names match case-, diacritics- and spacing-insensitively, also as "Last, First"', () => {
  const jane = compileName('Jane Doe');
  assert.ok(nameMatches('JANE  DOE', jane));
  assert.ok(nameMatches('Doe, Jane', jane));
  assert.ok(nameMatches('Jane Döe (CEO)', jane));
  assert.ok(nameMatches('Jаne Doe', jane)); // Cyrillic а
  assert.ok(!nameMatches('Jane Doerr', jane));
  assert.ok(!nameMatches('Janet Doe', jane));
});

test('a PayPal lookalike with a Cyrillic а fires LINK_LOOKALIKE, LINK_MIXED_SCRIPT and LINK_PUNYCODE', async () => {
  const html = '<p>Your PayPal account is limited.</p><a href="https://www.pаypal.com/signin?country=US">Restore access</a>';
  const findings = await run(message(['From: PayPal <service@paypal-notice.example>', 'Subject: Account limited'], { html }));
  assert.deepEqual(symbols(findings), ['LINK_LOOKALIKE', 'LINK_MIXED_SCRIPT', 'LINK_PUNYCODE']);
  const lookalike = findings.find((f) => f.symbol === 'LINK_LOOKALIKE');
  assert.match(lookalike?.detail ?? '', /xn--pypal-4ve\.com.*imitates paypal\.com: confusable characters/);
  assert.equal(lookalike?.artifact, '1');
  assert.match(findings.find((f) => f.symbol === 'LINK_MIXED_SCRIPT')?.detail ?? '', /mixes Latin and Cyrillic/);
});

test('https://www.bank.example@198.51.100.7/login fires LINK_USERINFO and LINK_IP_LITERAL', async () => {
  const text = 'Dear customer,\r\nplease confirm your details at https://www.bank.example@198.51.100.7/login within 24 hours.\r\n';
  const findings = await run(message(['From: Bank <alerts@bank-alerts.example>', 'Subject: Confirm'], { text }));
  assert.deepEqual(symbols(findings), ['LINK_IP_LITERAL', 'LINK_USERINFO']);
  assert.match(findings.find((f) => f.symbol === 'LINK_USERINFO')?.detail ?? '', /"www\.bank\.example@" before the real host 198\.51\.100\.7/);
});

test('anchor text showing the bank while the href goes elsewhere fires LINK_TEXT_MISMATCH (entities and <base> included)', async () => {
  const html =
    '<base href="https://collect.evil.example/"><p>Sign in:</p>' +
    '<a href="https://secure-login.evil.example/bank/"><b>https://www.bank.example/login</b></a> or ' +
    '<a href="/x">www&#46;bank&#46;example</a> or <a href="https://www.bank.example/help">www.bank.example/help</a>' +
    '<a href="https://tracker.example/c?u=1">Click here</a>';
  const findings = await run(message(['From: Bank <no-reply@bank.example>', 'Subject: Sign in'], { html }));
  assert.deepEqual(symbols(findings), ['LINK_TEXT_MISMATCH']);
  const detail = findings[0]?.detail ?? '';
  assert.match(detail, /^part 1: 2 anchor\(s\)/);
  assert.match(detail, /shows www\.bank\.example, the link goes to secure-login\.evil\.example/);
  assert.match(detail, /the link goes to collect\.evil\.example/);
});

test('a bare site name over a tracking link counts only when the name is a protected site', async () => {
  const html = '<p>Shop at <a href="https://click.esp.example/t/1">Walmart.com</a> or log in at <a href="https://login.evil.example/">Bank.example</a></p>';
  const findings = await run(message(['From: Deals <deals@news.example>', 'Subject: Deals'], { html }));
  assert.deepEqual(symbols(findings), ['LINK_TEXT_MISMATCH']);
  assert.match(findings[0]?.detail ?? '', /^part 1: 1 anchor\(s\).*shows bank\.example, the link goes to login\.evil\.example$/);
});

test('an xn-- domain and a bit.ly link fire the low-score LINK_PUNYCODE and LINK_SHORTENER', async () => {
  const text = 'Tracking: https://bit.ly/3xYz9Q and our new shop at https://xn--mnchen-3ya.example/angebote\r\n';
  const findings = await run(message(['From: Shop <news@shop.example>', 'Subject: Offers'], { text }));
  assert.deepEqual(symbols(findings), ['LINK_PUNYCODE', 'LINK_SHORTENER']);
  assert.ok(findings.every((f) => f.score <= 1));
});

test('the CEO name from a gmail address with Reply-To to a lookalike fires IMPERSONATION_VIP and REPLYTO_LOOKALIKE', async () => {
  const findings = await run(
    message(['From: "Doe, Jane" <jane.doe.ceo@gmail.com>', 'Reply-To: Jane Doe <jane.doe@bankexample.com>', 'Subject: Urgent wire'], {
      text: 'Are you at your desk? I need you to process a wire today. Jane',
    }),
    { ...SETTINGS, protectedDomains: ['bank-example.com'] },
  );
  assert.deepEqual(symbols(findings), ['IMPERSONATION_VIP', 'REPLYTO_LOOKALIKE']);
  const vip = findings.find((f) => f.symbol === 'IMPERSONATION_VIP');
  assert.equal(vip?.artifact, undefined);
  assert.match(vip?.detail ?? '', /"Doe, Jane" is protected person Jane Doe, but the address jane\.doe\.ceo@gmail\.com is not theirs/);
});

test('Reply-To to free-mail from a company sender fires REPLYTO_FREEMAIL; From lookalike fires FROM_LOOKALIKE', async () => {
  const findings = await run(
    message(['From: Accounts <accounts@rnicrosoft.com>', 'Reply-To: billing.desk@outlook.com', 'Subject: Invoice overdue'], { text: 'Please reply with the remittance.' }),
  );
  assert.deepEqual(symbols(findings), ['FROM_LOOKALIKE', 'REPLYTO_FREEMAIL']);
});

test('RFC 2047 encoded display names are decoded before matching; the real address of the VIP does not fire', async () => {
  const encoded = '=?UTF-8?B?' + Buffer.from('Jane Doe', 'utf8').toString('base64') + '?=';
  const fake = await run(message([`From: ${encoded} <ceo.office@mail-service.example>`, 'Subject: Quick task'], { text: 'Call me.' }));
  assert.deepEqual(symbols(fake), ['IMPERSONATION_VIP']);
  const real = await run(message([`From: ${encoded} <Jane.Doe@bank.example>`, 'Subject: Quick task'], { text: 'Call me.' }));
  assert.deepEqual(symbols(real), []);
});

test('protected people sent with one message are checked for that message only, besides the settings\' people', async () => {
  const links = createLinkAnalyzer(SETTINGS);
  const analyse = async (from: string, vips?: LinkSettings['vips']): Promise<string[]> => {
    const result = await analyzeMessage(message([`From: ${from}`, 'Subject: Quick task'], { text: 'Call me.' }), LIMITS, { links, ...(vips === undefined ? {} : { vips }) });
    return symbols(result.findings.filter((f) => f.engine === 'impersonation'));
  };
  const acme = [{ name: 'Max Power', addresses: ['max@acme.test'] }];
  assert.deepEqual(await analyse('"Max Power" <max@evil.example>', acme), ['IMPERSONATION_VIP']);
  assert.deepEqual(await analyse('"Power, Max" <max@evil.example>', acme), ['IMPERSONATION_VIP']);
  assert.deepEqual(await analyse('"Max Power" <max@acme.test>', acme), []);
  // Not kept: the next message without the list does not protect Max Power.
  assert.deepEqual(await analyse('"Max Power" <max@evil.example>'), []);
  assert.deepEqual(await analyse('"Max Power" <max@evil.example>', []), []);
  // The settings' people still apply when a message brings its own (served from the cache the second time).
  assert.deepEqual(await analyse('"Jane Doe" <jane@evil.example>', acme), ['IMPERSONATION_VIP']);
  assert.deepEqual(await analyse('"Jane Doe" <jane@evil.example>', acme), ['IMPERSONATION_VIP']);
  // The same person listed again (an organization adds an address): either entry's address is theirs.
  const janeAbroad = [{ name: 'jane doe', addresses: ['Jane@Branch.example'] }];
  assert.deepEqual(await analyse('"Jane Doe" <jane@branch.example>', janeAbroad), []);
  assert.deepEqual(await analyse('"Jane Doe" <jane.doe@bank.example>', janeAbroad), []);
  assert.deepEqual(await analyse('"Jane Doe" <jane@branch.example>'), ['IMPERSONATION_VIP']);
  // More lists than the cache holds still resolve correctly (entries are recompiled when evicted).
  for (let i = 0; i < 12; i++) {
    const list = [{ name: `Person Number${i}`, addresses: [`p${i}@acme.test`] }];
    assert.deepEqual(await analyse(`"Person Number${i}" <p${i}@evil.example>`, list), ['IMPERSONATION_VIP']);
    assert.deepEqual(await analyse(`"Person Number${i}" <p${i}@acme.test>`, list), []);
  }
  assert.deepEqual(await analyse('"Max Power" <max@evil.example>', acme), ['IMPERSONATION_VIP']);
});

test('an ordinary newsletter fires nothing but low-score findings', async () => {
  const html =
    '<html><body><h1>November news</h1><p>Hello, read our <a href="https://news.shop.example/articles/1?utm_source=mail">latest article</a>.</p>' +
    '<p>Visit <a href="https://www.shop.example/">www.shop.example</a> or follow us on <a href="https://social.example/shop">Social</a>.</p>' +
    '<img src="https://cdn.shop.example/logo.png" alt="logo"><a href="https://news.shop.example/unsubscribe?id=42">Unsubscribe</a></body></html>';
  const findings = await run(
    message(['From: Shop News <news@shop.example>', 'Reply-To: Shop Support <support@helpdesk-provider.example>', 'Subject: November news', 'List-Unsubscribe: <https://news.shop.example/u>'], {
      html,
      text: 'November news: https://news.shop.example/articles/1',
    }),
  );
  assert.deepEqual(symbols(findings), ['REPLYTO_DIVERGES']);
  assert.ok(findings.every((f) => f.score <= 1 && f.severity === 'low'));
});

test('without links settings the pass does not run', async () => {
  const result = await analyzeMessage(message(['From: a@b.example', 'Subject: x'], { text: 'http://198.51.100.7/' }), LIMITS);
  assert.ok(!result.findings.some((f) => f.engine === 'links'));
});

test('headers carry the From name and address and the Reply-To, bounded', async () => {
  const result = await analyzeMessage(message([`From: "${'A'.repeat(5000)}" <x@y.example>`, 'Reply-To: <r@z.example>', 'Subject: s'], { text: 't' }), LIMITS);
  assert.equal(result.headers.fromAddress, 'x@y.example');
  assert.equal(result.headers.fromName?.length, 200);
  assert.equal(result.headers.replyTo, 'r@z.example');
  assert.equal(result.headers.replyToName, undefined);
});
