/**
 * Makes body text safe to show: control characters and bidi controls become
 * visible escapes (as escapeForDisplay does for headers and names), while line
 * breaks and tabs stay, so a text body still reads as text. Bidi overrides
 * and isolates would let `gpj.exe` render as `exe.jpg` or reorder a link's
 * visible host.
 */

// U+202A–U+202E (embeddings, overrides), U+2066–U+2069 (isolates), U+200E/U+200F (marks): as escapeForDisplay.
const BIDI = /[\u202a-\u202e\u2066-\u2069\u200e\u200f]/gu;
// C0 controls except tab and line feed, DEL, and C1 controls.
const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/gu;

/** Replaces bidi controls with a visible `\u{202e}` escape. */
export function neutraliseBidi(value: string): string {
  return value.replace(BIDI, (ch) => `\\u{${(ch.codePointAt(0) ?? 0).toString(16)}}`);
}

/**
 * Body text for display: CRLF and lone CR become LF, other controls a visible
 * `\xNN`, bidi controls a visible `\u{...}`; at most `maxChars` characters
 * (a surrogate pair is never split). Backslashes are left alone: this is
 * display text, not a log line.
 */
export function neutraliseText(value: string, maxChars: number): { text: string; truncated: boolean } {
  const truncated = value.length > maxChars;
  let cut = truncated ? value.slice(0, maxChars) : value;
  // A cut between the halves of a surrogate pair would leave a lone high surrogate.
  const last = cut.charCodeAt(cut.length - 1);
  if (truncated && last >= 0xd800 && last <= 0xdbff) cut = cut.slice(0, -1);
  const text = neutraliseBidi(
    cut.replace(/\r\n?/gu, '\n').replace(CONTROL, (ch) => `\\x${(ch.codePointAt(0) ?? 0).toString(16).padStart(2, '0')}`),
  );
  return { text, truncated };
}
