/**
 * The OLE compound file dissector (doc, xls, ppt, msg, vbaProject.bin):
 * findings for VBA projects, Excel 4.0 macro sheets, number-format
 * injection, packaged executables, exploited object classes and encryption;
 * members for what an analyst needs scanned on its own: packaged files under
 * their original names, embedded OOXML packages and objects, Outlook
 * attachments, and decompressed VBA module source.
 */
import type { Buffer } from 'node:buffer';
import type { Finding } from '../../../core/index.js';
import { escapeForDisplay } from '../../../core/index.js';
import type { DissectContext, DissectResult, DissectSubject, Dissector, Member } from '../../dissect/dissector.js';
import { parseWorkbookStream } from './biff.js';
import type { CompoundEntry } from './compound-file.js';
import { hasOleMagic, readCompoundFile } from './compound-file.js';
import { createFormatFindings, createOfficeFinding, quoteList } from './findings.js';
import { parseOle10Native } from './ole-native.js';
import type { OfficeSymbol } from './tables.js';
import { EXPLOITED_CLSIDS, PACKAGE_EXECUTABLE_EXTENSIONS } from './tables.js';
import { analyzeVbaProject, findVbaStorages } from './vba.js';

const NAME = 'ole';

type AddMember = (name: string, content: Uint8Array, declaredSize?: number, charged?: boolean) => void;
// Streams whose whole content is an embedded file (object storages in doc/xls/ppt).
const EMBEDDED_STREAMS = new Set(['package', 'contents']);
// Outlook .msg attachment storage and its property streams ([MS-OXMSG] 2.2.2).
const MSG_ATTACHMENT = /^__attach_version1\.0_#[0-9a-f]{8}$/i;
const MSG_DATA = '__substg1.0_37010102';
const MSG_NAMES = ['__substg1.0_3707001f', '__substg1.0_3704001f', '__substg1.0_3001001f'];

/** Creates the OLE compound file dissector (stateless). */
export function createOleDissector(): Dissector {
  return {
    name: NAME,
    accepts: (subject: DissectSubject) => hasOleMagic(subject.content),
    dissect: async (subject, ctx) => dissectOle(subject, ctx),
  };
}

function dissectOle(subject: DissectSubject, ctx: DissectContext): DissectResult {
  const findings: Finding[] = [];
  const members: Member[] = [];
  const emit = (symbol: OfficeSymbol, detail: string): void => {
    findings.push(createOfficeFinding(NAME, symbol, detail, subject.path));
  };
  const addMember: AddMember = (name, content, declaredSize, charged = false) => {
    ctx.budget.chargeEntry();
    // Stream bytes are slices of the input; decompressed VBA was charged when it was produced.
    if (!charged) ctx.budget.chargeBytes(content.length);
    members.push(declaredSize === undefined ? { name, kind: 'file', content } : { name, kind: 'file', content, declaredSize });
  };

  const file = readCompoundFile(subject.content);
  const confusion = file.problems.filter((p) => p.kind === 'confusion').map((p) => p.detail);
  const damage = file.problems.filter((p) => p.kind === 'malformed').map((p) => p.detail);
  if (confusion.length > 0) emit('PARSER_CONFUSION', `compound file structure that readers resolve differently: ${confusion.slice(0, 3).join('; ')}`);
  if (damage.length > 0) emit('OFFICE_OLE_MALFORMED', `damaged compound file: ${damage.slice(0, 3).join('; ')}`);

  const streams = file.entries.filter((e): e is CompoundEntry & { content: Buffer } => e.type === 'stream' && e.content !== undefined);
  const byPath = new Map(streams.map((s) => [s.path.toLowerCase(), s]));

  checkEncryption(streams, emit);
  checkVba(file.entries, ctx, emit, addMember);
  for (const s of streams) {
    const lower = s.name.toLowerCase();
    if (lower === 'workbook' || lower === 'book') findings.push(...checkWorkbook(s, subject.path, emit));
  }
  checkObjects(file.entries, streams, emit, addMember);
  checkMsgAttachments(file.entries, byPath, addMember);
  return { members, findings };
}

function checkEncryption(streams: readonly CompoundEntry[], emit: (s: OfficeSymbol, d: string) => void): void {
  const names = new Set(streams.map((s) => s.path.toLowerCase()));
  if (names.has('encryptedpackage') || names.has('encryptioninfo')) {
    emit('OFFICE_ENCRYPTED', 'password-encrypted OOXML package: its content cannot be scanned');
  } else if (names.has('encryptedsummary')) {
    emit('OFFICE_ENCRYPTED', 'password-encrypted PowerPoint document: its content cannot be scanned');
  }
  const word = streams.find((s) => s.path.toLowerCase() === 'worddocument')?.content;
  // FIB base: fEncrypted is bit 8 of the flags word at offset 0x0A ([MS-DOC] 2.5.2).
  if (word !== undefined && word.length >= 0x0c && (word.readUInt16LE(0x0a) & 0x0100) !== 0) {
    emit('OFFICE_ENCRYPTED', 'password-encrypted Word document: its content cannot be scanned');
  }
}

function checkVba(
  entries: readonly CompoundEntry[],
  ctx: DissectContext,
  emit: (s: OfficeSymbol, d: string) => void,
  addMember: AddMember,
): void {
  const storages = findVbaStorages(entries);
  const hasProjectStream = entries.some((e) => e.type === 'stream' && e.name.toLowerCase() === '_vba_project');
  if (storages.length === 0 && !hasProjectStream) return;
  const where = storages.length > 0 ? quoteList(storages) : 'a _VBA_PROJECT stream';
  emit('OFFICE_VBA_MACRO', `VBA macro project in ${where}`);
  for (const path of storages) {
    const project = analyzeVbaProject(entries, path, ctx.budget);
    if (project.malformed) emit('OFFICE_OLE_MALFORMED', `VBA project ${quoteList([path])} has a damaged dir stream`);
    if (project.autoExec.length > 0) emit('OFFICE_VBA_AUTOEXEC', `VBA runs on open or close via ${quoteList(project.autoExec, 64)}`);
    if (project.suspicious.length > 0) emit('OFFICE_VBA_SUSPICIOUS', `VBA uses ${project.suspicious.map((k) => escapeForDisplay(k, 40)).join(', ')}`);
    if (project.stomped.length > 0) emit('OFFICE_VBA_STOMPED', `VBA module source missing while compiled code is present (VBA stomping): ${quoteList(project.stomped)}`);
    // Each module's source is its own artifact, so YARA, IOC and the other engines read the macro text.
    for (const m of project.modules) if (m.source.length > 0) addMember(`${m.streamPath}.vba`, m.source, undefined, true);
  }
}

function checkWorkbook(stream: CompoundEntry & { content: Buffer }, artifact: string, emit: (s: OfficeSymbol, d: string) => void): Finding[] {
  const book = parseWorkbookStream(stream.content);
  const where = `workbook stream ${quoteList([stream.path])}`;
  if (book.encrypted) emit('OFFICE_ENCRYPTED', `password-encrypted Excel workbook (FILEPASS in ${where}): its content cannot be scanned`);
  if (book.truncated) emit('OFFICE_OLE_MALFORMED', `${where} ends inside a record`);
  const macroSheets = book.sheets.filter((s) => s.type === 'macro');
  if (macroSheets.length > 0 || book.macroSubstream) {
    const names = macroSheets.length > 0 ? `: ${quoteList(macroSheets.map((s) => s.name))}` : '';
    emit('OFFICE_XLM_MACRO', `Excel 4.0 macro sheet in ${where}${names}`);
  }
  const hidden = macroSheets.filter((s) => s.state !== 'visible');
  if (hidden.length > 0) emit('OFFICE_XLM_HIDDEN', `Excel 4.0 macro sheet is ${hidden[0]?.state ?? 'hidden'}: ${quoteList(hidden.map((s) => s.name))}`);
  if (book.autoExecNames.length > 0) emit('OFFICE_XLM_AUTOEXEC', `defined name runs macros on open or close: ${quoteList(book.autoExecNames)}`);
  return createFormatFindings(NAME, book.formats, where, artifact);
}

function checkObjects(
  entries: readonly CompoundEntry[],
  streams: readonly (CompoundEntry & { content: Buffer })[],
  emit: (s: OfficeSymbol, d: string) => void,
  addMember: AddMember,
): void {
  const exploited = new Set<string>();
  for (const e of entries) {
    const cls = EXPLOITED_CLSIDS[e.clsid];
    if (cls !== undefined) exploited.add(cls);
  }
  for (const s of streams) {
    const lower = s.name.toLowerCase();
    if (lower === 'equation native') exploited.add('Equation Editor 3.0');
    if (lower === '\u0001ole10native') {
      const pkg = parseOle10Native(s.content);
      if (pkg === undefined) continue;
      const name = pkg.label !== '' ? pkg.label : baseName(pkg.sourcePath) || s.path;
      const shown = quoteList([name]);
      const extension = [pkg.label, pkg.sourcePath, pkg.tempPath].map(extensionOf).find((x) => x !== undefined && PACKAGE_EXECUTABLE_EXTENSIONS.has(x));
      const isPe = pkg.data[0] === 0x4d && pkg.data[1] === 0x5a;
      if (extension !== undefined || isPe) {
        emit('OFFICE_OLE_PACKAGE', `embedded package ${shown} is ${isPe ? 'a Windows executable' : `a .${escapeForDisplay(extension ?? '', 24)} file`} (runs on double-click)`);
      } else {
        emit('OFFICE_OLE_EMBEDDED', `embedded package ${shown}`);
      }
      addMember(name, pkg.data, pkg.data.length);
    } else if (EMBEDDED_STREAMS.has(lower) && s.content.length > 0) {
      addMember(s.path, s.content);
    }
  }
  if (exploited.size > 0) emit('OFFICE_EQUATION_OBJECT', `embedded object of an exploited class: ${[...exploited].join(', ')}`);
}

function checkMsgAttachments(entries: readonly CompoundEntry[], byPath: ReadonlyMap<string, CompoundEntry>, addMember: AddMember): void {
  for (const e of entries) {
    if (e.type !== 'storage' || !MSG_ATTACHMENT.test(e.name)) continue;
    const base = e.path.toLowerCase();
    const data = byPath.get(`${base}/${MSG_DATA}`)?.content;
    if (data === undefined) continue;
    const nameStream = MSG_NAMES.map((n) => byPath.get(`${base}/${n}`)?.content).find((c) => c !== undefined && c.length > 0);
    const name = nameStream === undefined ? e.path : nameStream.toString('utf16le').replace(/\0+$/, '');
    addMember(name, data);
  }
}

function baseName(path: string): string {
  return path.slice(Math.max(path.lastIndexOf('\\'), path.lastIndexOf('/')) + 1);
}

function extensionOf(name: string): string | undefined {
  const base = baseName(name).replace(/[\s.\0]+$/, '');
  const dot = base.lastIndexOf('.');
  return dot <= 0 ? undefined : base.slice(dot + 1).toLowerCase();
}
