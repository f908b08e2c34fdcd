/**
 * Shortcut engine: a .lnk is a command line in disguise. It reports
 * shortcuts that start an interpreter or a download/run tool, arguments
 * padded out of sight, targets on remote shares and document icons.
 * Reports only; policy decides.
 */
import { escapeForDisplay } from '../../../core/index.js';
import type { Finding } from '../../../core/index.js';
import type { Engine, EngineSubject } from '../../engine.js';
import { createLnkFinding } from './findings.js';
import { isShellLink, parseShellLink } from './parse-lnk.js';
import { DECOY_ICON_EXTENSIONS, LNK_COMMAND_PROGRAMS, PADDING_RUN, PROGRAM_EXTENSIONS, VISIBLE_ARGUMENT_CHARS } from './tables.js';

// A program named inside an argument string: `... cmd /c`, `"powershell.exe" -e`, `\mshta http...`.
const PROGRAM_IN_TEXT = /(?:^|[\s"'`&|;(,=\\/])([a-z0-9_]+)(?:\.(exe|com))?(?=[\s"'`&|;),]|$)/gi;
const DETAIL_CHARS = 300;

/** Creates the shortcut engine (stateless). Looks at content only: a renamed .lnk is still a .lnk. */
export function createLnkEngine(): Engine {
  return { name: 'lnk', inspect: inspectShortcut };
}

function inspectShortcut({ artifact, content }: EngineSubject): Finding[] {
  if (!isShellLink(content)) return [];
  const link = parseShellLink(content);
  const path = artifact.path;
  const findings: Finding[] = [];
  const args = link.arguments ?? '';
  const shownArgs = args === '' ? '' : ` with arguments "${escapeForDisplay(args.replace(/\s{2,}/g, ' ').trim(), DETAIL_CHARS)}"`;

  const programs = new Set<string>();
  for (const [candidate, requireExtension] of [...link.targets.map((t) => [t, false] as const), ...link.idListStrings.map((s) => [s, true] as const)]) {
    const program = programOfPath(candidate, requireExtension);
    if (program !== undefined) programs.add(program);
  }
  for (const match of args.matchAll(PROGRAM_IN_TEXT)) {
    const name = match[1]?.toLowerCase() ?? '';
    if (LNK_COMMAND_PROGRAMS.has(name)) programs.add(name);
  }
  const target = link.targets[0] ?? link.idListStrings.find((s) => programOfPath(s, true) !== undefined) ?? '(no path)';
  if (programs.size > 0) {
    findings.push(createLnkFinding('LNK_COMMAND', `shortcut runs ${[...programs].join(', ')}: target "${escapeForDisplay(target, 200)}"${shownArgs}`, path));
  }
  const padding = longestBlankRun(args) >= PADDING_RUN;
  if (args.length > VISIBLE_ARGUMENT_CHARS || padding) {
    const why = padding ? `padded with a run of ${PADDING_RUN}+ blanks` : `${args.length} characters long`;
    findings.push(createLnkFinding('LNK_LONG_ARGUMENTS', `arguments are ${why}, hiding them from the Properties dialog${shownArgs}`, path));
  }
  const remote = link.networkShare ?? link.targets.find((t) => /^(\\\\|\/\/)/.test(t));
  if (remote !== undefined) findings.push(createLnkFinding('LNK_REMOTE_TARGET', `target lies on a remote share "${escapeForDisplay(remote, 200)}"`, path));
  const icon = link.iconLocation ?? '';
  const iconExtension = /\.([a-z0-9]{1,5})$/i.exec(icon.trim())?.[1]?.toLowerCase();
  if (iconExtension !== undefined && DECOY_ICON_EXTENSIONS.has(iconExtension)) {
    findings.push(createLnkFinding('LNK_DECOY_ICON', `shortcut borrows the icon of a document "${escapeForDisplay(icon, 200)}"`, path));
  }
  if (link.problems.length > 0) findings.push(createLnkFinding('LNK_MALFORMED', `malformed shortcut: ${link.problems.join('; ')}`, path));
  return findings;
}

/** The command program a path names (`C:\Windows\System32\cmd.exe` -> `cmd`), if it is in the table. */
function programOfPath(path: string, requireExtension: boolean): string | undefined {
  const base = path.trim().replace(/^"|"$/g, '').split(/[\\/]/).pop()?.toLowerCase() ?? '';
  const dot = base.lastIndexOf('.');
  const name = dot < 0 ? base : base.slice(0, dot);
  const extension = dot < 0 ? '' : base.slice(dot + 1);
  // Shell item strings include folder names (`node`, `java`): only a file name with an extension counts there.
  if (requireExtension && extension === '') return undefined;
  return LNK_COMMAND_PROGRAMS.has(name) && PROGRAM_EXTENSIONS.has(extension) ? name : undefined;
}

/** Length of the longest run of whitespace (counted by hand: a `{40,}` regex overflows V8's stack on huge input). */
function longestBlankRun(text: string): number {
  let longest = 0;
  let current = 0;
  for (const ch of text) {
    current = /\s/.test(ch) ? current + 1 : 0;
    if (current > longest) longest = current;
  }
  return longest;
}
