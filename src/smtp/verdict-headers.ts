import type { Verdict } from '../core/index.js';

/** Symbols only, never finding details: details can carry attacker text and header folding is fragile. */
const SYMBOL_IN_REASON = /^([A-Z][A-Z0-9_]*) \(/;
const MAX_REASONS = 20;

/** `X-Moat-*` header lines for a tagged or stripped message (CRLF-terminated, folded under 78 columns). */
export function buildVerdictHeaders(verdict: Verdict): string {
  const symbols: string[] = [];
  for (const reason of verdict.reasons) {
    const match = SYMBOL_IN_REASON.exec(reason);
    if (match?.[1] !== undefined && !symbols.includes(match[1])) symbols.push(match[1]);
    if (symbols.length >= MAX_REASONS) break;
  }
  const lines = [`X-Moat-Verdict: ${verdict.action}`, `X-Moat-Score: ${verdict.score}`];
  if (symbols.length > 0) lines.push(fold('X-Moat-Reasons', symbols));
  // Part paths only: recipients and their mail clients see which attachments went, the notices say why.
  if (verdict.strip !== undefined && verdict.strip.length > 0) lines.push(fold('X-Moat-Stripped', verdict.strip.slice(0, MAX_REASONS).map((s) => s.part)));
  return lines.map((line) => `${line}\r\n`).join('');
}

function fold(name: string, items: readonly string[]): string {
  let out = `${name}:`;
  let lineLength = out.length;
  items.forEach((item, index) => {
    const piece = `${index === 0 ? '' : ','} ${item}`;
    if (lineLength + piece.length > 76) {
      out += `${index === 0 ? '' : ','}\r\n\t${item}`;
      lineLength = item.length + 1;
    } else {
      out += piece;
      lineLength += piece.length;
    }
  });
  return out;
}
