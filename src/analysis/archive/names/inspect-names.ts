/**
 * Checks the member names of one container, whatever its format: shell
 * injection (CVE-2023-2868), path traversal, links, devices, duplicates and
 * absurd lengths. The pipeline calls it for every container, so dissectors
 * need not. Names are only read here, never used; reasons quote them escaped.
 */
import { Buffer } from 'node:buffer';
import { escapeForDisplay } from '../../../core/index.js';
import type { MemberKind } from '../../dissect/dissector.js';
import type { PipelineSymbol } from '../../findings.js';
import {
  ANY_SHELL_META,
  BASE64_RUN,
  COMMAND_PHRASES,
  MAX_NAME_CHARS,
  OPAQUE_RUN_CHARS,
  PRINTABLE_SHARE,
  SHELL_SPECIAL,
  STRONG_PATTERNS,
} from './tables.js';

export type MemberNameSymbol = Extract<
  PipelineSymbol,
  | 'ARCHIVE_NAME_SHELL_META'
  | 'ARCHIVE_NAME_SHELL_CHARS'
  | 'ARCHIVE_PATH_TRAVERSAL'
  | 'ARCHIVE_LINK_MEMBER'
  | 'ARCHIVE_DUPLICATE_NAME'
  | 'ARCHIVE_DEVICE_MEMBER'
  | 'ARCHIVE_NAME_TOO_LONG'
>;

/** What the name checks need to know about one member. */
export interface NamedMember {
  /** Raw name as stored in the container. */
  readonly name: string;
  readonly kind: MemberKind;
  readonly linkTarget?: string;
  /** Content hash when extracted: two same-named members with equal content are not a trick. */
  readonly sha256?: string;
}

export interface NameIssue {
  readonly symbol: MemberNameSymbol;
  /** Index of the member in the list given. */
  readonly index: number;
  /** Escaped explanation quoting the name. */
  readonly reason: string;
}

export interface ShellVerdict {
  /** `command`: built to run (ARCHIVE_NAME_SHELL_META); `chars`: shell-special characters only. */
  readonly level: 'command' | 'chars';
  readonly why: string;
}

/** Classifies a member name as a shell injection attempt, an oddity, or clean (undefined). */
export function classifyShellName(rawName: string): ShellVerdict | undefined {
  const name = rawName.length > MAX_NAME_CHARS ? rawName.slice(0, MAX_NAME_CHARS) : rawName;
  for (const { pattern, why } of STRONG_PATTERNS) {
    if (pattern.test(name)) return { level: 'command', why };
  }
  const base64 = findEncodedCommand(name);
  if (base64 !== undefined) return { level: 'command', why: base64 };
  if (ANY_SHELL_META.test(name)) {
    const phrase = COMMAND_PHRASES.find(({ pattern }) => pattern.test(name));
    if (phrase !== undefined) return { level: 'command', why: `${phrase.why} with shell-special characters` };
  }
  if (SHELL_SPECIAL.test(name)) return { level: 'chars', why: 'shell-special characters' };
  return undefined;
}

/** Describes why `name` escapes the extraction folder, or undefined when it does not. */
export function describeTraversal(rawName: string): string | undefined {
  for (const form of forms(rawName)) {
    if (form.startsWith('//')) return 'a UNC path';
    if (form.startsWith('/')) return 'an absolute path';
    if (/^[a-z]:/iu.test(form)) return 'a drive letter';
    if (form.split('/').some(isParentSegment)) return 'a ".." segment';
  }
  return undefined;
}

/**
 * The key under which two names land on the same file once extracted:
 * NFC, `/` separators, no `./` or empty segments, case-folded (Windows and
 * macOS file systems ignore case).
 */
export function normaliseMemberName(rawName: string): string {
  return rawName
    .normalize('NFC')
    .replace(/\\/gu, '/')
    .split('/')
    .filter((s) => s !== '' && s !== '.')
    .join('/')
    .toLowerCase();
}

/** Runs every name check over the members of one container. */
export function inspectMemberNames(members: readonly NamedMember[]): NameIssue[] {
  const issues: NameIssue[] = [];
  const seen = new Map<string, { readonly index: number; readonly sha256: string | undefined }>();
  const links = new Set<string>();
  members.forEach((member, index) => {
    const shown = `"${escapeForDisplay(member.name)}"`;
    const add = (symbol: MemberNameSymbol, reason: string): void => {
      issues.push({ symbol, index, reason });
    };
    if (member.name.length > MAX_NAME_CHARS) add('ARCHIVE_NAME_TOO_LONG', `member name of ${member.name.length} characters (over ${MAX_NAME_CHARS}): ${shown}`);
    const shell = classifyShellName(member.name);
    if (shell !== undefined) {
      add(shell.level === 'command' ? 'ARCHIVE_NAME_SHELL_META' : 'ARCHIVE_NAME_SHELL_CHARS', `member name ${shown} holds ${shell.why}`);
    }
    const traversal = describeTraversal(member.name);
    if (traversal !== undefined) add('ARCHIVE_PATH_TRAVERSAL', `member name ${shown} is ${traversal}`);
    const key = normaliseMemberName(member.name.slice(0, MAX_NAME_CHARS));
    if (throughLink(key, links)) add('ARCHIVE_PATH_TRAVERSAL', `member ${shown} is written through a link member`);
    if (member.kind === 'symlink' || member.kind === 'hardlink') {
      const target = member.linkTarget ?? '';
      add('ARCHIVE_LINK_MEMBER', `member ${shown} is a ${member.kind} to "${escapeForDisplay(target)}"`);
      if (linkEscapes(member.name, target, member.kind)) add('ARCHIVE_PATH_TRAVERSAL', `link ${shown} points outside the archive: "${escapeForDisplay(target)}"`);
      links.add(key);
    }
    if (member.kind === 'device' || member.kind === 'fifo') add('ARCHIVE_DEVICE_MEMBER', `member ${shown} is a ${member.kind === 'fifo' ? 'FIFO' : 'device node'}`);
    if (member.kind === 'directory' || key === '') return;
    const earlier = seen.get(key);
    if (earlier === undefined) {
      seen.set(key, { index, sha256: member.sha256 });
    } else if (earlier.sha256 === undefined || earlier.sha256 !== member.sha256) {
      add('ARCHIVE_DUPLICATE_NAME', `member ${shown} repeats the name of member ${earlier.index + 1} with other content`);
    }
  });
  return issues;
}

// The name as written and as NFKC folds it: `．．／` becomes `../` for an extractor that normalises.
function forms(rawName: string): string[] {
  const name = rawName.slice(0, MAX_NAME_CHARS).replace(/\\/gu, '/');
  const folded = name.normalize('NFKC');
  return folded === name ? [name] : [name, folded];
}

// Windows drops trailing dots and spaces from a segment, so `.. .` is `..` there.
function isParentSegment(segment: string): boolean {
  return /^\.\.[. ]*$/u.test(segment);
}

function throughLink(key: string, links: ReadonlySet<string>): boolean {
  if (links.size === 0) return false;
  const segments = key.split('/');
  for (let i = 1; i < segments.length; i++) {
    if (links.has(segments.slice(0, i).join('/'))) return true;
  }
  return false;
}

// A symlink resolves against its own folder, a hard link against the archive root.
function linkEscapes(name: string, target: string, kind: 'symlink' | 'hardlink'): boolean {
  const t = target.slice(0, MAX_NAME_CHARS).replace(/\\/gu, '/').normalize('NFKC');
  if (t.startsWith('/') || /^[a-z]:/iu.test(t)) return true;
  const base = kind === 'symlink' ? name.replace(/\\/gu, '/').split('/').slice(0, -1) : [];
  let depth = 0;
  for (const segment of [...base, ...t.split('/')]) {
    if (segment === '' || segment === '.') continue;
    depth += isParentSegment(segment) ? -1 : 1;
    if (depth < 0) return true;
  }
  return false;
}

// Decodes each long base64-alphabet run; text that decodes to printable ASCII is an encoded command.
function findEncodedCommand(name: string): string | undefined {
  for (const match of name.matchAll(BASE64_RUN)) {
    const run = match[0];
    if (decodesToText(run)) return 'a base64-encoded command';
    const opaque = run.split('/').some((s) => s.length >= OPAQUE_RUN_CHARS && /[A-Z]/u.test(s) && /[a-z]/u.test(s) && /[0-9]/u.test(s));
    if (opaque) return `an opaque run of over ${OPAQUE_RUN_CHARS} base64 characters`;
  }
  return undefined;
}

function decodesToText(run: string): boolean {
  const body = run.replace(/=+$/u, '');
  // The payload may start anywhere in the run (a prefix glued to it): try each 4-character alignment.
  for (let shift = 0; shift < 4; shift++) {
    const slice = body.slice(shift, shift + Math.floor((body.length - shift) / 4) * 4);
    if (slice.length < 32) continue;
    const bytes = Buffer.from(slice, 'base64');
    let printable = 0;
    for (const b of bytes) if ((b >= 0x20 && b < 0x7f) || b === 0x0a || b === 0x09 || b === 0x0d) printable++;
    if (printable / bytes.length >= PRINTABLE_SHARE) return true;
  }
  return false;
}
