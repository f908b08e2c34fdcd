import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createAnalysisPool } from '../../src/analysis/index.js';
import type { AnalysisLimits } from '../../src/analysis/index.js';

const LIMITS: AnalysisLimits = { maxMessageBytes: 26_214_400, maxMimeParts: 1000, maxMimeDepth: 30 };
const GTUBE = 'XJS*C4JDBQADN1.NSBN3*2IDNEN*GTUBE-STANDARD-ANTI-UBE-TEST-EMAIL*C.34X';

test('GTUBE in an HTML alternative, through the real analysis pool: SPAM_GTUBE at 1000, tokens travel back', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'moat-gtube-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const path = join(dir, 'gtube.eml');
  const message = [
    'From: Tester <test@example.com>',
    'To: user@example.org',
    'Subject: GTUBE test',
    'Message-ID: <gtube-1@example.com>',
    'MIME-Version: 1.0',
    'Content-Type: multipart/alternative; boundary="b"',
    '',
    '--b',
    'Content-Type: text/plain; charset=us-ascii',
    '',
    'Testing the spam path.',
    '--b',
    'Content-Type: text/html; charset=us-ascii',
    'Content-Transfer-Encoding: quoted-printable',
    '',
    `<p>Testing</p><p>${GTUBE.replace(/=/g, '=3D')}</p>`,
    '--b--',
    '',
  ].join('\r\n');
  writeFileSync(path, message);
  const pool = createAnalysisPool({ workers: 1, timeBudgetMs: 10_000, workerHeapMb: 256, limits: LIMITS });
  t.after(() => pool.close());
  const result = await pool.analyze(path);
  const gtube = result.findings.filter((f) => f.symbol === 'SPAM_GTUBE');
  assert.deepEqual(gtube, [{ engine: 'spam', symbol: 'SPAM_GTUBE', score: 1000, severity: 'critical', detail: 'part 2: the GTUBE anti-spam test string', artifact: '2' }]);
  assert.ok((result.spamTokens ?? []).length > 10);
  assert.ok((result.spamTokens ?? []).every((token) => /^[0-9a-f]{8}$/.test(token)));
});
