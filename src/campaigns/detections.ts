/**
 * Which findings are "detections" for campaign clustering: specific ones that name a rule, an
 * indicator, a signature or an exploit technique (a YARA rule match, an IOC match, a ClamAV signature,
 * a CVE-2023-2868-class member name). Generic findings (SPF softfail, spam symbols, BAYES_*, HTML-only,
 * file-type oddities) describe half the mail on the internet and never join messages. Data, not code:
 * README.md lists the table and why each entry is specific.
 */

/** The findings a detection is read from (CampaignMessage.findings). */
export interface DetectionFinding {
  readonly symbol: string;
  readonly detail: string;
  readonly severity: string;
}

// Findings looked at per message, and labels kept: a message with more is hostile, and 32 labels join it already.
const MAX_FINDINGS = 500;
const MAX_LABELS = 32;
// Part of a detail quoted in a label (IOC values, ClamAV signature names are bounded by their engines too).
const MAX_LABEL_VALUE = 200;

/** Engine-level YARA symbols that are not rule matches. */
const YARA_ENGINE_SYMBOLS = new Set(['YARA_MATCH_LIMIT', 'YARA_SCAN_TRUNCATED', 'YARA_FAIL']);

/**
 * Named exploit and threat findings that are specific on their own (the symbol is the label), with the
 * least severity that makes them one (MIME_CONTENT_ID_BLOB: only the bare SKIPJACK shape is high).
 */
export const EXPLOIT_SYMBOLS: Readonly<Record<string, 'medium' | 'high' | 'critical'>> = {
  HASH_BLOCKLISTED: 'high', // the operator's own known-bad list
  ARCHIVE_NAME_SHELL_META: 'high', // CVE-2023-2868: a member name built to run as a command
  OFFICE_NUMFMT_INJECTION: 'high', // CVE-2023-7102: Spreadsheet::ParseExcel number-format injection
  RTF_EXPLOIT_OBJECT_CLASS: 'high', // an OLE class used only by exploits (Equation Editor and kin)
  OFFICE_EQUATION_OBJECT: 'high', // CVE-2017-11882 / CVE-2018-0802
  OFFICE_DANGEROUS_URI: 'high', // ms-msdt: and similar protocol handlers (Follina class)
  MIME_CONTENT_ID_BLOB: 'high', // SKIPJACK command in a Content-ID
  HTML_SMUGGLING: 'high', // a payload assembled in the browser
};

const RANK: Readonly<Record<string, number>> = { info: 0, low: 1, medium: 2, high: 3, critical: 4 };

/** Labels of the specific detections among a message's findings, sorted and distinct. */
export function detectionLabels(findings: readonly DetectionFinding[]): string[] {
  const labels = new Set<string>();
  for (const finding of findings.slice(0, MAX_FINDINGS)) {
    const label = detectionLabel(finding);
    if (label !== undefined) labels.add(label);
    if (labels.size >= MAX_LABELS) break;
  }
  return [...labels].sort();
}

/** The label of one finding, or undefined when the finding is generic. */
export function detectionLabel(finding: DetectionFinding): string | undefined {
  const { symbol, detail } = finding;
  if (symbol.startsWith('YARA_')) return YARA_ENGINE_SYMBOLS.has(symbol) ? undefined : `YARA rule ${symbol.slice('YARA_'.length)}`;
  if (symbol.startsWith('IOC_') && symbol.endsWith('_MATCH')) {
    // indicatorFinding (engines/ioc): `... matches <type> indicator "<value>" from <source> ...`
    const value = /indicator "([^"]{1,1000})"/u.exec(detail)?.[1];
    return value === undefined ? symbol : `${symbol} ${value.slice(0, MAX_LABEL_VALUE)}`;
  }
  if (symbol === 'CLAMAV_VIRUS') {
    const signature = /ClamAV found (.+)$/u.exec(detail)?.[1];
    return `ClamAV ${(signature ?? 'signature').slice(0, MAX_LABEL_VALUE)}`;
  }
  if (symbol === 'ATTACHMENT_IMPLANT_TRIGGER') {
    const trigger = /implant trigger (\S{1,200})$/u.exec(detail)?.[1];
    return trigger === undefined ? symbol : `${symbol} ${trigger}`;
  }
  const least = EXPLOIT_SYMBOLS[symbol];
  if (least !== undefined && (RANK[finding.severity] ?? 0) >= (RANK[least] ?? 0)) return symbol;
  return undefined;
}
