/**
 * Indicator loaders: CSV feeds and plain lists. Loaders never throw on bad
 * data: each bad line is reported with its line number and reason, and the
 * good lines are kept, so one typo does not drop a whole feed.
 */
import type { Severity } from '../core/index.js';
import { SEVERITIES } from '../core/index.js';
import { inferIndicatorType, normaliseValue } from './normalise.js';
import type { Indicator, IndicatorType, LoadError, LoadResult } from './types.js';
import { INDICATOR_TYPES } from './types.js';

// A CSV line longer than this is not an indicator (URLs are capped at 2 KB, plus a description).
const MAX_LINE_CHARS = 8192;
// Reported errors per file: a wrong file (a binary, a HTML error page) must not produce a million errors.
const MAX_ERRORS = 1000;

export const CSV_COLUMNS = ['type', 'value', 'source', 'confidence', 'severity', 'expires', 'description'] as const;
/** Columns a header may add (the database snapshot writes them); files without them load as before. */
export const CSV_OPTIONAL_COLUMNS = ['actor', 'campaign', 'first_seen', 'last_seen'] as const;
type CsvColumn = (typeof CSV_COLUMNS)[number] | (typeof CSV_OPTIONAL_COLUMNS)[number];

export interface LoadOptions {
  /** File name used in errors and as the default source. */
  readonly file?: string;
  /** Source when the line has none; defaults to `file`, then `local`. */
  readonly source?: string;
  /** Defaults for lines that leave them empty (plain lists always use them). */
  readonly confidence?: number;
  readonly severity?: Severity;
}

export interface PlainListOptions extends LoadOptions {
  /** Type of every value; when absent each value's type is inferred (hashes, IPs, URLs, emails, domains). */
  readonly type?: IndicatorType;
  readonly description?: string;
}

const DEFAULT_CONFIDENCE = 80;
const DEFAULT_SEVERITY: Severity = 'high';

interface ErrorSink {
  readonly errors: LoadError[];
  add(line: number, reason: string): void;
}

function createErrorSink(file: string | undefined): ErrorSink {
  const errors: LoadError[] = [];
  return {
    errors,
    add(line, reason) {
      if (errors.length < MAX_ERRORS) errors.push(file === undefined ? { line, reason } : { file, line, reason });
      else if (errors.length === MAX_ERRORS) errors.push({ ...(file === undefined ? {} : { file }), line, reason: 'too many errors; later ones not reported' });
    },
  };
}

/** Splits text into lines (LF or CRLF), numbered from 1. */
function* lines(text: string): Generator<[number, string]> {
  let start = 0;
  let n = 0;
  while (start <= text.length) {
    let end = text.indexOf('\n', start);
    if (end < 0) end = text.length;
    n++;
    const line = text.slice(start, end > start && text[end - 1] === '\r' ? end - 1 : end);
    yield [n, line];
    start = end + 1;
  }
}

/** Splits one CSV line (RFC 4180 quoting: `"a, b"`, `""` for a quote); undefined on a broken quote. */
export function splitCsvLine(line: string): string[] | undefined {
  const fields: string[] = [];
  let i = 0;
  for (;;) {
    if (line[i] === '"') {
      let value = '';
      i++;
      for (;;) {
        const q = line.indexOf('"', i);
        if (q < 0) return undefined;
        value += line.slice(i, q);
        if (line[q + 1] === '"') {
          value += '"';
          i = q + 2;
          continue;
        }
        i = q + 1;
        break;
      }
      fields.push(value);
      if (i === line.length) return fields;
      if (line[i] !== ',') return undefined;
      i++;
    } else {
      const comma = line.indexOf(',', i);
      const value = comma < 0 ? line.slice(i) : line.slice(i, comma);
      if (value.includes('"')) return undefined;
      fields.push(value);
      if (comma < 0) return fields;
      i = comma + 1;
    }
  }
}

function parseConfidence(text: string, fallback: number): number | undefined {
  if (text === '') return fallback;
  if (!/^\d{1,3}$/u.test(text)) return undefined;
  const n = Number(text);
  return n <= 100 ? n : undefined;
}

function isSeverity(text: string): text is Severity {
  return (SEVERITIES as readonly string[]).includes(text);
}

function isIndicatorType(text: string): text is IndicatorType {
  return (INDICATOR_TYPES as readonly string[]).includes(text);
}

/**
 * Parses a CSV feed. The first non-comment line is the header and must hold
 * the columns `type,value,source,confidence,severity,expires,description`
 * (any order), and may add `actor,campaign,first_seen,last_seen` (ISO 8601). Empty source/confidence/severity take the options' defaults;
 * `expires` is an ISO 8601 date or empty. Lines starting with `#` and blank
 * lines are skipped.
 */
export function parseIndicatorCsv(text: string, options: LoadOptions = {}): LoadResult {
  const sink = createErrorSink(options.file);
  const indicators: Indicator[] = [];
  const source = options.source ?? options.file ?? 'local';
  let columns: Map<string, number> | undefined;
  for (const [n, line] of lines(text)) {
    if (line.trim() === '' || line.startsWith('#')) continue;
    if (line.length > MAX_LINE_CHARS) {
      sink.add(n, `line longer than ${MAX_LINE_CHARS} characters`);
      continue;
    }
    const fields = splitCsvLine(line);
    if (!fields) {
      sink.add(n, 'unbalanced quotes');
      continue;
    }
    if (!columns) {
      const names = fields.map((f) => f.trim().toLowerCase());
      const missing = CSV_COLUMNS.filter((c) => !names.includes(c));
      const known = (name: string): boolean => (CSV_COLUMNS as readonly string[]).includes(name) || (CSV_OPTIONAL_COLUMNS as readonly string[]).includes(name);
      if (missing.length > 0 || !names.every(known) || new Set(names).size !== names.length) {
        sink.add(n, `header must be ${CSV_COLUMNS.join(',')} (optionally also ${CSV_OPTIONAL_COLUMNS.join(',')})`);
        return { indicators, errors: sink.errors };
      }
      columns = new Map(names.map((name, i) => [name, i]));
      continue;
    }
    if (fields.length !== columns.size) {
      sink.add(n, `expected ${columns.size} fields, got ${fields.length}`);
      continue;
    }
    const cols = columns;
    const field = (name: CsvColumn): string => (fields[cols.get(name) ?? -1] ?? '').trim();
    const type = field('type').toLowerCase();
    if (!isIndicatorType(type)) {
      sink.add(n, `unknown type "${type.slice(0, 40)}"`);
      continue;
    }
    const normal = normaliseValue(type, field('value'));
    if (!normal.ok) {
      sink.add(n, normal.reason);
      continue;
    }
    const confidence = parseConfidence(field('confidence'), options.confidence ?? DEFAULT_CONFIDENCE);
    if (confidence === undefined) {
      sink.add(n, 'confidence must be an integer 0-100');
      continue;
    }
    const severity = field('severity').toLowerCase() || (options.severity ?? DEFAULT_SEVERITY);
    if (!isSeverity(severity)) {
      sink.add(n, `severity must be one of ${SEVERITIES.join(', ')}`);
      continue;
    }
    const expires = field('expires');
    const expiresAt = expires === '' ? undefined : Date.parse(expires);
    if (expiresAt !== undefined && Number.isNaN(expiresAt)) {
      sink.add(n, 'expires is not an ISO 8601 date');
      continue;
    }
    const seen = (name: 'first_seen' | 'last_seen'): number | undefined | false => {
      const text = field(name);
      if (text === '') return undefined;
      const ms = Date.parse(text);
      return Number.isNaN(ms) ? false : ms;
    };
    const firstSeen = seen('first_seen');
    const lastSeen = seen('last_seen');
    if (firstSeen === false || lastSeen === false) {
      sink.add(n, `${firstSeen === false ? 'first_seen' : 'last_seen'} is not an ISO 8601 date`);
      continue;
    }
    const description = field('description');
    const actor = field('actor');
    const campaign = field('campaign');
    indicators.push({
      value: normal.value,
      type,
      source: field('source') || source,
      confidence,
      severity,
      ...(expiresAt === undefined ? {} : { expiresAt }),
      ...(firstSeen === undefined ? {} : { firstSeen }),
      ...(lastSeen === undefined ? {} : { lastSeen }),
      ...(actor === '' ? {} : { actor }),
      ...(campaign === '' ? {} : { campaign }),
      ...(description === '' ? {} : { description }),
    });
  }
  if (!columns) sink.add(1, 'no header line');
  return { indicators, errors: sink.errors };
}

/**
 * Parses a plain list: one value per line, `#` starts a comment (whole line or
 * after the value), blank lines skipped. The type is `options.type` or inferred.
 */
export function parsePlainList(text: string, options: PlainListOptions = {}): LoadResult {
  const sink = createErrorSink(options.file);
  const indicators: Indicator[] = [];
  const source = options.source ?? options.file ?? 'local';
  const confidence = options.confidence ?? DEFAULT_CONFIDENCE;
  const severity = options.severity ?? DEFAULT_SEVERITY;
  for (const [n, line] of lines(text)) {
    // Subjects and file names may contain `#`: only whole-line comments for them.
    const free = options.type === 'subject' || options.type === 'filename';
    const hash = free ? (line.trimStart().startsWith('#') ? 0 : -1) : line.indexOf('#');
    const raw = (hash < 0 ? line : line.slice(0, hash)).trim();
    if (raw === '') continue;
    if (raw.length > MAX_LINE_CHARS) {
      sink.add(n, `line longer than ${MAX_LINE_CHARS} characters`);
      continue;
    }
    const type = options.type ?? inferIndicatorType(raw);
    if (!type) {
      sink.add(n, 'cannot infer the indicator type');
      continue;
    }
    const normal = normaliseValue(type, raw);
    if (!normal.ok) {
      sink.add(n, normal.reason);
      continue;
    }
    indicators.push({
      value: normal.value,
      type,
      source,
      confidence,
      severity,
      ...(options.description === undefined ? {} : { description: options.description }),
    });
  }
  return { indicators, errors: sink.errors };
}
