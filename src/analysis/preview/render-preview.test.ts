import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { describe, it } from 'node:test';
import { renderPreview } from './render-preview.js';
import type { MessagePreview, PreviewLimits } from './types.js';

const FIXTURES = new URL('../../../../test/fixtures/hostile-ui/', import.meta.url);
const LIMITS: PreviewLimits = { maxMessageBytes: 10 * 1024 * 1024, maxMimeParts: 100, maxMimeDepth: 10 };
const BIDI = /[\u202a-\u202e\u2066-\u2069\u200e\u200f]/u;

// What may appear in the output, independently of the sanitiser's own tables: a tag outside this
// set, or an attribute outside its tag's list, is a failure even if the sanitiser meant to allow it.
const TAGS = new Set('a abbr address b big blockquote br caption center cite code col colgroup dd del dfn div dl dt em figcaption figure h1 h2 h3 h4 h5 h6 hr i img ins kbd li mark ol p pre q s samp small span strike strong sub sup table tbody td tfoot th thead tr tt u ul var'.split(' '));
const COMMON_ATTRIBUTES = ['title', 'lang', 'dir'];
const ATTRIBUTES: Record<string, readonly string[]> = {
  a: ['href', 'rel', 'target'],
  img: ['src', 'alt', 'width', 'height'],
  table: ['align', 'width', 'border', 'cellpadding', 'cellspacing'],
  td: ['align', 'valign', 'colspan', 'rowspan', 'width', 'height'],
  th: ['align', 'valign', 'colspan', 'rowspan', 'width', 'height'],
  col: ['span', 'width'],
  colgroup: ['span', 'width'],
  p: ['align'],
  div: ['align'],
  ol: ['start', 'type'],
};
const CORPUS = (await readdir(FIXTURES)).filter((name) => name.endsWith('.eml')).sort();
const INLINE_IMAGE = /^data:image\/(png|gif|jpeg|webp);base64,[A-Za-z0-9+/=]+$/u;

interface Element {
  readonly name: string;
  readonly attributes: ReadonlyMap<string, string>;
}

/**
 * Reads the sanitised fragment as a browser's tokenizer would: every `<` must open a well-formed
 * tag with double-quoted attributes (the sanitiser escapes every other `<` and every `"` in values),
 * so a stray `<` or an unquoted attribute is a failure in itself.
 */
function tokenize(html: string): Element[] {
  const elements: Element[] = [];
  const tag = /<(\/?)([a-z0-9]+)((?:\s+[a-z-]+(?:="[^"<>]*")?)*)\s*\/?>/uy;
  for (let at = html.indexOf('<'); at >= 0; at = html.indexOf('<', at + 1)) {
    tag.lastIndex = at;
    const match = tag.exec(html);
    assert.ok(match !== null, `malformed markup at ${at}: ${html.slice(at, at + 60)}`);
    if (match[1] === '/') continue;
    const attributes = new Map<string, string>();
    for (const attribute of (match[3] ?? '').matchAll(/([a-z-]+)(?:="([^"]*)")?/gu)) attributes.set(attribute[1] ?? '', decode(attribute[2] ?? ''));
    elements.push({ name: match[2] ?? '', attributes });
  }
  return elements;
}

function decode(value: string): string {
  return value.replace(/&quot;/gu, '"').replace(/&lt;/gu, '<').replace(/&gt;/gu, '>').replace(/&amp;/gu, '&');
}

/** The properties every preview must have, whatever the message tried. */
function assertSafe(preview: MessagePreview): void {
  const html = preview.html ?? '';
  for (const element of tokenize(html)) {
    assert.ok(TAGS.has(element.name), `tag <${element.name}> is not allowed`);
    for (const [name, value] of element.attributes) {
      assert.ok(!name.startsWith('on'), `event handler ${name} on <${element.name}>`);
      assert.ok(COMMON_ATTRIBUTES.includes(name) || (ATTRIBUTES[element.name] ?? []).includes(name), `attribute ${name} on <${element.name}>`);
      if (name === 'href') assert.match(value, preview.remoteContent ? /^(https?:\/\/|mailto:)/u : /^$/u, `href ${value}`);
      if (name === 'src') {
        const remote = preview.remoteContent && /^https?:\/\/[^/]/u.test(value);
        assert.ok(remote || INLINE_IMAGE.test(value), `src ${value.slice(0, 80)}`);
      }
    }
    if (!preview.remoteContent) assert.ok(!element.attributes.has('href'), 'a live link without remoteContent');
  }
  assert.doesNotMatch(html, /<script|<style|<svg|<math|<iframe|<object|<embed|<form|<meta|<base|<link/iu);
  assert.doesNotMatch(html, /javascript:|vbscript:|url\(|@import|expression\(/iu);
  // The only data: URLs are the inline images built from cid: parts.
  for (const match of html.matchAll(/data:/giu)) assert.ok(html.startsWith('data:image/', match.index ?? 0), 'a data: URL that is not an inline image');
  // No raw bidi control anywhere a browser would render it.
  assert.doesNotMatch(JSON.stringify(preview), BIDI);
  assert.doesNotMatch(JSON.stringify(preview), /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/u);
  for (const attachment of preview.attachments) {
    assert.deepEqual(Object.keys(attachment).filter((key) => !['path', 'name', 'declaredType', 'size', 'sha256'].includes(key)), [], 'attachment carries more than metadata');
  }
}

async function preview(name: string, remoteContent = false, limits: Partial<PreviewLimits> = {}): Promise<MessagePreview> {
  return renderPreview(await readFile(new URL(name, FIXTURES)), { remoteContent, limits: { ...LIMITS, ...limits } });
}

describe('renderPreview on the hostile corpus', () => {
  it('has the whole corpus', () => assert.ok(CORPUS.length >= 6));
  for (const name of CORPUS) {
    for (const remote of [false, true]) {
      it(`keeps ${name} safe with remoteContent=${remote}`, async () => assertSafe(await preview(name, remote)));
    }
  }

  it('removes scripts, handlers, frames, forms and document tags and says how many', async () => {
    const result = await preview('scripts-and-handlers.eml');
    assert.match(result.html ?? '', /<p>Dear customer,<\/p>/u);
    assert.match(result.html ?? '', /<p>Regards<\/p>/u);
    assert.doesNotMatch(result.html ?? '', /hidden title|alert|fetch\(/u);
    assert.equal(result.notes.scripts, 3);
    assert.equal(result.notes.eventHandlers, 6);
    assert.equal(result.notes.documentTags, 3);
    assert.ok(result.notes.embeddedContent >= 6, `embedded ${result.notes.embeddedContent}`);
    assert.ok(result.notes.forms >= 3);
    assert.ok(result.notes.unsafeUrls >= 3);
  });

  it('makes links inert, blocks remote images and embeds only real raster cid: images', async () => {
    const result = await preview('urls.eml');
    const html = result.html ?? '';
    assert.doesNotMatch(html, /href=/u);
    assert.doesNotMatch(html, /src="https?:/u);
    assert.match(html, /<a title="https:\/\/login\.bank\.example\.evil\.example\/verify\?id=1">https:\/\/bank\.example<\/a>/u);
    assert.match(html, /\[remote image blocked: tracker\.example\]/u);
    assert.match(html, /<img alt="logo" src="data:image\/png;base64,iVBORw0KGgo/u);
    // The "PNG" that is SVG with onload is not embedded, whatever its Content-Type says.
    assert.equal(html.match(/data:image/gu)?.length, 1);
    assert.deepEqual(
      { ...result.notes, truncated: undefined },
      { scripts: 0, eventHandlers: 0, styles: 0, embeddedContent: 0, forms: 0, documentTags: 0, remoteImages: 2, remoteImagesShown: 0, linksNeutralised: 2, unsafeUrls: 8, inlineImagesOmitted: 2, truncated: undefined },
    );
  });

  it('with remoteContent, links are live (noopener, new tab) and remote images load; unsafe ones stay out', async () => {
    const result = await preview('urls.eml', true);
    const html = result.html ?? '';
    assert.match(html, /<a href="https:\/\/login\.bank\.example\.evil\.example\/verify\?id=1" rel="noopener noreferrer" target="_blank">/u);
    assert.match(html, /<a href="mailto:support@evil\.example" rel="noopener noreferrer" target="_blank">/u);
    assert.match(html, /<img width="1" height="1" src="https:\/\/tracker\.example\/p\.gif\?u=victim" \/>/u);
    assert.doesNotMatch(html, /protocol-relative/u);
    assert.equal(result.notes.remoteImagesShown, 2);
    assert.equal(result.notes.remoteImages, 0);
    assert.equal(result.notes.unsafeUrls, 8);
  });

  it('drops all CSS: style elements, style attributes and background attributes', async () => {
    const result = await preview('css.eml');
    assert.equal(result.notes.styles, 4);
    assert.match(result.html ?? '', /<div>background<\/div>/u);
    assert.match(result.html ?? '', /<td>cell<\/td>/u);
    assert.doesNotMatch(result.html ?? '', /evil\.example|behavior/u);
  });

  it('leaves no element of the mutation-XSS tricks standing', async () => {
    const result = await preview('mxss.eml');
    const elements = tokenize(result.html ?? '');
    assert.deepEqual(elements.filter((element) => element.name === 'img'), []);
    assert.match(result.html ?? '', /<p><b><i>mis<\/i><\/b>nested<\/p>/u);
    // The quoted attribute stays one attribute: its value, not a handler.
    assert.equal(elements.find((element) => element.name === 'div')?.attributes.get('title'), 'a" onmouseover="alert(12)');
  });

  it('shows headers as decoded plain strings with bidi overrides visible', async () => {
    const result = await preview('headers-and-names.eml');
    assert.equal(result.headers.from, '"<img src=x onerror=alert(1)>Support" <support@evil.example>');
    assert.equal(result.headers.subject, '<script>alert("subject")</script> invoice \\u{202e}fdp.exe');
    assert.equal(result.headers.cc, '\\u{202e}colleague <colleague@example.com>');
    assert.equal(result.headers.replyTo, '<script>alert(2)</script> <reply@evil.example>');
    assert.equal(result.headers.date, 'Tue, 24 Nov 2026 10:00:00 +0000');
    // Text in its declared charset (ISO-8859-1), controls visible, CR made a line break.
    assert.match(result.text ?? '', /^Café invoice attached\.\n/u);
    assert.match(result.text ?? '', /Bell\\x07 and escape\\x1b\[31m/u);
    assert.match(result.html ?? '', /invoice\\u\{202e\}gpj\.exe/u);
    assert.match(result.html ?? '', /<p title="x\\u\{202e\}y">/u);
  });

  it('lists attachments by metadata only, names escaped, with the hash of their content', async () => {
    const result = await preview('headers-and-names.eml');
    assert.deepEqual(
      result.attachments.map(({ path, name, declaredType, size }) => ({ path, name, declaredType, size })),
      [
        { path: '2', name: 'invoice\\u{202e}gpj.exe', declaredType: 'application/octet-stream', size: 57 },
        { path: '3', name: '<img src=x onerror=alert(5)>.pdf', declaredType: 'application/pdf', size: 19 },
      ],
    );
    assert.equal(result.attachments[1]?.sha256, createHash('sha256').update('%PDF-1.4 not really').digest('hex'));
  });

  it('makes bidi controls and control characters visible in text, keeping line breaks and tabs', async () => {
    const result = await preview('bidi-text.eml');
    assert.equal(result.headers.subject, '💰 Payment \\u{202e}gpj.exe');
    assert.equal(result.headers.from, '\\u{202e}moc.knab <notices@evil.example>');
    assert.equal(result.text, 'Your file: report\\u{202e}cod.scr\nIsolate: \\u{2066}abc\\u{2069} and mark \\u{200f} here\nTab\tkept, NUL \\x00 shown, DEL \\x7f shown.\n');
  });
});

describe('renderPreview limits', () => {
  it('cuts the text body and says so', async () => {
    const result = await preview('bidi-text.eml', false, { maxTextChars: 10 });
    assert.equal(result.text, 'Your file:');
    assert.deepEqual(result.notes.truncated, ['text']);
  });

  it('cuts the sanitised HTML at a tag boundary', async () => {
    const result = await preview('urls.eml', false, { maxHtmlOutputChars: 300 });
    assert.ok((result.html ?? '').length <= 300);
    assert.ok((result.html ?? '').length > 0);
    assert.deepEqual(result.notes.truncated, ['html']);
    assertSafe(result);
  });

  it('reads no more of the message than maxMessageBytes', async () => {
    const raw = await readFile(new URL('headers-and-names.eml', FIXTURES));
    const result = await renderPreview(raw, { remoteContent: false, limits: { ...LIMITS, maxMessageBytes: 400 } });
    assert.ok(result.notes.truncated.includes('message'));
    assert.equal(result.headers.from, '"<img src=x onerror=alert(1)>Support" <support@evil.example>');
    // Cut inside the first body part: nothing of it that the cut could make misleading is shown.
    assert.equal(result.text ?? '', '');
  });

  it('leaves out inline images over the size budget', async () => {
    const result = await preview('urls.eml', false, { maxInlineImageBytes: 16 });
    assert.doesNotMatch(result.html ?? '', /data:/u);
    assert.equal(result.notes.inlineImagesOmitted, 3);
  });

  it('sanitises a large hostile HTML body within its input bound', async () => {
    const body = '<img src=x onerror=alert(1)><a href="javascript:alert(2)">x</a>'.repeat(20_000);
    const raw = Buffer.from(`From: a@b.example\r\nSubject: big\r\nContent-Type: text/html\r\n\r\n${body}`);
    const result = await renderPreview(raw, { remoteContent: false, limits: { ...LIMITS, maxHtmlInputChars: 64 * 1024 } });
    assert.ok(result.notes.truncated.includes('html'));
    assert.ok(result.notes.eventHandlers > 900 && result.notes.eventHandlers <= 1100, String(result.notes.eventHandlers));
    assertSafe(result);
  });
});
