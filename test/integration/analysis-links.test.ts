// Links and impersonation through the real analysis pool: the worker builds the links pass from
// EngineSettings.links, and the findings come back with the message's URLs, which now include
// PDF /URI actions and the external relationships of an Office package.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildZip } from '../../fuzz/archives.js';
import type { AnalysisLimits, AnalysisPool, EngineSettings } from '../../src/analysis/index.js';
import { createAnalysisPool } from '../../src/analysis/index.js';
import type { AnalysisResult } from '../../src/core/index.js';

const LIMITS: AnalysisLimits = { maxMessageBytes: 26_214_400, maxMimeParts: 1000, maxMimeDepth: 30 };
const ENGINES: EngineSettings = {
  links: {
    protectedDomains: ['bank.example'],
    brands: ['paypal.com'],
    vips: [{ name: 'Jane Doe', addresses: ['jane.doe@bank.example'] }],
  },
};
const scratch = mkdtempSync(join(tmpdir(), 'moat-analysis-links-'));
test.after(() => rmSync(scratch, { recursive: true, force: true }));

function startPool(t: { after: (fn: () => Promise<void>) => void }): AnalysisPool {
  const pool = createAnalysisPool({ workers: 1, timeBudgetMs: 20_000, workerHeapMb: 256, limits: LIMITS, engines: ENGINES });
  t.after(() => pool.close());
  return pool;
}

function spool(name: string, message: string): string {
  const path = join(scratch, name);
  writeFileSync(path, message);
  return path;
}

const linkSymbols = (r: AnalysisResult): string[] =>
  r.findings.filter((f) => f.engine === 'links' || f.engine === 'impersonation').map((f) => `${f.symbol}@${f.artifact ?? '-'}`).sort();

function mixed(headers: readonly string[], html: string, attachments: readonly { name: string; type: string; content: Buffer }[]): string {
  const boundary = '----=_moat_links_mixed';
  const parts = attachments.flatMap((a) => [
    `--${boundary}`,
    `Content-Type: ${a.type}; name="${a.name}"`,
    `Content-Disposition: attachment; filename="${a.name}"`,
    'Content-Transfer-Encoding: base64',
    '',
    a.content.toString('base64').replace(/.{76}/g, '$&\r\n'),
  ]);
  return [
    ...headers,
    'To: bob@bank.example',
    'Date: Thu, 26 Nov 2026 08:00:00 +0000',
    'Message-ID: <links-1@attacker.example>',
    'MIME-Version: 1.0',
    `Content-Type: multipart/mixed; boundary="${boundary}"`,
    '',
    `--${boundary}`,
    'Content-Type: text/html; charset=utf-8',
    'Content-Transfer-Encoding: base64',
    '',
    Buffer.from(html, 'utf8').toString('base64'),
    ...parts,
    `--${boundary}--`,
    '',
  ].join('\r\n');
}

function pdfWithUri(uri: string): Buffer {
  return Buffer.from(
    [
      '%PDF-1.7',
      '1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj',
      '2 0 obj << /Type /Pages /Kids [3 0 R] /Count 1 >> endobj',
      '3 0 obj << /Type /Page /Parent 2 0 R /Annots [4 0 R] >> endobj',
      `4 0 obj << /Type /Annot /Subtype /Link /Rect [0 0 100 20] /A << /S /URI /URI (${uri}) >> >> endobj`,
      'trailer << /Root 1 0 R >>',
      '%%EOF',
    ].join('\n'),
    'latin1',
  );
}

function docxWithHyperlink(target: string): Buffer {
  const text = (s: string): Buffer => Buffer.from(s, 'utf8');
  return buildZip([
    {
      name: '[Content_Types].xml',
      content: text(
        '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">' +
          '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>' +
          '<Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>',
      ),
    },
    {
      name: 'word/_rels/document.xml.rels',
      content: text(
        '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">' +
          `<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/hyperlink" Target="${target}" TargetMode="External"/>` +
          '<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" Target="styles.xml"/></Relationships>',
      ),
    },
    { name: 'word/document.xml', content: text('<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body/></w:document>') },
  ]);
}

test('a CEO-fraud phish with lookalike links in the body, a PDF and a docx gives the links findings and all URLs', async (t) => {
  const pool = startPool(t);
  const html =
    '<p>Please settle the attached invoice today.</p>' +
    '<a href="https://secure.bank-example.evil.example/pay">https://www.bank.example/pay</a>' +
    '<a href="https://www.xn--pypal-4ve.com/signin">PayPal</a>';
  const message = mixed(
    ['From: "Doe, Jane" <jane.doe.office@gmail.com>', 'Reply-To: <jane.doe@bank.example.mail-secure.example>', 'Subject: Invoice due today'],
    html,
    [
      { name: 'invoice.pdf', type: 'application/pdf', content: pdfWithUri('http://198.51.100.7/invoice') },
      { name: 'terms.docx', type: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document', content: docxWithHyperlink('https://bit.ly/3terms') },
    ],
  );
  const result = await pool.analyze(spool('phish.eml', message));
  assert.deepEqual(result.urls, [
    'https://secure.bank-example.evil.example/pay',
    'https://www.xn--pypal-4ve.com/signin',
    'http://198.51.100.7/invoice',
    'https://bit.ly/3terms',
  ]);
  assert.deepEqual(linkSymbols(result), [
    'IMPERSONATION_VIP@-',
    'LINK_IP_LITERAL@2',
    'LINK_LOOKALIKE@1',
    'LINK_MIXED_SCRIPT@1',
    'LINK_PUNYCODE@1',
    'LINK_SHORTENER@3/2',
    'LINK_TEXT_MISMATCH@1',
    'REPLYTO_LOOKALIKE@-',
  ]);
  assert.equal(result.headers.fromName, 'Doe, Jane');
  assert.equal(result.headers.replyTo, 'jane.doe@bank.example.mail-secure.example');
});

test('an internal newsletter from the protected domain gives no links findings', async (t) => {
  const pool = startPool(t);
  const html = '<p>Team news</p><a href="https://intranet.bank.example/news/42">intranet.bank.example/news</a><a href="https://www.bank.example/">Home</a>';
  const result = await pool.analyze(spool('newsletter.eml', mixed(['From: Internal Comms <comms@bank.example>', 'Subject: Team news'], html, [])));
  assert.deepEqual(linkSymbols(result), []);
  assert.deepEqual(result.urls, ['https://intranet.bank.example/news/42', 'https://www.bank.example/']);
});
