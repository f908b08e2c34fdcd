/**
 * The OOXML engine: inspects the XML parts of docx/xlsx/pptx (and their
 * macro-enabled forms) after the zip dissector has taken the package apart.
 * Parts are recognised by their content (root element, element names), not
 * by their names, so a styles part moved to another path is still read:
 * number formats (CVE-2023-7101), external relationships (remote template
 * injection, Follina-style protocol handlers), DDE fields and formulas,
 * macro-enabled content types, Excel 4.0 macro sheets and Auto_Open names,
 * and DTDs in package parts.
 */
import { Buffer } from 'node:buffer';
import type { Finding } from '../../../core/index.js';
import { escapeForDisplay } from '../../../core/index.js';
import type { Engine, EngineSubject } from '../../engine.js';
import { createFormatFindings, createOfficeFinding, quoteList } from './findings.js';
import type { OfficeSymbol } from './tables.js';
import {
  BENIGN_EXTERNAL_RELATIONSHIPS,
  DANGEROUS_URI_PREFIXES,
  MACRO_CONTENT_TYPES,
  REMOTE_LOAD_RELATIONSHIPS,
  XLM_CONTENT_TYPES,
} from './tables.js';
import type { XmlEvent } from './xml-scan.js';
import { attributeValues, decodeXmlEntities, localName, scanXml } from './xml-scan.js';

const NAME = 'office';
// Real OOXML parts stay far below this (a 1M-row sheet is ~100 MiB, but styles/rels/document parts are small);
// past it the part is reported as unscanned rather than decoded into a huge string.
const MAX_XML_BYTES = 64 * 1024 * 1024;
// How far into the content the first `<` may be (BOM, whitespace) for it to count as XML.
const XML_SNIFF = 512;
// Field-code text kept per part; DDE instructions are short.
const MAX_FIELD_TEXT = 1_000_000;
// Spreadsheet formulas: `app|'topic'!item` is a DDE link (the pipe is no Excel operator).
const DDE_FORMULA = /[A-Za-z0-9_.-]+\s*\|\s*'[^']*'\s*!/;
const AUTOEXEC_NAME = /^(?:_xlnm\.)?auto_(?:open|close|activate|deactivate)/i;

/** Creates the OOXML engine (stateless; one instance serves every message). */
export function createOfficeEngine(): Engine {
  return { name: NAME, inspect: inspectPart };
}

interface PartState {
  readonly formats: string[];
  readonly fieldCodes: string[];
  fieldLength: number;
  inInstr: boolean;
  inFormula: boolean;
  formula: string;
  doctype: boolean;
  macroEnabled: boolean;
  xlmSheets: boolean;
  readonly hiddenSheets: string[];
  readonly autoExecNames: string[];
  readonly ddeFormulas: string[];
  ddeLink: boolean;
  /** Local name of the root element: `Types` for [Content_Types].xml, `workbook`, `styleSheet`, ... */
  root: string | undefined;
  readonly relationships: { readonly type: string; readonly target: string }[];
}

function inspectPart(subject: EngineSubject): Finding[] {
  const { content, artifact } = subject;
  if (!looksLikeXml(content)) return [];
  const inPackage = isInOoxmlPackage(subject);
  const findings: Finding[] = [];
  const emit = (symbol: OfficeSymbol, detail: string): void => {
    findings.push(createOfficeFinding(NAME, symbol, detail, artifact.path));
  };
  if (content.length > MAX_XML_BYTES) {
    if (inPackage) emit('OFFICE_XML_TOO_LARGE', `package part of ${content.length} bytes exceeds ${MAX_XML_BYTES} bytes, not inspected`);
    return findings;
  }
  const state: PartState = {
    formats: [], fieldCodes: [], fieldLength: 0, inInstr: false, inFormula: false, formula: '', doctype: false, macroEnabled: false,
    xlmSheets: false, hiddenSheets: [], autoExecNames: [], ddeFormulas: [], ddeLink: false, root: undefined, relationships: [],
  };
  scanXml(decodeText(content), (event) => visit(state, event));
  report(state, subject, inPackage, emit);
  findings.push(...createFormatFindings(NAME, state.formats, 'a styles part', artifact.path));
  return findings;
}

function visit(state: PartState, event: XmlEvent): void {
  if (event.kind === 'doctype') {
    state.doctype = true;
    return;
  }
  if (event.kind === 'text') {
    if (state.inInstr && state.fieldLength < MAX_FIELD_TEXT) {
      const text = decodeXmlEntities(event.text);
      state.fieldCodes[state.fieldCodes.length - 1] += text;
      state.fieldLength += text.length;
    } else if (state.inFormula && state.formula.length < MAX_FIELD_TEXT) {
      state.formula += decodeXmlEntities(event.text);
    }
    return;
  }
  const name = localName(event.name);
  if (event.kind === 'end') {
    if (name === 'instrText') state.inInstr = false;
    if (name === 'f') closeFormula(state);
    return;
  }
  state.root ??= name;
  const attrs = event.attributes;
  switch (name) {
    case 'numFmt':
      state.formats.push(...attributeValues(attrs, 'formatCode'));
      break;
    case 'fldChar':
      // A field begins: its instruction text follows in instrText runs, possibly split in many pieces.
      if (attributeValues(attrs, 'fldCharType').includes('begin')) state.fieldCodes.push('');
      break;
    case 'instrText':
      if (state.fieldCodes.length === 0) state.fieldCodes.push('');
      state.inInstr = !event.selfClosing;
      break;
    case 'fldSimple':
      state.fieldCodes.push(...attributeValues(attrs, 'instr'));
      break;
    case 'f':
      state.inFormula = !event.selfClosing;
      state.formula = '';
      break;
    case 'ddeLink':
      state.ddeLink = true;
      break;
    case 'Relationship':
      if (attributeValues(attrs, 'TargetMode').some((m) => m.toLowerCase() === 'external')) {
        const type = attributeValues(attrs, 'Type')[0] ?? '';
        for (const target of attributeValues(attrs, 'Target')) state.relationships.push({ type: type.slice(type.lastIndexOf('/') + 1).toLowerCase(), target });
      }
      break;
    case 'Override':
    case 'Default':
      for (const ct of attributeValues(attrs, 'ContentType').map((v) => v.toLowerCase())) {
        if (MACRO_CONTENT_TYPES.some((m) => ct.includes(m))) state.macroEnabled = true;
        if (XLM_CONTENT_TYPES.some((m) => ct.includes(m))) state.xlmSheets = true;
      }
      break;
    case 'sheet':
      if (attributeValues(attrs, 'state').some((s) => s === 'hidden' || s === 'veryHidden')) state.hiddenSheets.push(attributeValues(attrs, 'name')[0] ?? '');
      break;
    case 'definedName':
      for (const n of attributeValues(attrs, 'name')) if (AUTOEXEC_NAME.test(n)) state.autoExecNames.push(n);
      break;
    default:
      break;
  }
}

function closeFormula(state: PartState): void {
  state.inFormula = false;
  // String literals ("a|b") are data, not DDE; drop them before looking for the pipe.
  const code = state.formula.replace(/"(?:[^"]|"")*"/g, '""');
  if (DDE_FORMULA.test(code) && state.ddeFormulas.length < 10) state.ddeFormulas.push(state.formula);
  state.formula = '';
}

function report(state: PartState, subject: EngineSubject, inPackage: boolean, emit: (s: OfficeSymbol, d: string) => void): void {
  if (state.doctype && inPackage) emit('OFFICE_XML_DTD', 'package part declares a DTD (Office never writes one; XXE and entity-expansion attacks on other parsers do)');
  for (const { type, target } of state.relationships) {
    const shown = escapeForDisplay(target, 200);
    const lower = target.trim().toLowerCase();
    if (DANGEROUS_URI_PREFIXES.some((p) => lower.startsWith(p))) emit('OFFICE_DANGEROUS_URI', `external ${escapeForDisplay(type, 40)} relationship to a protocol handler or file share: "${shown}"`);
    if (REMOTE_LOAD_RELATIONSHIPS.has(type)) emit('OFFICE_REMOTE_TEMPLATE', `${escapeForDisplay(type, 40)} is loaded from outside the document when it opens: "${shown}"`);
    else if (!BENIGN_EXTERNAL_RELATIONSHIPS.has(type)) emit('OFFICE_EXTERNAL_RELATIONSHIP', `external ${escapeForDisplay(type, 40)} relationship: "${shown}"`);
  }
  const dde = state.fieldCodes.map((c) => c.trim()).filter((c) => /^(?:DDE|DDEAUTO)(?:\s|$)/i.test(c));
  if (dde.length > 0) emit('OFFICE_DDE', `DDE field runs a program: ${quoteList(dde, 120)}`);
  if (state.ddeFormulas.length > 0) emit('OFFICE_DDE', `DDE formula runs a program: ${quoteList(state.ddeFormulas, 120)}`);
  if (state.ddeLink) emit('OFFICE_DDE', 'workbook holds a DDE link');
  const members = subject.container?.memberNames ?? [];
  const vbaMember = members.some((m) => m.toLowerCase().endsWith('vbaproject.bin'));
  // The content-types part speaks for the package, so a vbaProject.bin member is reported there, once.
  if (state.macroEnabled || (vbaMember && state.root === 'Types')) emit('OFFICE_MACRO_ENABLED', 'macro-enabled Office package (its VBA project is dissected separately)');
  const xlmMember = members.some((m) => m.toLowerCase().includes('macrosheets/'));
  if (state.xlmSheets) emit('OFFICE_XLM_MACRO', 'package declares Excel 4.0 macro sheets');
  if (state.hiddenSheets.length > 0 && (xlmMember || state.xlmSheets)) emit('OFFICE_XLM_HIDDEN', `hidden sheets in a workbook with Excel 4.0 macro sheets: ${quoteList(state.hiddenSheets)}`);
  if (state.autoExecNames.length > 0) emit('OFFICE_XLM_AUTOEXEC', `defined name runs macros on open or close: ${quoteList(state.autoExecNames)}`);
}

function isInOoxmlPackage(subject: EngineSubject): boolean {
  const c = subject.container;
  if (c === undefined) return false;
  if (c.memberNames?.some((m) => m.toLowerCase() === '[content_types].xml') === true) return true;
  return ['docx', 'docm', 'xlsx', 'xlsm', 'pptx', 'pptm', 'dotx', 'dotm', 'xltx', 'xltm', 'ppsx', 'ppsm', 'xlam', 'ppam', 'vsdx'].includes(c.detectedExtension ?? '');
}

function looksLikeXml(content: Uint8Array): boolean {
  const end = Math.min(content.length, XML_SNIFF);
  for (let i = 0; i < end; i++) {
    const b = content[i];
    // UTF-8 BOM, UTF-16 BOMs and NULs of UTF-16 text, whitespace.
    if (b === 0xef || b === 0xbb || b === 0xbf || b === 0xff || b === 0xfe || b === 0x00 || b === 0x20 || b === 0x09 || b === 0x0a || b === 0x0d) continue;
    return b === 0x3c;
  }
  return false;
}

function decodeText(content: Uint8Array): string {
  const buf = Buffer.from(content.buffer, content.byteOffset, content.length);
  if (buf[0] === 0xff && buf[1] === 0xfe) return buf.toString('utf16le', 2);
  if (buf[0] === 0xfe && buf[1] === 0xff) return new TextDecoder('utf-16be').decode(buf.subarray(2));
  // UTF-16 without a BOM: `<` followed by NUL.
  if (buf[0] === 0x3c && buf[1] === 0x00) return buf.toString('utf16le');
  if (buf[0] === 0x00 && buf[1] === 0x3c) return new TextDecoder('utf-16be').decode(buf);
  return buf.toString('utf8');
}
