/**
 * Indicator file import shared by the front ends: a file's text becomes the
 * rows to store plus every problem (STIX/MISP object id or CSV/list line), so
 * the CLI and the API report the same things for the same input. The format
 * comes from the name: `.json` is a STIX 2.1 bundle or MISP events (told apart
 * by the first bytes), `.csv` the indicator CSV, `.txt`/`.list` a plain list;
 * anything else is refused with the reason rather than guessed. A STIX file is
 * streamed (memory bounded by the largest object, not the file); the others
 * are read whole, at most `intel.maxFileBytes`.
 */
import { createReadStream } from 'node:fs';
import { basename, extname } from 'node:path';
import { MoatError } from '../core/index.js';
import {
  createJsonArrayScanner,
  createStixImport,
  INDICATOR_TYPES,
  IntelFileTooLargeError,
  JsonStreamError,
  parseIndicatorCsv,
  parseMispEvents,
  parsePlainList,
  parseStixBundle,
  readIndicatorFile,
  type Indicator,
  type IndicatorType,
  type LoadError,
  type StixContext,
  type StixProblem,
} from '../intel/index.js';
import { MAX_UPSERT_ROWS, type IndicatorInput, type IndicatorsStore } from '../storage/index.js';

/** One part of a file that was not loaded: a STIX/MISP object id or a CSV/list line number, and why. */
export interface IndicatorFileProblem {
  readonly object?: string;
  readonly line?: number;
  readonly reason: string;
}

export type IndicatorFormat = 'stix' | 'misp' | 'csv' | 'list';

/** What a MISP import counted but did not load on purpose. */
export interface MispCounts {
  readonly contextOnly: number;
  readonly deleted: number;
}

export type ParsedIndicatorFile =
  | {
      readonly ok: true;
      readonly format: IndicatorFormat;
      readonly rows: readonly IndicatorInput[];
      readonly problems: readonly IndicatorFileProblem[];
      readonly context?: StixContext;
      readonly counts?: MispCounts;
    }
  | { readonly ok: false; readonly refused: string; readonly problems: readonly IndicatorFileProblem[] };

export interface ParseIndicatorOptions {
  /** Source of indicators that name none (STIX/MISP/lists: all of them); default the file's base name. */
  readonly source?: string;
  /** STIX objects per bundle (default 100,000 for text in memory, 500,000 for a streamed file). */
  readonly maxObjects?: number;
  /** Plain lists: the type of every value (else each is inferred); must be one of INDICATOR_TYPES. */
  readonly listType?: string;
}

/** A streamed STIX file: each kept indicator costs about 200 bytes, so this bounds the import near 100 MB. */
export const MAX_STREAMED_OBJECTS = 500_000;
/** Read size of a streamed file: the scanner holds one chunk plus the object being read. */
const STREAM_CHUNK_BYTES = 64 * 1024;
/** A STIX object bigger than this is not an indicator feed's (patterns are capped at 16 KiB). */
const MAX_OBJECT_BYTES = 4 * 1024 * 1024;

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

/** What a file name says: `json` (STIX or MISP, told apart by the content), `csv` or `list`; undefined when unknown. */
export function indicatorFileKindOf(name: string): 'json' | 'csv' | 'list' | undefined {
  const ext = extname(name).toLowerCase();
  return ext === '.json' ? 'json' : ext === '.csv' ? 'csv' : ext === '.txt' || ext === '.list' ? 'list' : undefined;
}

/**
 * STIX or MISP from the first bytes of a JSON document: a bundle says `"type": "bundle"` (producers write it
 * first) or opens with its `objects`; MISP exports open with `Event`, `response`, an array or a bare event.
 */
export function sniffJsonFormat(head: string): 'stix' | 'misp' {
  const text = head.replace(/^\uFEFF/u, '').trimStart();
  if (text.startsWith('[')) return 'misp';
  if (!text.startsWith('{')) return 'stix'; // Not JSON at all: the streamed reader says where it breaks.
  const firstKey = /^\{\s*"([^"\\]{0,64})"/u.exec(text)?.[1];
  if (firstKey === 'Event' || firstKey === 'response') return 'misp';
  if (firstKey === 'objects' || /"type"\s*:\s*"bundle"/u.test(text)) return 'stix';
  return 'misp';
}

const problemOf = (p: StixProblem): IndicatorFileProblem => ({ ...(p.object === undefined ? {} : { object: p.object }), reason: p.reason });
const lineProblemOf = (e: LoadError): IndicatorFileProblem => ({ line: e.line, reason: e.reason });
const isIndicatorType = (text: string): text is IndicatorType => (INDICATOR_TYPES as readonly string[]).includes(text);

/** The outcome of a parse: refused when nothing is usable; indicators are already rows (the same fields). */
function conclude(
  label: string,
  format: IndicatorFormat,
  indicators: readonly Indicator[],
  problems: readonly IndicatorFileProblem[],
  extra: { readonly context?: StixContext; readonly counts?: MispCounts } = {},
): ParsedIndicatorFile {
  if (indicators.length === 0) return { ok: false, refused: `${label}: no usable indicator; nothing imported`, problems };
  // An Indicator has the storage row's fields: no copy of a large feed.
  const rows: readonly IndicatorInput[] = indicators;
  return { ok: true, format, rows, problems, ...extra };
}

/**
 * Parses a feed already in memory (an API body, a file read whole). STIX and MISP take the JSON text or its
 * decoded value; `label` names the input in refusals.
 */
export function parseFeed(format: IndicatorFormat, input: unknown, options: ParseIndicatorOptions & { readonly label: string }): ParsedIndicatorFile {
  const { label } = options;
  const source = options.source ?? label;
  if (format === 'csv' || format === 'list') {
    if (typeof input !== 'string') return { ok: false, refused: `${label}: expected text`, problems: [] };
    if (format === 'csv') {
      const parsed = parseIndicatorCsv(input, { file: label, source });
      return conclude(label, format, parsed.indicators, parsed.errors.map(lineProblemOf));
    }
    const type = options.listType;
    if (type !== undefined && !isIndicatorType(type)) return { ok: false, refused: `${label}: unknown indicator type "${type.slice(0, 40)}" (one of ${INDICATOR_TYPES.join(', ')})`, problems: [] };
    const parsed = parsePlainList(input, { file: label, source, ...(type === undefined ? {} : { type }) });
    return conclude(label, format, parsed.indicators, parsed.errors.map(lineProblemOf));
  }
  let json = input;
  if (typeof input === 'string') {
    try {
      json = JSON.parse(input);
    } catch (error) {
      // A wrong file, not a program error: said to the operator, nothing stored.
      return { ok: false, refused: `${label} is not valid JSON: ${error instanceof Error ? error.message : String(error)}`, problems: [] };
    }
  }
  if (format === 'misp') {
    const parsed = parseMispEvents(json, { source });
    return conclude(label, format, parsed.indicators, parsed.problems.map(problemOf), { context: parsed.context, counts: { contextOnly: parsed.counts.contextOnly, deleted: parsed.counts.deleted } });
  }
  const parsed = parseStixBundle(json, { source, maxObjects: options.maxObjects ?? MAX_UPSERT_ROWS });
  return conclude(label, format, parsed.indicators, parsed.problems.map(problemOf), { context: parsed.context });
}

/** Parses an indicator file's text; `name` decides the format (for `.json`, the text: STIX or MISP). */
export function parseIndicatorText(name: string, text: string, options: ParseIndicatorOptions = {}): ParsedIndicatorFile {
  const kind = indicatorFileKindOf(name);
  if (kind === undefined) return unknownFormat(name);
  const format = kind === 'json' ? sniffJsonFormat(text.slice(0, STREAM_CHUNK_BYTES)) : kind;
  return parseFeed(format, text, { ...options, label: basename(name) });
}

function unknownFormat(name: string): ParsedIndicatorFile {
  return {
    ok: false,
    refused: `${basename(name)}: unknown format "${extname(name) || '(no extension)'}"; use .json for a STIX 2.1 bundle or MISP events, .csv for the indicator CSV, or .txt/.list for a plain list`,
    problems: [],
  };
}

/** Reads a file whole (at most `maxBytes`); a file too large is a refusal, not an exception. */
async function readWhole(file: string, maxBytes: number): Promise<string | { refused: string }> {
  try {
    return await readIndicatorFile(file, maxBytes);
  } catch (error) {
    if (error instanceof IntelFileTooLargeError) return { refused: `${error.message} (intel.maxFileBytes)` };
    throw error;
  }
}

/** Streams a STIX bundle file object by object: memory is one chunk, the object being read and the kept results. */
async function streamStixFile(file: string, first: Uint8Array, rest: AsyncIterator<Uint8Array>, options: ParseIndicatorOptions): Promise<ParsedIndicatorFile> {
  const label = basename(file);
  const scanner = createJsonArrayScanner({ key: 'objects', maxElementBytes: MAX_OBJECT_BYTES });
  const stix = createStixImport({ source: options.source ?? label, maxObjects: options.maxObjects ?? MAX_STREAMED_OBJECTS });
  try {
    let chunk: Uint8Array | undefined = first;
    while (chunk !== undefined) {
      for (const element of scanner.push(chunk)) stix.add(element.value, element.index);
      const next = await rest.next();
      chunk = next.done === true ? undefined : next.value;
    }
    const envelope = scanner.end();
    const parsed = stix.finish(envelope);
    return conclude(label, 'stix', parsed.indicators, parsed.problems.map(problemOf), { context: parsed.context });
  } catch (error) {
    // Nothing was stored: the whole file is refused, saying where it breaks and how far it was read.
    if (error instanceof JsonStreamError) return { ok: false, refused: `${label} is not valid JSON: ${error.message} (${String(scanner.count)} object(s) read before it; nothing imported)`, problems: [] };
    throw error;
  }
}

/** Reads and parses an indicator file: STIX streamed, MISP/CSV/lists whole (at most `maxBytes`); refusals are results, not thrown. */
export async function readIndicatorImport(file: string, options: ParseIndicatorOptions & { readonly maxBytes: number }): Promise<ParsedIndicatorFile> {
  const kind = indicatorFileKindOf(file);
  if (kind === undefined) return unknownFormat(file);
  if (kind !== 'json') {
    const text = await readWhole(file, options.maxBytes);
    return typeof text === 'string' ? parseFeed(kind, text, { ...options, label: basename(file) }) : { ok: false, refused: text.refused, problems: [] };
  }
  const stream = createReadStream(file, { highWaterMark: STREAM_CHUNK_BYTES });
  try {
    const chunks = stream[Symbol.asyncIterator]() as AsyncIterator<Uint8Array>; // A stream without an encoding yields Buffers.
    const first = await chunks.next();
    if (first.done === true) return { ok: false, refused: `${basename(file)} is empty; nothing imported`, problems: [] };
    if (sniffJsonFormat(new TextDecoder().decode(first.value)) === 'stix') return await streamStixFile(file, first.value, chunks, options);
  } finally {
    stream.destroy();
  }
  // MISP events are one JSON value with nested lists: read whole, bounded by intel.maxFileBytes.
  const text = await readWhole(file, options.maxBytes);
  return typeof text === 'string' ? parseFeed('misp', text, { ...options, label: basename(file) }) : { ok: false, refused: text.refused, problems: [] };
}

/**
 * Stores parsed rows: one transaction up to MAX_UPSERT_ROWS rows (INDICATOR_INVALID, a bound only storage
 * knows, refuses them all); a bigger import is stored in parts of that size, one transaction each, and a
 * failure says how many rows the earlier parts stored.
 */
export async function storeIndicatorRows(store: IndicatorsStore, rows: readonly IndicatorInput[], options: { by: string; at: Date }): Promise<{ added: number; updated: number }> {
  let added = 0;
  let updated = 0;
  for (let start = 0; start < rows.length || start === 0; start += MAX_UPSERT_ROWS) {
    try {
      const result = await store.upsert(rows.slice(start, start + MAX_UPSERT_ROWS), options);
      added += result.added;
      updated += result.updated;
    } catch (error) {
      if (start === 0) {
        if (error instanceof MoatError && error.code === 'INDICATOR_INVALID') throw new MoatError('INDICATOR_INVALID', `${error.message}; nothing imported`, { cause: error });
        throw error;
      }
      const reason = error instanceof Error ? error.message : String(error);
      throw new MoatError('INDICATOR_IMPORT_PARTIAL', `${reason}; ${String(added + updated)} of ${String(rows.length)} indicators were stored by the earlier parts (${String(MAX_UPSERT_ROWS)} per transaction), the rest not`, { cause: error });
    }
    if (rows.length === 0) break;
  }
  return { added, updated };
}
