/**
 * HELO/EHLO arguments that are neither a host name nor an address literal
 * (RFC 5321 4.1.1.1, 4.1.3). SEASIDE (THREAT.md (b)) takes its C2 address
 * from the HELO string and checks it for `.onion`; an argument carrying an
 * onion address or shell syntax is a command, not a broken client. Plain
 * malformations (a bare word, an IP without brackets, an underscore) are
 * common from misconfigured clients and score low.
 */
import { isIPv4, isIPv6 } from 'node:net';
import type { Finding, Severity } from '../core/index.js';
import { escapeForDisplay } from '../core/index.js';

export type HeloProblem =
  | 'onion'
  | 'shell-metacharacter'
  | 'empty'
  | 'whitespace'
  | 'port'
  | 'too-long'
  | 'bad-address-literal'
  | 'bad-character'
  | 'bad-label'
  | 'bare-ip'
  | 'single-label';

interface ProblemSpec {
  readonly score: number;
  readonly severity: Severity;
  readonly text: string;
}

// Scores are data. The quarantine threshold is 15: an onion address or shell
// syntax in HELO is only ever written by an attacker (implant C2, injection).
export const HELO_PROBLEMS: Readonly<Record<HeloProblem, ProblemSpec>> = {
  onion: { score: 15, severity: 'high', text: 'a .onion address (implant C2)' },
  'shell-metacharacter': { score: 15, severity: 'high', text: 'shell metacharacters' },
  empty: { score: 2, severity: 'low', text: 'empty' },
  whitespace: { score: 2, severity: 'low', text: 'whitespace' },
  port: { score: 2, severity: 'low', text: 'a port number' },
  'too-long': { score: 2, severity: 'low', text: 'longer than 255 characters' },
  'bad-address-literal': { score: 2, severity: 'low', text: 'a malformed address literal' },
  'bad-character': { score: 2, severity: 'low', text: 'characters not allowed in a host name' },
  'bad-label': { score: 2, severity: 'low', text: 'an empty, over-long or dash-edged label' },
  'bare-ip': { score: 1, severity: 'low', text: 'an IP address without [brackets]' },
  'single-label': { score: 1, severity: 'low', text: 'a bare word, not a fully qualified name' },
};

// RFC 1035 2.3.4 / RFC 5321 4.5.3.1.2: 255 octets for a name, 63 for a label.
const MAX_NAME_CHARS = 255;
const MAX_LABEL_CHARS = 63;
// Longer arguments are cut before the scan; smtp-server already refuses very long ones.
const MAX_SCANNED_CHARS = 4096;
// What a POSIX shell (or Perl qx / Lua os.execute) would interpret: command
// separators, substitution, redirection, quoting, escaping, grouping, line breaks.
const SHELL_META = /[`$;|&<>'"\\(){}\r\n\t\0]/;
const HOST_LABEL_CHARS = /^[A-Za-z0-9-]+$/;

/** Every problem of one HELO/EHLO argument; empty for a valid host name or address literal. */
export function examineHelo(helo: string): HeloProblem[] {
  const problems = new Set<HeloProblem>();
  if (helo.length > MAX_NAME_CHARS) problems.add('too-long');
  const value = helo.slice(0, MAX_SCANNED_CHARS);
  if (value.trim() === '') return ['empty'];
  if (SHELL_META.test(value)) problems.add('shell-metacharacter');
  if (/\s/.test(value)) problems.add('whitespace');
  // Any label "onion", wherever it sits: `x.onion`, `x.onion.`, `x.onion:443`, `a x.onion`.
  if (/\.onion(?![a-z0-9-])/i.test(value)) problems.add('onion');

  if (value.startsWith('[') || value.endsWith(']')) {
    if (!isAddressLiteral(value)) problems.add('bad-address-literal');
    return [...problems];
  }
  if (isIPv4(value) || isIPv6(value)) {
    problems.add('bare-ip');
    return [...problems];
  }
  let host = value;
  const port = /^(.+):\d{1,5}$/.exec(value);
  if (port?.[1] !== undefined) {
    problems.add('port');
    host = port[1];
    if (isIPv4(host)) return [...problems];
  }
  for (const problem of examineHostName(host)) problems.add(problem);
  return [...problems];
}

/** `[1.2.3.4]` or `[IPv6:...]` (RFC 5321 4.1.3); general address literals are not used on the Internet. */
function isAddressLiteral(value: string): boolean {
  if (!value.startsWith('[') || !value.endsWith(']')) return false;
  const inner = value.slice(1, -1);
  if (isIPv4(inner)) return true;
  return /^ipv6:/i.test(inner) && isIPv6(inner.slice(5));
}

function examineHostName(host: string): HeloProblem[] {
  const problems: HeloProblem[] = [];
  // A trailing dot (absolute name) is harmless.
  const labels = (host.endsWith('.') ? host.slice(0, -1) : host).split('.');
  if (labels.length === 1) problems.push('single-label');
  for (const label of labels) {
    if (label.length === 0 || label.length > MAX_LABEL_CHARS || label.startsWith('-') || label.endsWith('-')) {
      problems.push('bad-label');
      break;
    }
  }
  if (!labels.every((label) => label.length === 0 || HOST_LABEL_CHARS.test(label))) problems.push('bad-character');
  return problems;
}

/**
 * SMTP_HELO_NOT_HOSTNAME for the session's HELO/EHLO argument, at most one
 * finding scored by its worst problem; none for a proper name or literal.
 */
export function heloFindings(helo: string): Finding[] {
  const problems = examineHelo(helo);
  if (problems.length === 0) return [];
  let worst = HELO_PROBLEMS[problems[0] ?? 'empty'];
  for (const problem of problems) if (HELO_PROBLEMS[problem].score > worst.score) worst = HELO_PROBLEMS[problem];
  const reasons = problems.map((p) => HELO_PROBLEMS[p].text).join(', ');
  return [
    {
      engine: 'smtp',
      symbol: 'SMTP_HELO_NOT_HOSTNAME',
      score: worst.score,
      severity: worst.severity,
      detail: `HELO/EHLO argument "${escapeForDisplay(helo, 128)}" is not a host name or address literal: ${reasons}`,
    },
  ];
}
