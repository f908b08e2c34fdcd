/**
 * PDF analysis: scans every object (object streams included), counts the
 * action keywords that matter (pdfid-style, after `#xx` decoding), and
 * extracts embedded files as members. It is a scanner, not a renderer: no
 * xref offsets are trusted and no content stream is interpreted.
 */
import { Buffer } from 'node:buffer';
import { escapeForDisplay } from '../../../core/index.js';
import type { Finding } from '../../../core/index.js';
import type { DissectResult, Member } from '../../dissect/dissector.js';
import type { ExpansionBudget } from '../../dissect/budget.js';
import { decodeStream } from './filters.js';
import { createPdfFinding } from './findings.js';
import type { NameEvent, PdfDict, PdfObject, PdfValue } from './parse-objects.js';
import { scanPdfObjects } from './parse-objects.js';

// Readers accept the header anywhere in the first KiB (Acrobat implementation note); so do we.
const HEADER_WINDOW = 1024;
const HEADER = Buffer.from('%PDF-', 'latin1');
const MAX_NAME_CHARS = 1024;
const MAX_EXAMPLES = 5;
// /URI targets handed to URL extraction: the message keeps at most 1,000 URLs (urls/MAX_URLS_PER_MESSAGE)
// and a URI is at most 2,048 characters worth matching, so more of either is never used.
const MAX_URIS = 1000;
const MAX_URI_CHARS = 2048;

/** True when `content` carries a PDF header where readers look for one. */
export function isPdf(content: Uint8Array): boolean {
  return headerOffset(content) >= 0;
}

function headerOffset(content: Uint8Array): number {
  const head = Buffer.from(content.buffer, content.byteOffset, Math.min(content.length, HEADER_WINDOW + HEADER.length));
  return head.indexOf(HEADER);
}

/** Scans one PDF: findings about its actions and structure, its embedded files as members. */
export function scanPdf(content: Uint8Array, path: string, budget: ExpansionBudget): DissectResult {
  const buf = Buffer.from(content.buffer, content.byteOffset, content.length);
  const text = buf.toString('latin1');
  const counts = new Map<string, number>();
  const obfuscated = new Set<string>();
  const onName = (name: NameEvent): void => {
    counts.set(name.decoded, (counts.get(name.decoded) ?? 0) + 1);
    if (name.obfuscated && obfuscated.size < MAX_EXAMPLES) obfuscated.add(name.decoded);
  };
  const main = scanPdfObjects(text, onName);
  const problems = new Set(main.problems);
  const offset = headerOffset(content);
  if (offset > 0) problems.add(`header at offset ${offset}, after other data`);
  if (main.objects.length === 0) problems.add('no objects found');
  if (!text.includes('%%EOF')) problems.add('no %%EOF marker (truncated?)');

  // Later definitions win, as in an incremental update.
  const table = new Map<number, PdfObject>();
  for (const object of main.objects) table.set(object.num, object);
  const encrypted = [...main.objects.map((o) => o.value), ...main.loose].some((v) => asDict(v)?.map.has('Encrypt') === true);

  const fromStreams = openObjectStreams(main.objects, buf, table, onName, budget, encrypted, problems);
  const values: PdfValue[] = [...main.objects.map((o) => o.value), ...main.loose, ...fromStreams];
  const facts = walkValues(values, table);
  const members = extractEmbeddedFiles(facts.fileSpecs, main.objects, buf, table, budget, encrypted, problems);

  const findings: Finding[] = [];
  const count = (...names: string[]): number => names.reduce((sum, n) => sum + (counts.get(n) ?? 0), 0);
  const js = count('JS', 'JavaScript');
  const launch = count('Launch');
  const auto = { open: count('OpenAction'), aa: count('AA') };
  if (js > 0) findings.push(createPdfFinding('PDF_JAVASCRIPT', `holds JavaScript (/JS or /JavaScript ${js} times)`, path));
  if (launch > 0) {
    const target = facts.launchTargets.length === 0 ? '' : `, target "${escapeForDisplay(facts.launchTargets.join('", "'), 200)}"`;
    findings.push(createPdfFinding('PDF_LAUNCH', `holds a /Launch action that starts a program (${launch} times${target})`, path));
  }
  if (auto.open > 0) findings.push(createPdfFinding('PDF_OPENACTION', `has an /OpenAction (${auto.open} times)`, path));
  if (auto.aa > 0) findings.push(createPdfFinding('PDF_AA', `has additional actions /AA (${auto.aa} times)`, path));
  if (auto.open + auto.aa > 0 && js + launch > 0) {
    findings.push(createPdfFinding('PDF_AUTO_SCRIPT', 'an automatic action (/OpenAction or /AA) sits beside JavaScript or /Launch: it can run on opening', path));
  }
  const embedded = Math.max(members.length, count('EmbeddedFile'));
  if (embedded > 0) findings.push(createPdfFinding('PDF_EMBEDDED_FILE', `embeds ${embedded} file(s), ${members.length} extracted`, path));
  if (facts.uris > 0) findings.push(createPdfFinding('PDF_URI', `links to ${facts.uris} URI(s)`, path));
  if (obfuscated.size > 0) {
    const names = [...obfuscated].map((n) => `/${escapeForDisplay(n, 40)}`).join(', ');
    findings.push(createPdfFinding('PDF_NAME_OBFUSCATION', `spells names with needless #xx escapes to hide them: ${names}`, path));
  }
  if (encrypted) findings.push(createPdfFinding('PDF_ENCRYPTED', 'is encrypted: strings, streams and object streams were not inspected', path));
  if (problems.size > 0) {
    const list = [...problems].slice(0, MAX_EXAMPLES).map((p) => escapeForDisplay(p, 100)).join('; ');
    findings.push(createPdfFinding('PDF_MALFORMED', `malformed structure: ${list}`, path));
  }
  return facts.uriTargets.length === 0 ? { members, findings } : { members, findings, urls: facts.uriTargets };
}

/** Decodes every `/Type /ObjStm` stream and scans its objects; returns their values. */
function openObjectStreams(
  objects: readonly PdfObject[],
  buf: Buffer,
  table: Map<number, PdfObject>,
  onName: (name: NameEvent) => void,
  budget: ExpansionBudget,
  encrypted: boolean,
  problems: Set<string>,
): PdfValue[] {
  const values: PdfValue[] = [];
  for (const object of objects) {
    const dict = asDict(object.value);
    if (dict === undefined || object.stream === undefined || !isName(dict.map.get('Type'), 'ObjStm')) continue;
    if (encrypted) continue;
    const decoded = decodeStream(buf.subarray(object.stream.start, object.stream.end), filtersOf(dict, table), budget);
    if (!decoded.ok) {
      problems.add(`object stream ${object.num}: ${decoded.reason}`);
      continue;
    }
    const data = decoded.data.toString('latin1');
    const first = dict.map.get('First');
    const split = typeof first === 'number' && Number.isInteger(first) && first >= 0 && first <= data.length ? first : 0;
    const header = scanPdfObjects(data.slice(0, split), () => undefined, true).loose;
    const body = scanPdfObjects(data.slice(split), onName, true);
    for (const p of body.problems) problems.add(`object stream ${object.num}: ${p}`);
    body.loose.forEach((value, index) => {
      values.push(value);
      const num = header[index * 2];
      if (typeof num === 'number' && Number.isInteger(num) && num >= 0 && !table.has(num)) table.set(num, { num, gen: 0, value });
    });
  }
  return values;
}

interface Facts {
  readonly fileSpecs: PdfDict[];
  readonly launchTargets: string[];
  /** The /URI strings, as written (PDF 1.7 12.6.4.7: 7-bit ASCII), at most MAX_URIS. */
  readonly uriTargets: string[];
  uris: number;
}

/** Walks every value once (iteratively) collecting file specifications, URIs and launch targets. */
function walkValues(values: readonly PdfValue[], table: Map<number, PdfObject>): Facts {
  const facts: Facts = { fileSpecs: [], launchTargets: [], uriTargets: [], uris: 0 };
  const stack: PdfValue[] = [...values];
  while (stack.length > 0) {
    const value = stack.pop();
    if (typeof value !== 'object' || value === null) continue;
    if (value.t === 'array') {
      stack.push(...value.items);
      continue;
    }
    if (value.t !== 'dict') continue;
    const map = value.map;
    if (map.has('EF')) facts.fileSpecs.push(value);
    const uri = asString(map.get('URI'));
    if (uri !== undefined) {
      facts.uris++;
      if (facts.uriTargets.length < MAX_URIS) facts.uriTargets.push(uri.slice(0, MAX_URI_CHARS));
    }
    if (isName(map.get('S'), 'Launch') && facts.launchTargets.length < MAX_EXAMPLES) {
      const target = launchTarget(value, table);
      if (target !== undefined) facts.launchTargets.push(target);
    }
    for (const child of map.values()) stack.push(child);
  }
  return facts;
}

function launchTarget(action: PdfDict, table: Map<number, PdfObject>): string | undefined {
  const win = asDict(resolve(action.map.get('Win'), table));
  const file = win === undefined ? resolve(action.map.get('F'), table) : resolve(win.map.get('F'), table);
  const spec = asDict(file);
  const name = asString(spec === undefined ? file : (spec.map.get('UF') ?? spec.map.get('F')));
  if (name === undefined) return undefined;
  const params = win === undefined ? undefined : asString(resolve(win.map.get('P'), table));
  return params === undefined ? decodeTextString(name) : `${decodeTextString(name)} ${decodeTextString(params)}`;
}

function extractEmbeddedFiles(
  fileSpecs: readonly PdfDict[],
  objects: readonly PdfObject[],
  buf: Buffer,
  table: Map<number, PdfObject>,
  budget: ExpansionBudget,
  encrypted: boolean,
  problems: Set<string>,
): Member[] {
  const members: Member[] = [];
  const done = new Set<PdfObject>();
  const extract = (object: PdfObject, name: string, declaredSize: number | undefined): void => {
    if (done.has(object) || object.stream === undefined) return;
    done.add(object);
    budget.chargeEntry();
    const dict = asDict(object.value);
    const raw = buf.subarray(object.stream.start, object.stream.end);
    const base = { name, kind: 'file' as const, compressedSize: raw.length, ...(declaredSize === undefined ? {} : { declaredSize }) };
    if (encrypted || dict === undefined) {
      members.push({ ...base, encrypted: true });
      return;
    }
    const decoded = decodeStream(raw, filtersOf(dict, table), budget);
    if (!decoded.ok) {
      problems.add(`embedded file ${object.num}: ${decoded.reason}`);
      members.push(base);
      return;
    }
    members.push({ ...base, content: decoded.data });
  };
  for (const spec of fileSpecs) {
    const ef = asDict(resolve(spec.map.get('EF'), table));
    if (ef === undefined) continue;
    const rawName = asString(resolve(spec.map.get('UF'), table)) ?? asString(resolve(spec.map.get('F'), table));
    for (const key of ['UF', 'F', 'DOS', 'Mac', 'Unix']) {
      const ref = ef.map.get(key);
      if (typeof ref !== 'object' || ref === null || ref.t !== 'ref') continue;
      const object = table.get(ref.num);
      if (object === undefined) continue;
      const name = rawName === undefined ? `embedded-${object.num}` : decodeTextString(rawName);
      extract(object, name, declaredSizeOf(asDict(object.value), table));
    }
  }
  // Embedded-file streams no file specification points at are still files an attacker can open with script.
  for (const object of objects) {
    const dict = asDict(object.value);
    if (dict !== undefined && isName(dict.map.get('Type'), 'EmbeddedFile')) extract(object, `embedded-${object.num}`, declaredSizeOf(dict, table));
  }
  return members;
}

function declaredSizeOf(dict: PdfDict | undefined, table: Map<number, PdfObject>): number | undefined {
  const params = asDict(resolve(dict?.map.get('Params'), table));
  const size = resolve(params?.map.get('Size'), table);
  return typeof size === 'number' && Number.isInteger(size) && size >= 0 ? size : undefined;
}

function filtersOf(dict: PdfDict, table: Map<number, PdfObject>): string[] {
  const filter = resolve(dict.map.get('Filter'), table);
  if (typeof filter === 'object' && filter !== null) {
    if (filter.t === 'name') return [filter.v];
    if (filter.t === 'array') return filter.items.flatMap((item) => (typeof item === 'object' && item !== null && item.t === 'name' ? [item.v] : []));
  }
  return [];
}

function resolve(value: PdfValue | undefined, table: Map<number, PdfObject>): PdfValue | undefined {
  let current = value;
  // A few hops at most: chains longer than that are loops or tricks.
  for (let hop = 0; hop < 8; hop++) {
    if (typeof current !== 'object' || current === null || current.t !== 'ref') return current;
    current = table.get(current.num)?.value;
  }
  return undefined;
}

function asDict(value: PdfValue | undefined): PdfDict | undefined {
  return typeof value === 'object' && value !== null && value.t === 'dict' ? value : undefined;
}

function asString(value: PdfValue | undefined): string | undefined {
  return typeof value === 'object' && value !== null && value.t === 'str' ? value.v : undefined;
}

function isName(value: PdfValue | undefined, name: string): boolean {
  return typeof value === 'object' && value !== null && value.t === 'name' && value.v === name;
}

/** PDF text string (PDF 1.7 §7.9.2.2): UTF-16BE with a BOM, UTF-8 with a BOM, else PDFDocEncoding (~latin1). */
function decodeTextString(raw: string): string {
  const bytes = Buffer.from(raw.slice(0, MAX_NAME_CHARS * 2), 'latin1');
  let text: string;
  if (bytes[0] === 0xfe && bytes[1] === 0xff) {
    const body = Buffer.from(bytes.subarray(2, 2 + ((bytes.length - 2) & ~1)));
    text = body.swap16().toString('utf16le');
  } else if (bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) {
    text = bytes.subarray(3).toString('utf8');
  } else {
    text = bytes.toString('latin1');
  }
  return text.slice(0, MAX_NAME_CHARS);
}
