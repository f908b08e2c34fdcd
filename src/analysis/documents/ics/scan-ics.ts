/**
 * Calendar invites (RFC 5545): unfolds content lines, counts the links an
 * invite carries in any property (DESCRIPTION, LOCATION, URL, ATTACH, ...),
 * and yields inline binary attachments (`ATTACH;VALUE=BINARY;ENCODING=BASE64`)
 * as members. Invites are auto-added to calendars, so their links reach the
 * reader without the message being opened.
 */
import { Buffer } from 'node:buffer';
import { escapeForDisplay } from '../../../core/index.js';
import type { Finding } from '../../../core/index.js';
import type { ExpansionBudget } from '../../dissect/budget.js';
import type { DissectResult, Member } from '../../dissect/dissector.js';
import { createIcsFinding } from './findings.js';

// Invites hold tens of lines; a calendar export a few thousand events. Beyond this it is not an invite.
const MAX_LINES = 200_000;
const MAX_LISTED = 3;
const URL_PATTERN = /\b(?:https?|ftp|file):\/\/[^\s"'<>\\,;]+/gi;
const PARAM_END = /[;:]/g;
const NAME_PARAMS = ['X-FILENAME', 'FILENAME', 'X-APPLE-FILENAME', 'X-ORACLE-FILENAME'];

/** True for an iCalendar object (`BEGIN:VCALENDAR` first, after a BOM or blank lines). */
export function isCalendar(content: Uint8Array): boolean {
  const head = Buffer.from(content.buffer, content.byteOffset, Math.min(content.length, 256)).toString('utf8');
  return /^\ufeff?\s*begin:vcalendar\s*$/im.test(head.split(/\r?\n/).find((l) => l.trim() !== '') ?? '');
}

interface ContentLine {
  readonly name: string;
  readonly params: ReadonlyMap<string, string>;
  readonly value: string;
}

/** Scans one calendar object. */
export function scanCalendar(content: Uint8Array, path: string, budget: ExpansionBudget): DissectResult {
  const text = Buffer.from(content.buffer, content.byteOffset, content.length).toString('utf8');
  // RFC 5545 3.1: a CRLF followed by one space or tab continues the line.
  const unfolded = text.replace(/\r?\n[ \t]/g, '');
  const lines = unfolded.split(/\r?\n/);
  const urls = new Set<string>();
  const members: Member[] = [];
  const attachmentTypes: string[] = [];
  const problems: string[] = [];
  if (lines.length > MAX_LINES) problems.push(`more than ${MAX_LINES} lines, the rest was not inspected`);
  let sawEnd = false;
  for (const raw of lines.slice(0, MAX_LINES)) {
    if (raw.trim() === '') continue;
    const line = parseContentLine(raw);
    if (line === undefined) {
      if (problems.length < MAX_LISTED) problems.push(`line without a colon: "${escapeForDisplay(raw, 60)}"`);
      continue;
    }
    if (line.name === 'END' && line.value.trim().toUpperCase() === 'VCALENDAR') sawEnd = true;
    const inline = line.name === 'ATTACH' && (line.params.get('VALUE')?.toUpperCase() === 'BINARY' || line.params.get('ENCODING')?.toUpperCase() === 'BASE64');
    if (inline) {
      const clean = line.value.replace(/\s+/g, '');
      budget.chargeEntry();
      budget.chargeBytes(Math.ceil((clean.length * 3) / 4));
      const name = NAME_PARAMS.map((p) => line.params.get(p)).find((n) => n !== undefined && n !== '') ?? `ics-attachment-${members.length + 1}.bin`;
      members.push({ name, kind: 'file', content: Buffer.from(clean, 'base64') });
      attachmentTypes.push(line.params.get('FMTTYPE') ?? 'unknown type');
      continue;
    }
    for (const match of unescapeText(line.value).matchAll(URL_PATTERN)) urls.add(match[0]);
  }
  if (!sawEnd) problems.push('no END:VCALENDAR (truncated?)');

  const findings: Finding[] = [];
  if (urls.size > 0) {
    const hosts = [...new Set([...urls].map(hostOf))].slice(0, MAX_LISTED).map((h) => escapeForDisplay(h, 80));
    findings.push(createIcsFinding('ICS_LINK', `invite carries ${urls.size} link(s) (hosts ${hosts.join(', ')})`, path));
  }
  if (members.length > 0) {
    const names = members.slice(0, MAX_LISTED).map((m, i) => `"${escapeForDisplay(m.name, 80)}" (${escapeForDisplay(attachmentTypes[i] ?? '', 60)})`);
    findings.push(createIcsFinding('ICS_ATTACHMENT', `invite embeds ${members.length} file(s): ${names.join(', ')}`, path));
  }
  if (problems.length > 0) findings.push(createIcsFinding('ICS_MALFORMED', `malformed: ${problems.join('; ')}`, path));
  return { members, findings };
}

/** `NAME;P1=V1;P2="V;2":value` (RFC 5545 3.1); parameter values may be quoted. */
function parseContentLine(line: string): ContentLine | undefined {
  const params = new Map<string, string>();
  const nameMatch = /^[A-Za-z0-9-]+/.exec(line);
  if (nameMatch === null) return undefined;
  let k = nameMatch[0].length;
  while (line[k] === ';') {
    const eq = line.indexOf('=', k);
    if (eq < 0) return undefined;
    const key = line.slice(k + 1, eq).toUpperCase();
    k = eq + 1;
    let value = '';
    if (line[k] === '"') {
      const close = line.indexOf('"', k + 1);
      if (close < 0) return undefined;
      value = line.slice(k + 1, close);
      k = close + 1;
    } else {
      PARAM_END.lastIndex = k;
      const stop = PARAM_END.exec(line);
      if (stop === null) return undefined;
      value = line.slice(k, stop.index);
      k = stop.index;
    }
    if (!params.has(key)) params.set(key, value);
  }
  if (line[k] !== ':') return undefined;
  return { name: nameMatch[0].toUpperCase(), params, value: line.slice(k + 1) };
}

/** TEXT value escapes (RFC 5545 3.3.11): `\n`, `\,`, `\;`, `\\`. */
function unescapeText(value: string): string {
  return value.replace(/\\([nN,;\\])/g, (_, ch: string) => (ch === 'n' || ch === 'N' ? '\n' : ch));
}

function hostOf(url: string): string {
  return /^[a-z]+:\/\/([^/?#]*)/i.exec(url)?.[1] ?? url;
}
