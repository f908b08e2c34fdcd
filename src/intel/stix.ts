/**
 * STIX 2.1 bundle import: `indicator` objects whose STIX patterns compare one
 * supported observable with `=` become indicators; `relationship` objects
 * (indicator --indicates--> threat-actor, intrusion-set, campaign, malware)
 * supply actor and campaign. Pure: the caller reads the file. Every part that
 * is not loaded is reported with the object's id, never silently dropped.
 * Patterns are read by a small tokenizer (linear, bounded), not by regexes.
 */
import type { Severity } from '../core/index.js';
import { normaliseValue } from './normalise.js';
import type { Indicator, IndicatorType } from './types.js';

export interface StixOptions {
  /** Source of every indicator; default `stix`. */
  readonly source?: string;
  /** Objects per bundle; a bigger bundle is refused whole. Default 100,000. */
  readonly maxObjects?: number;
}

export interface StixProblem {
  /** The STIX id of the object concerned, when it has one. */
  readonly object?: string;
  readonly reason: string;
}

export interface StixContext {
  readonly malware: readonly string[];
  readonly threatActors: readonly string[];
  readonly campaigns: readonly string[];
  readonly relationships: number;
}

export interface StixResult {
  readonly indicators: readonly Indicator[];
  readonly context: StixContext;
  readonly problems: readonly StixProblem[];
}

const DEFAULT_MAX_OBJECTS = 100_000;
const DEFAULT_SOURCE = 'stix';
const DEFAULT_CONFIDENCE = 80;
// A pattern longer than this is not an indicator feed's; it bounds tokenizer work per object.
const MAX_PATTERN_CHARS = 16_384;
// Comparisons per pattern: one indicator object listing thousands of hashes is a misuse we report.
const MAX_COMPARISONS = 500;
// Problems listed per bundle: a wrong file must not produce a million lines.
const MAX_PROBLEMS = 1000;
const MAX_TEXT_CHARS = 1000;
const MAX_NAME_CHARS = 200;
// STIX 2.1 timestamps are RFC 3339 in UTC ("Z"); a fixed-shape check, no backtracking.
const TIMESTAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,9})?Z$/u;

/**
 * Label/indicator_types → severity: the first listed type that is known wins (high when none is).
 * Data, not code: see README.md.
 */
const SEVERITY_OF_TYPE: Readonly<Record<string, Severity>> = {
  'malicious-activity': 'high',
  attribution: 'high',
  compromised: 'high',
  'anomalous-activity': 'medium',
  unknown: 'medium',
  benign: 'info',
};
const DEFAULT_SEVERITY: Severity = 'high';

/** Object path (`type:prop.prop`) → indicator type. Hash names are matched case-insensitively without dashes. */
const PATHS: Readonly<Record<string, IndicatorType>> = {
  'file:hashes.sha256': 'sha256',
  'file:hashes.sha1': 'sha1',
  'file:hashes.md5': 'md5',
  'file:name': 'filename',
  'ipv4-addr:value': 'ipv4',
  'ipv6-addr:value': 'ipv6',
  'domain-name:value': 'domain',
  'url:value': 'url',
  'email-addr:value': 'email',
  'email-message:subject': 'subject',
  'email-message:from_ref.value': 'email',
  'email-message:sender_ref.value': 'email',
};

type Token =
  | { readonly kind: '[' | ']' | '(' | ')' | ':' | '.' }
  | { readonly kind: 'op'; readonly text: string }
  | { readonly kind: 'word'; readonly text: string }
  | { readonly kind: 'string'; readonly text: string };

const isWordChar = (c: string): boolean => (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c === '_' || c === '-';

/** Tokenizes a pattern; a string is an error message. One pass, each character looked at a bounded number of times. */
function tokenize(pattern: string): Token[] | string {
  const tokens: Token[] = [];
  let i = 0;
  while (i < pattern.length) {
    const c = pattern.charAt(i);
    if (c === ' ' || c === '\t' || c === '\n' || c === '\r') {
      i++;
    } else if (c === '[' || c === ']' || c === '(' || c === ')' || c === ':' || c === '.') {
      tokens.push({ kind: c });
      i++;
    } else if (c === '=' || c === '!' || c === '<' || c === '>') {
      const two = pattern.slice(i, i + 2);
      const op = two === '!=' || two === '<=' || two === '>=' ? two : c;
      if (op === '!') return `unexpected "!" at offset ${String(i)}`;
      tokens.push({ kind: 'op', text: op });
      i += op.length;
    } else if (c === "'") {
      // Runs between escapes are sliced whole (a streamed bundle has hundreds of thousands of these); still one pass.
      let text = '';
      let start = ++i;
      for (;;) {
        if (i >= pattern.length) return 'unterminated quoted string';
        const d = pattern.charCodeAt(i);
        if (d === 0x5c) {
          const e = pattern.charAt(i + 1);
          if (e !== "'" && e !== '\\') return `bad escape "\\${e}" at offset ${String(i)}`;
          text += pattern.slice(start, i) + e;
          i += 2;
          start = i;
        } else if (d === 0x27) {
          text += pattern.slice(start, i);
          i++;
          break;
        } else i++;
      }
      tokens.push({ kind: 'string', text });
    } else if (isWordChar(c)) {
      const start = i;
      while (i < pattern.length && isWordChar(pattern.charAt(i))) i++;
      tokens.push({ kind: 'word', text: pattern.slice(start, i) });
    } else {
      return `unexpected character "${c}" at offset ${String(i)}`;
    }
  }
  return tokens;
}

interface Comparison {
  readonly path: string;
  readonly op: string;
  readonly value: string;
  /** False when the value is not a quoted string (a number, a t'…' timestamp, a list): never loaded. */
  readonly quoted: boolean;
  /** As written, for problems: `file:hashes.'SHA-256' = '…'`. */
  readonly text: string;
}

/** Observation expressions joined by OR; each is comparisons grouped into AND-groups joined by OR. */
interface ParsedPattern {
  /** Each entry: observations joined by AND/FOLLOWEDBY (loaded only when alone); each observation: AND-groups of comparisons. */
  readonly groups: readonly (readonly (readonly (readonly Comparison[])[])[])[];
  /** Qualifiers (WITHIN, REPEATS, START/STOP) seen: they narrow the match, so nothing is loaded from that observation group. */
  readonly qualified: readonly boolean[];
}

const COMPARISON_WORDS = new Set(['LIKE', 'MATCHES', 'IN', 'ISSUBSET', 'ISSUPERSET', 'EXISTS', 'NOT']);
const QUALIFIERS = new Set(['WITHIN', 'REPEATS', 'START', 'STOP', 'SECONDS', 'TIMES']);

/** Parses the pattern grammar subset; a string is an error message naming what was not understood. */
function parsePattern(tokens: readonly Token[]): ParsedPattern | string {
  let at = 0;
  let comparisons = 0;
  const peek = (): Token | undefined => tokens[at];
  const word = (t: Token | undefined): string | undefined => (t?.kind === 'word' ? t.text.toUpperCase() : undefined);

  const parseComparison = (): Comparison | string => {
    const object = peek();
    if (object?.kind !== 'word') return 'expected an object path such as file:name';
    if (COMPARISON_WORDS.has(object.text.toUpperCase())) return `operator ${object.text} is not supported`;
    at++;
    if (peek()?.kind !== ':') return `expected ":" after ${object.text}`;
    at++;
    const parts: string[] = [];
    const shown: string[] = [];
    for (;;) {
      const t = peek();
      if (t?.kind === 'word') {
        parts.push(t.text.toLowerCase().replace(/-/gu, ''));
        shown.push(t.text);
      } else if (t?.kind === 'string') {
        parts.push(t.text.toLowerCase().replace(/-/gu, ''));
        shown.push(`'${t.text}'`);
      } else return 'expected a property name';
      at++;
      if (peek()?.kind !== '.') break;
      at++;
    }
    const opToken = peek();
    let op: string;
    if (opToken?.kind === 'op') op = opToken.text;
    else if (opToken?.kind === 'word' && COMPARISON_WORDS.has(opToken.text.toUpperCase())) op = opToken.text.toUpperCase();
    else return 'expected a comparison operator';
    at++;
    const path = `${object.text.toLowerCase()}:${parts.join('.')}`;
    const pathText = `${object.text}:${shown.join('.')}`;
    const value = peek();
    if (value?.kind !== 'string') {
      // Not loaded (numbers, t'…' timestamps, IN lists): read past it to the next OR, AND or "]", and report the part.
      while (peek() !== undefined && peek()?.kind !== ']' && word(peek()) !== 'OR' && word(peek()) !== 'AND') at++;
      return { path, op, value: '', quoted: false, text: `${pathText} ${op} …` };
    }
    at++;
    return { path, op, value: value.text, quoted: true, text: `${pathText} ${op} '${value.text.slice(0, 100)}'` };
  };

  const parseObservation = (): (readonly Comparison[])[] | string => {
    if (peek()?.kind === '(') return 'parenthesised expressions are not supported';
    if (peek()?.kind !== '[') return 'expected "["';
    at++;
    const orGroups: Comparison[][] = [[]];
    for (;;) {
      const c = parseComparison();
      if (typeof c === 'string') return c;
      if (++comparisons > MAX_COMPARISONS) return `more than ${String(MAX_COMPARISONS)} comparisons`;
      orGroups[orGroups.length - 1]?.push(c);
      const next = peek();
      if (next?.kind === ']') {
        at++;
        return orGroups;
      }
      const joiner = word(next);
      if (joiner === 'OR') orGroups.push([]);
      else if (joiner !== 'AND') return 'expected OR, AND or "]"';
      at++;
    }
  };

  const groups: (readonly (readonly Comparison[])[])[][] = [[]];
  const qualified: boolean[] = [false];
  for (;;) {
    const observation = parseObservation();
    if (typeof observation === 'string') return observation;
    groups[groups.length - 1]?.push(observation);
    // Qualifiers follow an observation: WITHIN 300 SECONDS, REPEATS 5 TIMES, START t'…' STOP t'…'.
    while (QUALIFIERS.has(word(peek()) ?? '')) {
      qualified[qualified.length - 1] = true;
      at++;
      while (peek() !== undefined && peek()?.kind !== '[' && !['OR', 'AND', 'FOLLOWEDBY'].includes(word(peek()) ?? '') && !QUALIFIERS.has(word(peek()) ?? '')) at++;
    }
    const next = peek();
    if (next === undefined) return { groups, qualified };
    const joiner = word(next);
    if (joiner === 'OR') {
      groups.push([]);
      qualified.push(false);
    } else if (joiner !== 'AND' && joiner !== 'FOLLOWEDBY') return 'expected OR, AND or FOLLOWEDBY between observations';
    at++;
  }
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const clip = (text: string, max: number): string => (text.length > max ? text.slice(0, max) : text);

/** A STIX timestamp in epoch ms; undefined when absent; NaN when present but not a timestamp. */
function timeOf(value: unknown): number | undefined {
  if (value === undefined) return undefined;
  return typeof value === 'string' && TIMESTAMP.test(value) ? Date.parse(value) : Number.NaN;
}

function severityOf(object: Record<string, unknown>): Severity {
  const types = [object['indicator_types'], object['labels']].flatMap((v) => (Array.isArray(v) ? v : []));
  for (const t of types) {
    if (typeof t === 'string' && Object.hasOwn(SEVERITY_OF_TYPE, t)) return SEVERITY_OF_TYPE[t] as Severity;
  }
  return DEFAULT_SEVERITY;
}

/** A problem list capped at MAX_PROBLEMS + 1 entries: enough to know the joined list overflows. */
function createProblemList(): { readonly items: StixProblem[]; add(object: string | undefined, reason: string): void } {
  const items: StixProblem[] = [];
  return {
    items,
    add(object, reason) {
      if (items.length <= MAX_PROBLEMS) items.push(object === undefined ? { reason } : { object, reason });
    },
  };
}

/** Joins problem lists in order, at most MAX_PROBLEMS, then one line saying later ones were not reported. */
function joinProblems(...lists: readonly (readonly StixProblem[])[]): StixProblem[] {
  const all = lists.flat();
  return all.length > MAX_PROBLEMS ? [...all.slice(0, MAX_PROBLEMS), { reason: 'too many problems; later ones not reported' }] : all;
}

const NOT_A_BUNDLE = 'not a STIX bundle: expected {"type": "bundle", "objects": [...]}';
const EMPTY_CONTEXT: StixContext = { malware: [], threatActors: [], campaigns: [], relationships: 0 };

/** An import fed one bundle object at a time (a streamed file, a TAXII page); see createStixImport. */
export interface StixImport {
  /** Takes objects[index]; keeps only what the result needs (an indicator's own indicators, names, relationship ends). */
  add(object: unknown, index: number): void;
  /**
   * The result, as parseStixBundle gives it. `envelope` is the bundle's other top-level members when the
   * caller streamed them: a document whose `type` is not `bundle` is refused there.
   */
  finish(envelope?: Readonly<Record<string, unknown>>): StixResult;
  /** Objects taken so far. */
  readonly count: number;
}

/**
 * Starts an incremental STIX import: relationships may come before or after the indicators they name,
 * so attribution is applied in finish(). Memory is the per-indicator results, not the objects.
 * Over `maxObjects` objects everything kept is dropped and finish() refuses the bundle whole.
 */
export function createStixImport(options: StixOptions = {}): StixImport {
  const maxObjects = options.maxObjects ?? DEFAULT_MAX_OBJECTS;
  const source = options.source ?? DEFAULT_SOURCE;
  // Problems in the order parseStixBundle always listed them: object checks, relationship targets, indicators.
  const early = createProblemList();
  const late = createProblemList();
  const named = new Map<string, { type: string; name: string }>();
  let relationships: { from: string; to: string }[] = [];
  // Kept indicators, and beside each the id of its indicator object (one shared string per object): attribution
  // waits for the relationships, which may come later. Two flat arrays: a streamed bundle keeps hundreds of thousands.
  let kept: Indicator[] = [];
  let owners: string[] = [];
  let count = 0;
  let refused = false;

  const addIndicator = (object: Record<string, unknown>, fullId: string): void => {
    const id = clip(fullId, MAX_NAME_CHARS);
    const report = late.add;
    const { pattern, pattern_type: patternType } = object;
    if (typeof pattern !== 'string' || pattern === '') return report(id, 'indicator has no pattern; skipped');
    if (patternType !== 'stix') return report(id, `pattern_type ${typeof patternType === 'string' ? `"${clip(patternType, 40)}"` : '(missing)'} is not supported (only "stix"); skipped`);
    if (pattern.length > MAX_PATTERN_CHARS) return report(id, `pattern is longer than ${String(MAX_PATTERN_CHARS)} characters; skipped`);
    const times = {
      valid_from: timeOf(object['valid_from']),
      created: timeOf(object['created']),
      modified: timeOf(object['modified']),
      valid_until: timeOf(object['valid_until']),
    };
    const badTime = Object.entries(times).find(([, t]) => t !== undefined && Number.isNaN(t));
    if (badTime !== undefined) return report(id, `${badTime[0]} is not a STIX timestamp (YYYY-MM-DDTHH:MM:SS[.s]Z); skipped`);
    const confidence = object['confidence'] ?? DEFAULT_CONFIDENCE;
    if (typeof confidence !== 'number' || !Number.isInteger(confidence) || confidence < 0 || confidence > 100) return report(id, 'confidence must be an integer 0-100; skipped');
    const tokens = tokenize(pattern);
    const parsed = typeof tokens === 'string' ? tokens : parsePattern(tokens);
    if (typeof parsed === 'string') return report(id, `pattern not understood: ${parsed}; skipped`);
    const firstSeen = times.valid_from ?? times.created;
    const text = [object['name'], object['description']].find((v): v is string => typeof v === 'string' && v.trim() !== '');
    const severity = severityOf(object);
    const description = text === undefined ? undefined : clip(text.replace(/\s+/gu, ' ').trim(), MAX_TEXT_CHARS);
    // Built field by field, no spreads: the objects stay small and of few shapes (a streamed bundle keeps many).
    const indicatorOf = (type: IndicatorType, value: string): Indicator => {
      // The usual case in one literal (all fields in the object itself, no separate property store).
      const indicator: Mutable<Indicator> =
        firstSeen !== undefined && times.modified !== undefined ? { source, confidence, severity, type, value, firstSeen, lastSeen: times.modified } : { source, confidence, severity, type, value };
      if (firstSeen !== undefined) indicator.firstSeen = firstSeen;
      if (times.modified !== undefined) indicator.lastSeen = times.modified;
      if (times.valid_until !== undefined) indicator.expiresAt = times.valid_until;
      if (description !== undefined) indicator.description = description;
      return indicator;
    };
    parsed.groups.forEach((group, g) => {
      const all = group.flat(2);
      // An AND (or FOLLOWEDBY) narrows the match: loading one side alone would flag mail the source never meant.
      if (group.length > 1) return report(id, `observations joined by AND/FOLLOWEDBY are not supported; not loaded: ${all.map((c) => c.text).join(' AND ')}`);
      if (parsed.qualified[g] === true) return report(id, `qualified observations (WITHIN, REPEATS, START/STOP) are not supported; not loaded: ${all.map((c) => c.text).join(', ')}`);
      for (const andGroup of group[0] ?? []) {
        if (andGroup.length > 1) {
          report(id, `comparisons joined by AND are not supported; not loaded: ${andGroup.map((c) => c.text).join(' AND ')}`);
          continue;
        }
        const c = andGroup[0];
        if (c === undefined) continue;
        if (c.op !== '=') {
          report(id, `operator ${c.op} is not supported (only =); not loaded: ${c.text}`);
          continue;
        }
        if (!c.quoted) {
          report(id, `the value must be a quoted string; not loaded: ${c.text}`);
          continue;
        }
        const type = PATHS[c.path];
        if (type === undefined) {
          report(id, `object path is not supported; not loaded: ${c.text}`);
          continue;
        }
        // The database snapshot is one line per indicator (the API refuses such values too).
        if (/[\r\n]/u.test(c.value)) {
          report(id, `value must be one line; not loaded: ${c.text}`);
          continue;
        }
        const normal = normaliseValue(type, c.value);
        if (!normal.ok) {
          report(id, `${normal.reason}; not loaded: ${c.text}`);
          continue;
        }
        // A copy: the value may be a slice of the pattern string, which a kept slice would keep alive whole.
        kept.push(indicatorOf(type, JSON.parse(JSON.stringify(normal.value)) as string));
        owners.push(fullId);
      }
    });
  };

  const add = (object: unknown, index: number): void => {
    count++;
    if (refused) return;
    if (count > maxObjects) {
      // Refused whole: drop what was kept so that the rest of a huge stream costs nothing.
      refused = true;
      kept = [];
      owners = [];
      relationships = [];
      named.clear();
      return;
    }
    const report = early.add;
    if (!isRecord(object)) return report(undefined, `objects[${String(index)}] is not an object; skipped`);
    const { id, type } = object;
    if (typeof id !== 'string' || id === '' || typeof type !== 'string' || type === '') return report(typeof id === 'string' ? clip(id, MAX_NAME_CHARS) : undefined, `objects[${String(index)}] has no id or type; skipped`);
    switch (type) {
      case 'indicator':
        return addIndicator(object, id);
      case 'malware':
      case 'threat-actor':
      case 'intrusion-set':
      case 'campaign':
        if (typeof object['name'] !== 'string' || object['name'].trim() === '') return report(id, `${type} has no name; skipped`);
        named.set(id, { type, name: clip(object['name'].trim(), MAX_NAME_CHARS) });
        return;
      case 'relationship': {
        const { relationship_type: kind, source_ref: from, target_ref: to } = object;
        if (typeof kind !== 'string' || typeof from !== 'string' || typeof to !== 'string') return report(id, 'relationship needs relationship_type, source_ref and target_ref; skipped');
        if (kind === 'indicates' && from.startsWith('indicator--')) relationships.push({ from, to });
        return;
      }
      default:
        // Other objects (identity, marking-definition, report, ...) carry nothing this import uses.
        return;
    }
  };

  const finish = (envelope?: Readonly<Record<string, unknown>>): StixResult => {
    if (envelope !== undefined && envelope['type'] !== 'bundle') return { indicators: [], context: EMPTY_CONTEXT, problems: [{ reason: NOT_A_BUNDLE }] };
    if (refused) {
      return { indicators: [], context: EMPTY_CONTEXT, problems: [{ reason: `bundle has ${String(count)} objects, more than the limit of ${String(maxObjects)}; nothing imported (split the bundle)` }] };
    }
    const targets = createProblemList();
    const attribution = new Map<string, { actor?: string; campaign?: string }>();
    let used = 0;
    for (const { from, to } of relationships) {
      const target = named.get(to);
      if (target === undefined) {
        targets.add(to, `relationship from ${from} points to an object not in the bundle (or not a threat-actor, intrusion-set, campaign or malware); ignored`);
        continue;
      }
      used++;
      const entry = attribution.get(from) ?? {};
      // An actor named directly wins over a malware family; the first of each kind is kept.
      if (target.type === 'campaign') entry.campaign ??= target.name;
      else if (target.type === 'threat-actor' || target.type === 'intrusion-set') entry.actor ??= target.name;
      attribution.set(from, entry);
    }
    const indicators = kept.map((indicator, i) => {
      const who = attribution.size === 0 ? undefined : attribution.get(owners[i] ?? '');
      if (who === undefined) return indicator;
      return { ...indicator, ...(who.actor === undefined ? {} : { actor: who.actor }), ...(who.campaign === undefined ? {} : { campaign: who.campaign }) };
    });
    const namesOf = (...types: string[]): string[] => [...named.values()].filter((n) => types.includes(n.type)).map((n) => n.name);
    return {
      indicators,
      context: { malware: namesOf('malware'), threatActors: namesOf('threat-actor', 'intrusion-set'), campaigns: namesOf('campaign'), relationships: used },
      problems: joinProblems(early.items, targets.items, late.items),
    };
  };

  return {
    add,
    finish,
    get count() {
      return count;
    },
  };
}

/** Parses a STIX 2.1 bundle (already JSON-decoded) into indicators, context and problems. Never throws on bad data. */
export function parseStixBundle(json: unknown, options: StixOptions = {}): StixResult {
  if (!isRecord(json) || json['type'] !== 'bundle' || !Array.isArray(json['objects'])) return { indicators: [], context: EMPTY_CONTEXT, problems: [{ reason: NOT_A_BUNDLE }] };
  const objects: readonly unknown[] = json['objects'];
  const maxObjects = options.maxObjects ?? DEFAULT_MAX_OBJECTS;
  // Refused before any work, as the streamed import refuses once it has counted past the limit.
  if (objects.length > maxObjects) {
    return { indicators: [], context: EMPTY_CONTEXT, problems: [{ reason: `bundle has ${String(objects.length)} objects, more than the limit of ${String(maxObjects)}; nothing imported (split the bundle)` }] };
  }
  const stix = createStixImport(options);
  objects.forEach((object, index) => stix.add(object, index));
  return stix.finish();
}
