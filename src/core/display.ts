/**
 * Attacker-controlled strings (file names, headers, HELO) are data. Before
 * they appear in a log line, a finding or a terminal they are escaped so that
 * control characters, bidi overrides and quotes are visible, not interpreted.
 */
export function escapeForDisplay(value: string, maxLength = 256): string {
  let out = '';
  for (const ch of value) {
    const cp = ch.codePointAt(0) ?? 0;
    if (cp < 0x20 || cp === 0x7f || (cp >= 0x80 && cp < 0xa0)) {
      out += `\\x${cp.toString(16).padStart(2, '0')}`;
    } else if ((cp >= 0x202a && cp <= 0x202e) || (cp >= 0x2066 && cp <= 0x2069) || cp === 0x200e || cp === 0x200f) {
      // Bidi controls let `exe.pdf` render as something else (RLO trick).
      out += `\\u{${cp.toString(16)}}`;
    } else if (ch === '\\') {
      out += '\\\\';
    } else {
      out += ch;
    }
    if (out.length >= maxLength) return `${out.slice(0, maxLength)}…`;
  }
  return out;
}
