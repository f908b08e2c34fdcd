/**
 * Indicator file import shared by the front ends: a file's text becomes the
 * rows to store plus every problem (STIX object id or CSV line), so the CLI
 * and the API report the same things for the same file. The format comes from
 * the name: `.json` is a STIX 2.1 bundle, `.csv` the indicator CSV; anything
 * else is refused with the reason rather than guessed.
 */
import { basename, extname } from 'node:path';
import { MoatError } from '../core/index.js';
import { IntelFileTooLargeError, parseIndicatorCsv, parseStixBundle, readIndicatorFile, type Indicator, type StixContext } from '../intel/index.js';
import { MAX_UPSERT_ROWS, type IndicatorInput, type IndicatorsStore } from '../storage/index.js';

/** One part of a file that was not loaded: a STIX object id or a CSV line number, and why. */
export interface IndicatorFileProblem {
  readonly object?: string;
  readonly line?: number;
  readonly reason: string;
}

export type IndicatorFormat = 'stix' | 'csv';

export type ParsedIndicatorFile =
  | { readonly ok: true; readonly format: IndicatorFormat; readonly rows: readonly IndicatorInput[]; readonly problems: readonly IndicatorFileProblem[]; readonly context?: StixContext }
  | { readonly ok: false; readonly refused: string; readonly problems: readonly IndicatorFileProblem[] };

export interface ParseIndicatorOptions {
  /** Source of indicators that name none (STIX: all of them); default the file's base name. */
  readonly source?: string;
  /** STIX objects per bundle (default 100,000, the most one upsert takes). */
  readonly maxObjects?: number;
}

/** The storage row of a parsed indicator. */
export function toIndicatorInput(i: Indicator): IndicatorInput {
  return {
    type: i.type,
    value: i.value,
    source: i.source,
    confidence: i.confidence,
    severity: i.severity,
    ...(i.description === undefined ? {} : { description: i.description }),
    ...(i.actor === undefined ? {} : { actor: i.actor }),
    ...(i.campaign === undefined ? {} : { campaign: i.campaign }),
    ...(i.expiresAt === undefined ? {} : { expiresAt: i.expiresAt }),
    ...(i.firstSeen === undefined ? {} : { firstSeen: i.firstSeen }),
    ...(i.lastSeen === undefined ? {} : { lastSeen: i.lastSeen }),
  };
}

/** The format a file name says, or undefined. */
export function indicatorFormatOf(name: string): IndicatorFormat | undefined {
  const ext = extname(name).toLowerCase();
  return ext === '.json' ? 'stix' : ext === '.csv' ? 'csv' : undefined;
}

/** Parses an indicator file's text; `name` decides the format. Refused (ok: false) when nothing in it is usable. */
export function parseIndicatorText(name: string, text: string, options: ParseIndicatorOptions = {}): ParsedIndicatorFile {
  const format = indicatorFormatOf(name);
  if (format === undefined) return { ok: false, refused: `${basename(name)}: unknown format "${extname(name) || '(no extension)'}"; use .json for a STIX 2.1 bundle or .csv for the indicator CSV`, problems: [] };
  const source = options.source ?? basename(name);
  let indicators: readonly Indicator[];
  let problems: IndicatorFileProblem[];
  let context: StixContext | undefined;
  if (format === 'csv') {
    const parsed = parseIndicatorCsv(text, { file: basename(name), source });
    indicators = parsed.indicators;
    problems = parsed.errors.map((e) => ({ line: e.line, reason: e.reason }));
  } else {
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch (error) {
      // A wrong file, not a program error: said to the operator, nothing stored.
      return { ok: false, refused: `${basename(name)} is not valid JSON: ${error instanceof Error ? error.message : String(error)}`, problems: [] };
    }
    const parsed = parseStixBundle(json, { source, maxObjects: options.maxObjects ?? MAX_UPSERT_ROWS });
    indicators = parsed.indicators;
    problems = parsed.problems.map((p) => ({ ...(p.object === undefined ? {} : { object: p.object }), reason: p.reason }));
    context = parsed.context;
  }
  if (indicators.length === 0) return { ok: false, refused: `${basename(name)}: no usable indicator; nothing imported`, problems };
  if (indicators.length > MAX_UPSERT_ROWS) return { ok: false, refused: `${basename(name)}: more than ${String(MAX_UPSERT_ROWS)} indicators; split the file`, problems };
  return { ok: true, format, rows: indicators.map(toIndicatorInput), problems, ...(context === undefined ? {} : { context }) };
}

/** Reads (at most `maxBytes`) and parses an indicator file; a file too large is refused, not thrown. */
export async function readIndicatorImport(file: string, options: ParseIndicatorOptions & { readonly maxBytes: number }): Promise<ParsedIndicatorFile> {
  if (indicatorFormatOf(file) === undefined) return parseIndicatorText(file, '', options);
  let text: string;
  try {
    text = await readIndicatorFile(file, options.maxBytes);
  } catch (error) {
    if (error instanceof IntelFileTooLargeError) return { ok: false, refused: `${error.message} (intel.maxFileBytes)`, problems: [] };
    throw error;
  }
  return parseIndicatorText(file, text, options);
}

/** Stores parsed rows in one transaction; INDICATOR_INVALID (a bound only storage knows) refuses the whole file, said so. */
export async function storeIndicatorRows(store: IndicatorsStore, rows: readonly IndicatorInput[], options: { by: string; at: Date }): Promise<{ added: number; updated: number }> {
  try {
    const result = await store.upsert(rows, options);
    return { added: result.added, updated: result.updated };
  } catch (error) {
    if (error instanceof MoatError && error.code === 'INDICATOR_INVALID') throw new MoatError('INDICATOR_INVALID', `${error.message}; nothing imported`, { cause: error });
    throw error;
  }
}
