/**
 * The zip dissector: reads every structural view of a zip (layout.ts),
 * reports where views disagree, and extracts the union of what each view
 * would extract, within the message's expansion budget. Covers zip64, data
 * descriptors, CP437/UTF-8/Unicode-path names, ZipCrypto and WinZip AES
 * (with the passwords quoted in the message), self-extractors and data
 * around the archive. Methods other than stored and deflate are listed, not
 * extracted.
 */
import type { Buffer as NodeBuffer } from 'node:buffer';
import { Buffer } from 'node:buffer';
import type { DissectContext, DissectResult, DissectSubject, Dissector, Member, MemberKind } from '../../dissect/dissector.js';
import type { ExtractParams, ZipEntry } from './entry.js';
import { decodeName } from './entry.js';
import type { ExtractOutcome } from './extract.js';
import { createExtractor } from './extract.js';
import { ZIP_ENGINE, createZipFindingList } from './findings.js';
import type { ZipFindingList } from './findings.js';
import { readLayout, showName } from './layout.js';
import { EOCD_SIZE, readCentralRecord, readEndRecord, readZip64End } from './records.js';

// Symlink targets longer than PATH_MAX are not paths; such an entry is malformed, not a link to follow.
const MAX_LINK_TARGET = 4096;
// Names of locked members quoted in ENCRYPTED_ARCHIVE (the count says how many there are in all).
const MAX_LOCKED_SHOWN = 10;
const END_WINDOW = EOCD_SIZE + 0xffff;
const MAX_ACCEPT_PROBES = 16;

/** Creates the zip dissector (stateless; one instance serves every message). */
export function createZipDissector(): Dissector {
  return { name: ZIP_ENGINE, accepts: acceptsZip, dissect: dissectZip };
}

/**
 * True for content that starts with a zip record, or that ends in an end of
 * central directory record pointing at a central directory (self-extracting
 * executables, zips behind other data). Never looks at the name.
 */
export function acceptsZip(subject: DissectSubject): boolean {
  const buf = asBuffer(subject.content);
  if (buf.length >= 4 && buf[0] === 0x50 && buf[1] === 0x4b && [0x0304, 0x0506, 0x0708].includes(buf.readUInt16BE(2))) return true;
  if (subject.detected?.extension === 'zip') return true;
  const windowStart = Math.max(0, buf.length - END_WINDOW);
  let pos = buf.length - EOCD_SIZE;
  for (let probe = 0; probe < MAX_ACCEPT_PROBES && pos >= windowStart; probe++) {
    const hit = buf.lastIndexOf(EOCD_SIGNATURE, pos);
    if (hit < windowStart) return false;
    const end = readEndRecord(buf, hit);
    if (end !== undefined) {
      const zip64 = readZip64End(buf, end);
      const cdOffset = zip64?.cdOffset ?? end.cdOffset;
      const cdSize = zip64?.cdSize ?? end.cdSize;
      const expected = (zip64?.offset ?? end.offset) - cdSize;
      if (readCentralRecord(buf, cdOffset) !== undefined || readCentralRecord(buf, expected) !== undefined) return true;
    }
    pos = hit - 1;
  }
  return false;
}

const EOCD_SIGNATURE = Buffer.from([0x50, 0x4b, 0x05, 0x06]);

async function dissectZip(subject: DissectSubject, ctx: DissectContext): Promise<DissectResult> {
  return Promise.resolve(dissectSync(subject, ctx));
}

function dissectSync(subject: DissectSubject, ctx: DissectContext): DissectResult {
  const buf = asBuffer(subject.content);
  const findings = createZipFindingList(subject.path);
  const layout = readLayout(buf, findings, ctx.budget.limits.maxEntries);
  const extractor = createExtractor(buf, ctx, findings);
  const members: Member[] = [];
  const emitted = new Set<string>();
  const locked: string[] = [];
  const opened = { message: 0, empty: 0 };

  const emit = (entry: ZipEntry, name: string, params: ExtractParams | undefined, shared?: NodeBuffer): NodeBuffer | undefined => {
    // The same entry seen by two readings is one member; a different name or different data is another.
    const key = `${entry.localOffset}|${name}|${params?.method}|${params?.compressedSize}|${params?.flags}`;
    if (emitted.has(key)) return undefined;
    emitted.add(key);
    ctx.budget.chargeEntry();
    const base = { name, declaredSize: entry.declaredSize, compressedSize: entry.compressedSize, ...(entry.encrypted ? { encrypted: true } : {}) };
    let kind: MemberKind = entry.kind;
    if (kind === 'directory' && (entry.compressedSize > 0 || entry.declaredSize > 0)) {
      // Extractors differ: some make a directory and drop the data, others write a file. Keep the data.
      findings.add('ZIP_MALFORMED', `directory entry ${showName(name)} carries ${entry.compressedSize} bytes of data`);
      kind = 'file';
    } else if ((kind === 'fifo' || kind === 'device' || kind === 'other') && (entry.compressedSize > 0 || entry.declaredSize > 0)) {
      // Info-ZIP records the mode of its input, so `zip x.zip -` stores a pipe's data as a FIFO; unzip writes a file.
      kind = 'file';
    }
    if (kind !== 'file' && kind !== 'symlink') {
      members.push({ ...base, kind });
      return undefined;
    }
    if (params === undefined) {
      members.push({ ...base, kind });
      return undefined;
    }
    if (kind === 'symlink' && entry.declaredSize > MAX_LINK_TARGET) {
      findings.add('ZIP_MALFORMED', `symbolic link ${showName(name)} has a ${entry.declaredSize}-byte target`);
      members.push({ ...base, kind });
      return undefined;
    }
    let outcome: ExtractOutcome;
    if (shared !== undefined) {
      ctx.budget.chargeBytes(shared.length);
      outcome = { status: 'ok', content: shared };
    } else {
      outcome = extractor.extract(params, name);
    }
    if (outcome.status !== 'ok') {
      if (outcome.status === 'locked') locked.push(name);
      members.push({ ...base, kind });
      return undefined;
    }
    if (outcome.password !== undefined) opened[outcome.password]++;
    const fromMessage = outcome.password === 'message' ? { openedWithPassword: true } : {};
    if (kind === 'symlink') {
      members.push({ ...base, kind, linkTarget: decodeName(outcome.content, params.flags), ...fromMessage });
    } else {
      members.push({ ...base, kind, content: outcome.content, ...fromMessage });
    }
    return outcome.content;
  };

  const emitEntry = (entry: ZipEntry): void => {
    if (entry.sharesDataWith !== undefined) {
      // Same bytes as an earlier entry (overlap bomb): listed by name, its content is analysed once.
      const key = `${entry.localOffset}|${entry.name}|shared`;
      if (emitted.has(key)) return;
      emitted.add(key);
      ctx.budget.chargeEntry();
      members.push({ name: entry.name, kind: entry.kind, declaredSize: entry.declaredSize, compressedSize: entry.compressedSize, ...(entry.encrypted ? { encrypted: true } : {}) });
      return;
    }
    const content = emit(entry, entry.name, entry.params);
    for (const alias of entry.aliases) {
      const params = alias.params ?? entry.params;
      emit(entry, alias.name, params, alias.params === undefined ? content : undefined);
    }
  };

  for (const reading of layout.readings) for (const entry of reading.entries) emitEntry(entry);
  for (const entry of layout.orphans) emitEntry(entry);
  for (const blob of layout.blobs) {
    const content = buf.subarray(blob.start, blob.end);
    ctx.budget.chargeEntry();
    ctx.budget.checkMember(content.length, content.length);
    ctx.budget.chargeBytes(content.length);
    members.push({ name: blob.name, kind: 'file', content, declaredSize: content.length });
  }
  reportEncryption(findings, locked, opened, ctx.passwords.length);
  return { members, findings: findings.list() };
}

function reportEncryption(findings: ZipFindingList, locked: readonly string[], opened: { message: number; empty: number }, passwordCount: number): void {
  if (locked.length > 0) {
    const names = locked.slice(0, MAX_LOCKED_SHOWN).map(showName).join(', ');
    const more = locked.length > MAX_LOCKED_SHOWN ? ` and ${locked.length - MAX_LOCKED_SHOWN} more` : '';
    const why = passwordCount === 0 ? 'no password quoted in the message' : `none of the ${passwordCount} passwords quoted in the message opens them`;
    findings.add('ENCRYPTED_ARCHIVE', `${locked.length} encrypted members not scanned (${why}): ${names}${more}`);
  }
  if (opened.message > 0) findings.add('ENCRYPTED_ARCHIVE_OPENED', `${opened.message} encrypted members opened with a password quoted in the message`);
  if (opened.empty > 0) findings.add('ENCRYPTED_ARCHIVE_OPENED', `${opened.empty} encrypted members opened with an empty password`);
}

function asBuffer(content: Uint8Array): NodeBuffer {
  return Buffer.isBuffer(content) ? content : Buffer.from(content.buffer, content.byteOffset, content.length);
}
