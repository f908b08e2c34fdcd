/** Building office findings from the symbol table, shared by the OLE dissector and the OOXML engine. */
import type { Finding } from '../../../core/index.js';
import { escapeForDisplay } from '../../../core/index.js';
import { analyzeNumberFormat } from './number-format.js';
import type { OfficeSymbol } from './tables.js';
import { OFFICE_SYMBOLS } from './tables.js';

// Examples quoted in one finding; the rest are counted.
const MAX_EXAMPLES = 3;

/** Creates a finding; `detail` must already be escaped where it quotes document data. */
export function createOfficeFinding(engine: string, symbol: OfficeSymbol, detail: string, artifact: string): Finding {
  const { score, severity } = OFFICE_SYMBOLS[symbol];
  return { engine, symbol, score, severity, detail: `part ${artifact}: ${detail}`, artifact };
}

/** Quotes a list of attacker strings for a finding: escaped, shortened, counted past a few. */
export function quoteList(values: readonly string[], maxLength = 80): string {
  const shown = values.slice(0, MAX_EXAMPLES).map((v) => `"${escapeForDisplay(v, maxLength)}"`);
  const more = values.length > MAX_EXAMPLES ? ` and ${values.length - MAX_EXAMPLES} more` : '';
  return `${shown.join(', ')}${more}`;
}

/** Number-format findings (CVE-2023-7101 class) for a list of format codes from `where`. */
export function createFormatFindings(engine: string, formats: Iterable<string>, where: string, artifact: string): Finding[] {
  const injected: string[] = [];
  const malformed: string[] = [];
  const reasons = new Set<string>();
  for (const code of formats) {
    const result = analyzeNumberFormat(code);
    if (result.verdict === 'ok') continue;
    (result.verdict === 'injection' ? injected : malformed).push(code);
    if (result.verdict === 'injection') for (const r of result.reasons) reasons.add(r);
  }
  const findings: Finding[] = [];
  if (injected.length > 0) {
    const why = [...reasons].join('; ');
    findings.push(createOfficeFinding(engine, 'OFFICE_NUMFMT_INJECTION', `number format in ${where} carries code, CVE-2023-7101 class (${why}): ${quoteList(injected)}`, artifact));
  }
  if (malformed.length > 0) {
    findings.push(createOfficeFinding(engine, 'OFFICE_NUMFMT_MALFORMED', `number format in ${where} that Excel would not write: ${quoteList(malformed)}`, artifact));
  }
  return findings;
}
