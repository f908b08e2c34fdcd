import { test } from 'node:test';
import assert from 'node:assert/strict';
import { performance } from 'node:perf_hooks';
import { createUrlCollector, extractHtmlAnchors, MAX_ANCHOR_TEXT } from './index.js';
import type { RawAnchor } from './index.js';

const anchorsOf = (html: string): RawAnchor[] => {
  const out: RawAnchor[] = [];
  extractHtmlAnchors(html, (a) => {
    out.push(a);
    return true;
  });
  return out;
};

test('anchors carry their visible text: tags dropped, entities decoded, white space collapsed, scripts skipped', () => {
  const html =
    '<a href="https://evil.example/x" title="a > b"><span>https://www.bank&#46;example</span>\n  <b>/login</b></a>' +
    '<a href=https://two.example/>two<script>document.write("<a href=x>")</script> end</a>' +
    '<a name="anchor-only">no href</a><A HREF="https://three.example/">three<a href="https://four.example/">four';
  assert.deepEqual(anchorsOf(html), [
    { href: 'https://evil.example/x', text: 'https://www.bank.example /login' },
    { href: 'https://two.example/', text: 'two end' },
    { href: 'https://three.example/', text: 'three' },
    { href: 'https://four.example/', text: 'four' },
  ]);
});

test('anchor text is bounded and a huge anchor-heavy page stays linear', () => {
  const [long] = anchorsOf(`<a href="https://a.example/">${'x'.repeat(100_000)}</a>`);
  assert.equal(long?.text.length, MAX_ANCHOR_TEXT);
  const page = '<a href="https://n.example/x">www.n.example</a><script>var a = "<a href=y>";</script>'.repeat(60_000);
  const started = performance.now();
  let n = 0;
  extractHtmlAnchors(page, () => ++n > 0);
  assert.equal(n, 60_000);
  assert.ok(performance.now() - started < 3000, 'anchor scan took too long');
});

test('the collector keeps anchors whose text could name a site, resolved against <base>, and the userinfo of links', () => {
  const c = createUrlCollector();
  c.scan(
    '<base href="https://base.evil.example/"><a href="/p">www.bank.example</a><a href="https://x.example/">Click here</a>' +
      '<a href="https://www.bank.example@198.51.100.7/login">Log in</a>',
    'html',
    '2',
  );
  c.scan('see http://user%40bank.example@203.0.113.9/ now', 'text', '1');
  assert.deepEqual(c.anchors(), [{ url: 'https://base.evil.example/p', text: 'www.bank.example', artifact: '2' }]);
  assert.deepEqual(
    c.sightings().filter((s) => s.userinfo !== undefined),
    [
      { url: 'https://198.51.100.7/login', artifact: '2', userinfo: 'www.bank.example' },
      { url: 'http://203.0.113.9/', artifact: '1', userinfo: 'user@bank.example' },
    ],
  );
});

test('relationships parts give their external targets; dissector links are normalised and capped', () => {
  const c = createUrlCollector({ maxUrls: 3 });
  const rels =
    '<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">' +
    '<Relationship Id="r1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/attachedTemplate" Target="https://tpl.evil.example/t.dotm" TargetMode="External"/>' +
    '<Relationship Id="r2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" Target="styles.xml"/>' +
    '<Relationship Id="r3" Type="x/hyperlink" Target="mailto:a@b.example" TargetMode="External"/></Relationships>';
  c.scan(rels, 'relationships', '2/3');
  c.addLinks(['HTTP://Pdf.Example/a#frag', 'javascript:alert(1)', ' https://b.example/ ', 'https://c.example/', 'https://d.example/'], '3');
  assert.deepEqual(c.sightings(), [
    { url: 'https://tpl.evil.example/t.dotm', artifact: '2/3' },
    { url: 'http://pdf.example/a', artifact: '3' },
    { url: 'https://b.example/', artifact: '3' },
  ]);
  assert.equal(c.findings()[0]?.symbol, 'URL_LIMIT');
});
