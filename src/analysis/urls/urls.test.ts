import { test } from 'node:test';
import assert from 'node:assert/strict';
import { performance } from 'node:perf_hooks';
import { createIndicatorStore, normaliseUrl } from '../../intel/index.js';
import type { Indicator } from '../../intel/index.js';
import { matchUrls } from '../engines/ioc/index.js';
import { createUrlCollector, extractUrls, MAX_URLS_PER_MESSAGE, toAbsoluteUrl } from './index.js';
import { MAX_URLS_MATCHED } from '../engines/ioc/index.js';

const text = (value: string): readonly string[] => extractUrls(value, 'text').urls;
const html = (value: string): readonly string[] => extractUrls(value, 'html').urls;

test('text: schemes and www. hosts in running text, trailing punctuation and unbalanced brackets trimmed', () => {
  const body = [
    'Log in at https://bank.example/login. Or see (http://wiki.example/Foo_(bar)) and',
    '<https://angle.example/path>, "ftp://files.example/a.zip", www.shop.example/sale!',
    'Visit HTTPS://UPPER.EXAMPLE/X?a=1&b=2; also https://x.example/a), end: https://y.example/?q=a.b...',
    'not links: hxxp://defanged.example mailto:a@b.example awww.example file:///etc/passwd http://',
  ].join('\n');
  assert.deepEqual(text(body), [
    'https://bank.example/login',
    'http://wiki.example/Foo_(bar)',
    'https://angle.example/path',
    'ftp://files.example/a.zip',
    'http://www.shop.example/sale',
    'https://upper.example/X?a=1&b=2',
    'https://x.example/a',
    'https://y.example/?q=a.b',
  ]);
});

test('text: duplicates kept once in first-seen order; default port and fragment normalised away', () => {
  assert.deepEqual(text('http://a.example:80/x#one then https://b.example/ then HTTP://A.EXAMPLE/x#two'), ['http://a.example/x', 'https://b.example/']);
});

test('obfuscations: percent-encoded host, backslashes, userinfo, numeric IPv4, IDN, controls', () => {
  assert.equal(toAbsoluteUrl('http://%65vil%2eexample/a'), 'http://evil.example/a');
  assert.equal(toAbsoluteUrl('http:\\\\evil.example\\p'), 'http://evil.example/p');
  assert.equal(toAbsoluteUrl('https://www.bank.example@evil.example/login'), 'https://evil.example/login');
  assert.equal(toAbsoluteUrl('http://user:pw@evil.example/'), 'http://evil.example/');
  assert.equal(toAbsoluteUrl('http://3232235777/'), 'http://192.168.1.1/');
  assert.equal(toAbsoluteUrl('http://0x7f.1/'), 'http://127.0.0.1/');
  assert.equal(toAbsoluteUrl('https://пример.рф/'), 'https://xn--e1afmkfd.xn--p1ai/');
  assert.equal(toAbsoluteUrl('ht\ntp://evil.example/'), 'http://evil.example/');
  for (const bad of ['javascript:alert(1)', 'mailto:a@b.example', 'data:text/html,x', 'file:///etc/passwd', 'http://', '/relative']) assert.equal(toAbsoluteUrl(bad), undefined, bad);
  // In running text too: `http:\\` and the userinfo trick.
  assert.deepEqual(text('go to http:\\\\evil.example\\login or http://paypal.com@phish.example/x'), ['http://evil.example/login', 'http://phish.example/x']);
});

test('normalised URLs are in the form intel stores indicators in', () => {
  for (const url of html('<a href="HTTP://Phish.Example:80/Login?a=1#frag">x</a><a href="https://b.example">y</a>')) assert.equal(normaliseUrl(url), url);
});

test('html: URL attributes of every kind, entities decoded, other schemes ignored', () => {
  const page = `<html><body>
    <a href="&#x68;ttps://entity.example/a?x=1&amp;y=2">a</a>
    <a href="&#104;&#116;&#116;&#112;://decimal.example/">b</a>
    <img src="https://img.example/p.png"><form action="https://post.example/collect"><button formaction="https://alt.example/"></button></form>
    <object data="https://obj.example/x"></object><video poster="https://poster.example/p.jpg"></video>
    <svg><a xlink:href="https://svg.example/"></a></svg><table background="https://bg.example/b.gif"></table>
    <a href="mailto:a@b.example">m</a><a href="javascript:go()">j</a><a href="cid:part1">c</a><img src="data:image/png;base64,AAAA">
    <a href="#top">t</a><a href="relative/page.html">r</a><a href="  HTTPS://SPACES.EXAMPLE/ ">s</a>
    <a href="java&#x0a;script:x">j2</a><a href="h&#x09;ttps://tabbed.example/">t2</a>
  </body></html>`;
  assert.deepEqual(html(page), [
    'https://entity.example/a?x=1&y=2',
    'http://decimal.example/',
    'https://img.example/p.png',
    'https://post.example/collect',
    'https://alt.example/',
    'https://obj.example/x',
    'https://poster.example/p.jpg',
    'https://svg.example/',
    'https://bg.example/b.gif',
    'https://spaces.example/',
    'https://tabbed.example/',
  ]);
});

test('html: <base href> resolves relative links (first base wins, wherever it is); protocol-relative links', () => {
  const withBase = '<a href="login.php?u=1">x</a><a href="/root">y</a><base href="https://evil.example/app/"><base href="https://second.example/"><a href="//cdn.example/lib.js">z</a>';
  assert.deepEqual(html(withBase), [
    'https://evil.example/app/login.php?u=1',
    'https://evil.example/root',
    'https://evil.example/app/',
    'https://second.example/',
    'https://cdn.example/lib.js',
  ]);
  assert.deepEqual(html('<a href="page.html">p</a><img src="//cdn.example/pixel.gif"><a href="\\\\slashes.example/x">s</a>'), ['https://cdn.example/pixel.gif', 'https://slashes.example/x']);
  assert.deepEqual(html('<base href="http://plain.example/"><a href="//cdn.example/x">'), ['http://plain.example/', 'http://cdn.example/x']);
  // A relative base gives nothing to resolve against in a mail.
  assert.deepEqual(html('<base href="/dir/"><a href="page.html">p</a>'), []);
});

test('html: meta refresh targets, with and without url=, quoted or not', () => {
  assert.deepEqual(html('<meta http-equiv="refresh" content="0; url=https://refresh.example/a">'), ['https://refresh.example/a']);
  assert.deepEqual(html(`<meta http-equiv="Refresh" content="5;URL='https://quoted.example/b'">`), ['https://quoted.example/b']);
  assert.deepEqual(html('<meta http-equiv=refresh content="0;https://bare.example/c">'), ['https://bare.example/c']);
  assert.deepEqual(html('<meta http-equiv="refresh" content="&#48;; u&#114;l=https://ent.example/">'), ['https://ent.example/']);
  assert.deepEqual(html('<meta http-equiv="refresh" content="30">'), []);
  assert.deepEqual(html('<meta name="refresh" content="0; url=https://not-refresh.example/">'), []);
});

test('html: UTF-16 markup with a byte order mark is read as UTF-16', () => {
  const markup = '<a href="https://utf16.example/">x</a>';
  const le = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(markup, 'utf16le')]);
  const be = Buffer.concat([Buffer.from([0xfe, 0xff]), Buffer.from(markup, 'utf16le').swap16()]);
  assert.deepEqual(extractUrls(le, 'html').urls, ['https://utf16.example/']);
  assert.deepEqual(extractUrls(be, 'html').urls, ['https://utf16.example/']);
});

test('caps: 1,000 distinct URLs per message, then URL_LIMIT (low) on the part where it was hit', () => {
  assert.equal(MAX_URLS_PER_MESSAGE, MAX_URLS_MATCHED);
  const collector = createUrlCollector({ maxUrls: 3 });
  collector.scan(Buffer.from('https://a.example/ https://b.example/ https://a.example/'), 'text', '1');
  assert.deepEqual(collector.findings(), []);
  collector.scan(Buffer.from('<a href="https://c.example/"><a href="https://d.example/"><a href="https://e.example/">'), 'html', '2/1');
  collector.scan(Buffer.from('https://f.example/'), 'text', '3');
  assert.deepEqual(collector.sightings(), [
    { url: 'https://a.example/', artifact: '1' },
    { url: 'https://b.example/', artifact: '1' },
    { url: 'https://c.example/', artifact: '2/1' },
  ]);
  const findings = collector.findings();
  assert.deepEqual(findings.map((f) => [f.symbol, f.engine, f.severity, f.score, f.artifact]), [['URL_LIMIT', 'urls', 'low', 2, '2/1']]);
  assert.match(findings[0]?.detail ?? '', /^part 2\/1: URL extraction limited: more than 3 distinct URLs/u);
  const many = Array.from({ length: 1500 }, (_, i) => `https://h${i}.example/`).join(' ');
  const full = extractUrls(many, 'text');
  assert.equal(full.urls.length, 1000);
  assert.equal(full.limited, true);
});

test('caps: characters scanned per part; a link past the cap is not read and the limit is reported', () => {
  const padded = `${'x'.repeat(100)} https://late.example/`;
  const cut = extractUrls(Buffer.from(padded), 'text', { maxScanChars: 50 });
  assert.deepEqual(cut.urls, []);
  assert.match(cut.reason ?? '', /only the first 50 characters of a text part/u);
  assert.deepEqual(extractUrls(Buffer.from(padded), 'text', { maxScanChars: 200 }), { urls: ['https://late.example/'], limited: false });
  const longUrl = extractUrls(`https://long.example/${'a'.repeat(10_000)}`, 'text').urls[0] ?? '';
  assert.equal(longUrl.length, 2048);
  assert.ok(longUrl.startsWith('https://long.example/aaa'));
});

test('hostile: a 5 MB HTML of nested tags and a 2 MB single line are bounded and quick', () => {
  const nested = Buffer.from(`<html>${'<div><span><a href="https://n.example/x">'.repeat(130_000)}<a href="https://end.example/">`);
  assert.ok(nested.length > 5_000_000);
  let started = performance.now();
  const deep = extractUrls(nested, 'html');
  const deepMs = performance.now() - started;
  assert.deepEqual(deep.urls, ['https://n.example/x']);
  assert.equal(deep.limited, true, 'the tail past 4 MiB is not scanned');
  assert.ok(deepMs < 2000, `nested tags took ${deepMs} ms`);

  // One line: thousands of candidates, brackets to trim, an unterminated attribute.
  const line = Buffer.from(`${'http://a.example/'.padEnd(2040, ')')} `.repeat(1000) + '<a href="https://open.example/'.repeat(1));
  started = performance.now();
  const flat = extractUrls(line, 'text');
  const htmlFlat = extractUrls(line, 'html');
  const flatMs = performance.now() - started;
  assert.deepEqual(flat.urls, ['http://a.example/', 'https://open.example/']);
  assert.deepEqual(htmlFlat.urls, ['https://open.example/']);
  assert.ok(flatMs < 2000, `single line took ${flatMs} ms`);

  const schemes = Buffer.from('http://'.repeat(300_000));
  started = performance.now();
  extractUrls(schemes, 'text');
  assert.ok(performance.now() - started < 2000);
});

test('sightings carry their part to IOC_URL_MATCH; one finding per indicator however many links hit it', () => {
  const ind = (type: Indicator['type'], value: string): Indicator => ({ type, value, source: 'list', confidence: 100, severity: 'high' });
  const store = createIndicatorStore([ind('domain', 'bad.example'), ind('url', 'https://phish.example/login'), ind('ipv6', '2001:db8::/32')]);
  const collector = createUrlCollector();
  collector.scan(Buffer.from('<a href="https://a.bad.example/1"><a href="https://b.bad.example/2">'), 'html', '2');
  collector.scan(Buffer.from('see HTTPS://PHISH.EXAMPLE/login#x and http://[2001:db8::1]/p'), 'text', '1');
  const findings = matchUrls(store, collector.sightings());
  assert.deepEqual(findings.map((f) => [f.symbol, f.artifact]), [['IOC_URL_MATCH', '2'], ['IOC_URL_MATCH', '1'], ['IOC_URL_MATCH', '1']]);
  assert.match(findings[0]?.detail ?? '', /^part 2: URL https:\/\/a\.bad\.example\/1 matches domain indicator "bad\.example" from list/u);
});
