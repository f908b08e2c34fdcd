// URL indicators through the real analysis pool: the worker extracts the
// links of an HTML body and of an .html page inside a zip attachment,
// matches them against the indicator files it loads itself, and returns
// IOC_URL_MATCH on the part where each URL was first seen, plus result.urls.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildZip } from '../../fuzz/archives.js';
import type { AnalysisLimits, AnalysisPool, EngineSettings } from '../../src/analysis/index.js';
import { createAnalysisPool } from '../../src/analysis/index.js';
import type { AnalysisResult, Finding } from '../../src/core/index.js';
import { messageWithAttachment } from '../support/messages.js';

const LIMITS: AnalysisLimits = { maxMessageBytes: 26_214_400, maxMimeParts: 1000, maxMimeDepth: 30 };
const scratch = mkdtempSync(join(tmpdir(), 'moat-analysis-urls-'));
test.after(() => rmSync(scratch, { recursive: true, force: true }));

const csvPath = join(scratch, 'urls.csv');
writeFileSync(
  csvPath,
  [
    'type,value,source,confidence,severity,expires,description',
    'url,https://login.phish.example/verify,phish-feed,100,critical,,credential phish',
    'domain,drop.example,domain-feed,80,high,,',
    'ipv4,198.51.100.0/24,ip-feed,100,medium,,',
  ].join('\n'),
);
const ENGINES: EngineSettings = { intel: { csv: [csvPath], lists: [], hashReputation: { allow: [], block: [] }, maxFileBytes: 1_000_000 } };

function startPool(t: { after: (fn: () => Promise<void>) => void }, engines?: EngineSettings): AnalysisPool {
  const pool = createAnalysisPool({ workers: 1, timeBudgetMs: 20_000, workerHeapMb: 256, limits: LIMITS, ...(engines === undefined ? {} : { engines }) });
  t.after(() => pool.close());
  return pool;
}

function spool(name: string, message: string): string {
  const path = join(scratch, name);
  writeFileSync(path, message);
  return path;
}

const urlMatches = (r: AnalysisResult): Finding[] => r.findings.filter((f) => f.symbol === 'IOC_URL_MATCH');

function htmlMessage(html: string, text: string): string {
  const boundary = '----=_moat_urls_alt';
  return [
    'From: Bank <notice@bank.example>',
    'To: bob@example.test',
    'Subject: Verify your account',
    'Message-ID: <urls-1@bank.example>',
    'Date: Thu, 26 Nov 2026 08:00:00 +0000',
    'MIME-Version: 1.0',
    `Content-Type: multipart/alternative; boundary="${boundary}"`,
    '',
    `--${boundary}`,
    'Content-Type: text/plain; charset=utf-8',
    '',
    text,
    `--${boundary}`,
    'Content-Type: text/html; charset=utf-8',
    'Content-Transfer-Encoding: quoted-printable',
    '',
    html.replace(/=/g, '=3D'),
    `--${boundary}--`,
    '',
  ].join('\r\n');
}

test('an HTML body linking to a listed URL (entity-encoded) gives IOC_URL_MATCH on the HTML part', async (t) => {
  const pool = startPool(t, ENGINES);
  const html =
    '<html><body><p>Your account is locked.</p>' +
    '<a href="&#x68;ttps://LOGIN.phish.example:443/verify#step1">Verify now</a>' +
    '<img src="//cdn.drop.example/pixel.gif"><a href="https://bank.example/help">Help</a></body></html>';
  const result = await pool.analyze(spool('html-body.eml', htmlMessage(html, 'Visit http://198.51.100.7/unlock, or call us.')));
  assert.deepEqual(result.urls, ['http://198.51.100.7/unlock', 'https://login.phish.example/verify', 'https://cdn.drop.example/pixel.gif', 'https://bank.example/help']);
  assert.deepEqual(
    urlMatches(result).map((f) => [f.artifact, f.score, f.severity]),
    [
      ['1', 8, 'medium'],
      ['2', 40, 'critical'],
      ['2', 12, 'high'],
    ],
  );
  const details = urlMatches(result).map((f) => f.detail);
  assert.match(details[0] ?? '', /^part 1: URL http:\/\/198\.51\.100\.7\/unlock matches ipv4 indicator "198\.51\.100\.0\/24" from ip-feed/u);
  assert.match(details[1] ?? '', /^part 2: URL https:\/\/login\.phish\.example\/verify matches url indicator "https:\/\/login\.phish\.example\/verify" from phish-feed \(confidence 100\): credential phish$/u);
  assert.match(details[2] ?? '', /matches domain indicator "drop\.example" from domain-feed \(confidence 80\)/u);
});

test('a zipped .html attachment linking to a listed domain gives IOC_URL_MATCH on the zip member', async (t) => {
  const pool = startPool(t, ENGINES);
  const page = Buffer.from(
    '<!DOCTYPE html><html><head><base href="https://files.drop.example/share/"></head>' +
      '<body><form action="collect.php" method="post"><input type="password" name="p"></form></body></html>',
  );
  const zip = buildZip([{ name: 'readme.txt', content: Buffer.from('open the page') }, { name: 'invoice.html', content: page }]);
  const result = await pool.analyze(spool('zip-html.eml', messageWithAttachment({ filename: 'invoice.zip', content: zip, contentType: 'application/zip' })));
  assert.deepEqual(result.urls, ['https://files.drop.example/share/', 'https://files.drop.example/share/collect.php']);
  const matches = urlMatches(result);
  assert.deepEqual(matches.map((f) => [f.artifact, f.score]), [['2/2', 12]]);
  assert.match(matches[0]?.detail ?? '', /^part 2\/2: URL https:\/\/files\.drop\.example\/share\/ matches domain indicator "drop\.example" from domain-feed/u);
  // The HTML dissector still sees the same page.
  assert.ok(result.findings.some((f) => f.symbol === 'HTML_CREDENTIAL_FORM' && f.artifact === '2/2'));
});

test('without intel the URLs are listed and nothing matches; a plain message has none', async (t) => {
  const pool = startPool(t);
  const result = await pool.analyze(spool('no-intel.eml', htmlMessage('<a href="https://login.phish.example/verify">x</a>', 'hello')));
  assert.deepEqual(result.urls, ['https://login.phish.example/verify']);
  assert.deepEqual(urlMatches(result), []);
  const plain = await pool.analyze(spool('plain.eml', htmlMessage('<p>no links</p>', 'no links either')));
  assert.deepEqual(plain.urls, []);
});
