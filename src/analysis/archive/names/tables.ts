/**
 * Detection data for archive member names (CVE-2023-2868 class). Edit here,
 * not in the code. FINDINGS.md in this folder explains the calibration.
 */

/** A sign that is enough on its own: legitimate archives do not produce it. */
export interface NamePattern {
  readonly pattern: RegExp;
  readonly why: string;
}

// Commands an injected name runs after `;`, `|`, `&&` or inside `$(...)`. Whole words only.
export const SHELL_COMMANDS: readonly string[] = [
  'sh', 'bash', 'dash', 'zsh', 'ksh', 'csh', 'tcsh', 'ash', 'busybox',
  'echo', 'printf', 'cat', 'id', 'whoami', 'uname', 'hostname', 'touch', 'rm', 'cp', 'mv', 'ln', 'mkdir',
  'chmod', 'chown', 'wget', 'curl', 'tftp', 'ftp', 'nc', 'ncat', 'netcat', 'socat', 'telnet', 'ssh', 'scp',
  'python', 'python2', 'python3', 'perl', 'ruby', 'php', 'lua', 'node', 'base64', 'openssl', 'xxd',
  'mkfifo', 'setsid', 'nohup', 'kill', 'pkill', 'killall', 'ps', 'crontab', 'tar', 'gzip', 'gunzip', 'dd',
  'eval', 'exec', 'source', 'export', 'env', 'unset', 'sleep', 'reboot', 'shutdown', 'ping', 'awk', 'sed',
  'grep', 'xargs', 'sudo', 'su', 'mount', 'iptables', 'useradd', 'passwd', 'tee', 'nslookup', 'dig',
];

const COMMANDS = SHELL_COMMANDS.join('|');

/** Each of these alone makes a name ARCHIVE_NAME_SHELL_META. */
export const STRONG_PATTERNS: readonly NamePattern[] = [
  { pattern: /`/u, why: 'a backtick (command substitution)' },
  { pattern: /\$\(/u, why: '$( (command substitution)' },
  { pattern: /\$\{/u, why: '${ (parameter expansion)' },
  { pattern: /\$IFS\b/u, why: '$IFS (a space substitute in injected commands)' },
  // No archiver writes CR, LF, TAB, NUL or other C0 controls into a name; a shell splits commands on them.
  { pattern: /[\u0000-\u001f\u007f]/u, why: 'a control character (command separator)' },
  // Closing a quote and chaining a command: the classic breakout from a quoted argument.
  { pattern: /['"]\s*(?:;|\||&|\$\(|`)/u, why: 'a quote closed and a command chained' },
  { pattern: new RegExp(`(?:;|\\|\\|?|&&?)\\s*(?:[./\\w-]*/)?(?:${COMMANDS})(?![\\w.-])`, 'iu'), why: 'a command chained after a shell operator' },
  { pattern: /(?:;|\||&|>|<)\s*\/(?:bin|sbin|tmp|dev|etc|usr|var|proc|home|root)\//iu, why: 'a shell operator followed by a system path' },
  { pattern: /\d?>&\d|>\s*\/dev\/|\/dev\/(?:tcp|udp)\//iu, why: 'a shell redirection' },
];

/**
 * Phrases typical of injected commands and implant launchers (THREAT.md).
 * Secondary signal: they count only together with a shell-special character,
 * so a document called "curl vs wget.pdf" stays clean.
 */
export const COMMAND_PHRASES: readonly NamePattern[] = [
  { pattern: /\bbase64\s+(?:-d|--decode|-D)\b/iu, why: 'base64 -d' },
  { pattern: /\|\s*(?:ba|da|z|k)?sh\b/iu, why: '| sh' },
  { pattern: /\b(?:ba)?sh\s+-[ci]\b/iu, why: 'sh -c' },
  { pattern: /\bmkfifo\b/iu, why: 'mkfifo' },
  { pattern: /\bsetsid\b/iu, why: 'setsid' },
  { pattern: /\bopenssl\s+(?:s_client|enc|aes|base64|des)/iu, why: 'openssl' },
  { pattern: /\b(?:wget|curl)\b/iu, why: 'wget/curl' },
  { pattern: /\bnc\s+-[a-z]*[elv]/iu, why: 'nc -e' },
  { pattern: /\bchmod\s+(?:\+x|[0-7]{3,4})\b/iu, why: 'chmod' },
  { pattern: /\b(?:python[0-9.]*|perl|ruby|php)\s+-[ec]\b/iu, why: 'an interpreter one-liner' },
  { pattern: /\/bin\/(?:ba)?sh\b/iu, why: '/bin/sh' },
  { pattern: /\brm\s+-[rf]/iu, why: 'rm -rf' },
  { pattern: /\bxxd\s+-r\b/iu, why: 'xxd -r' },
  { pattern: /\bnohup\b/iu, why: 'nohup' },
  { pattern: /\bbusybox\b/iu, why: 'busybox' },
];

/** Shell-special characters; alone they are only ARCHIVE_NAME_SHELL_CHARS. `'`, `&`, `(`, `)` are not here: real names use them. */
export const SHELL_SPECIAL = /[;|<>"\\$]/u;

/** Any shell-special character, for the command-phrase rule (here `'` and `&` count). */
export const ANY_SHELL_META = /[;|<>"'\\$&`]/u;

// Base64 runs: the CVE-2023-2868 payloads were `echo <base64> | base64 -d | sh`.
export const BASE64_RUN = /[A-Za-z0-9+/]{40,}={0,2}/gu;
/** A run at least this long without any separator is not a name a person wrote. */
export const OPAQUE_RUN_CHARS = 64;
/** Share of printable ASCII in a decoded run above which it is text (a command), not chance. */
export const PRINTABLE_SHARE = 0.9;

/** Names are examined up to this many characters (bounds the regex work); longer is ARCHIVE_NAME_TOO_LONG. */
export const MAX_NAME_CHARS = 4096;
