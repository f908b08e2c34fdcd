/**
 * Turns zod issues into one line per problem that names the key and says
 * why, in the operator's terms:
 *   `smtp.listen.port: expected a number between 0 and 65535, got "abc"`.
 * The schema is walked to recover bounds, allowed values and known keys,
 * because zod's own messages ("Invalid input") do not say what would be valid.
 */
import { z } from 'zod';
import { escapeForDisplay } from '../core/index.js';
import { formatKeyPath, getAtPath } from './paths.js';
import type { KeyPath } from './paths.js';

type Issue = z.ZodError['issues'][number];

/** Removes optional/default/nullable wrappers to reach the schema that checks the value. */
function unwrapSchema(schema: z.ZodType): z.ZodType {
  let current: z.ZodType = schema;
  for (let i = 0; i < 16; i++) {
    if (current instanceof z.ZodOptional || current instanceof z.ZodDefault || current instanceof z.ZodNullable) {
      current = current.unwrap() as z.ZodType;
    } else {
      break;
    }
  }
  return current;
}

/** The schema that validates the value at `path`, when the path can be followed. */
export function schemaAtPath(root: z.ZodType, path: KeyPath): z.ZodType | undefined {
  const schema = unwrapSchema(root);
  if (path.length === 0) return schema;
  const [head, ...rest] = path;
  if (schema instanceof z.ZodObject) {
    if (typeof head !== 'string') return undefined;
    const shape = schema.shape as Record<string, z.ZodType>;
    if (!Object.prototype.hasOwnProperty.call(shape, head)) return undefined;
    const child = shape[head];
    return child === undefined ? undefined : schemaAtPath(child, rest);
  }
  if (schema instanceof z.ZodArray) {
    return typeof head === 'number' ? schemaAtPath(schema.element as z.ZodType, rest) : undefined;
  }
  if (schema instanceof z.ZodRecord) {
    return typeof head === 'string' ? schemaAtPath(schema.valueType as z.ZodType, rest) : undefined;
  }
  if (schema instanceof z.ZodUnion) {
    for (const option of schema.options as readonly z.ZodType[]) {
      const found = schemaAtPath(option, path);
      if (found !== undefined) return found;
    }
  }
  return undefined;
}

/** Keys a strict object at `path` accepts (for "did you mean"). */
export function knownKeysAt(root: z.ZodType, path: KeyPath): string[] {
  const schema = schemaAtPath(root, path);
  return schema instanceof z.ZodObject ? Object.keys(schema.shape as Record<string, unknown>) : [];
}

interface NumberBounds {
  min?: number;
  max?: number;
  integer: boolean;
}

function readCheck(check: unknown): { kind: string; value: number; inclusive: boolean } | undefined {
  // zod 4 keeps each check's definition at `check._zod.def`; read it defensively
  // since it is not part of zod's typed public surface.
  if (check === null || typeof check !== 'object') return undefined;
  const inner = (check as { _zod?: { def?: unknown } })._zod?.def;
  if (inner === null || typeof inner !== 'object') return undefined;
  const def = inner as { check?: unknown; value?: unknown; inclusive?: unknown };
  if (typeof def.check !== 'string' || typeof def.value !== 'number') return undefined;
  return { kind: def.check, value: def.value, inclusive: def.inclusive !== false };
}

function numberBounds(schema: z.ZodNumber): NumberBounds {
  const integer = schema.isInt === true;
  const bounds: NumberBounds = { integer };
  const checks: unknown = (schema as unknown as { _zod: { def: { checks?: unknown } } })._zod.def.checks;
  for (const raw of Array.isArray(checks) ? checks : []) {
    const check = readCheck(raw);
    if (check === undefined) continue;
    if (check.kind === 'greater_than') {
      bounds.min = check.inclusive ? check.value : integer ? Math.floor(check.value) + 1 : check.value;
    } else if (check.kind === 'less_than') {
      bounds.max = check.inclusive ? check.value : integer ? Math.ceil(check.value) - 1 : check.value;
    }
  }
  // `.int()` implies the safe-integer range; that is not a bound worth telling an operator.
  if (bounds.min !== undefined && bounds.min <= Number.MIN_SAFE_INTEGER) delete bounds.min;
  if (bounds.max !== undefined && bounds.max >= Number.MAX_SAFE_INTEGER) delete bounds.max;
  return bounds;
}

function describeNumber(schema: z.ZodNumber, forceInteger: boolean): string {
  const bounds = numberBounds(schema);
  const noun = forceInteger ? 'a whole number' : 'a number';
  if (bounds.min !== undefined && bounds.max !== undefined) return `${noun} between ${bounds.min} and ${bounds.max}`;
  if (bounds.min !== undefined) return `${noun} of at least ${bounds.min}`;
  if (bounds.max !== undefined) return `${noun} of at most ${bounds.max}`;
  return noun;
}

/** What a valid value looks like, in words. */
function describeExpected(schema: z.ZodType | undefined, fallback: string, forceInteger = false): string {
  if (schema === undefined) return fallback === 'int' ? 'a whole number' : `a ${fallback}`;
  const inner = unwrapSchema(schema);
  if (inner instanceof z.ZodNumber) return describeNumber(inner, forceInteger);
  if (inner instanceof z.ZodString) return 'a string';
  if (inner instanceof z.ZodBoolean) return 'true or false';
  if (inner instanceof z.ZodArray) return 'a list';
  if (inner instanceof z.ZodObject || inner instanceof z.ZodRecord) return 'a mapping (key: value)';
  if (inner instanceof z.ZodEnum) return `one of ${(inner.options as readonly unknown[]).map(String).join(', ')}`;
  if (inner instanceof z.ZodLiteral) return JSON.stringify(inner.value);
  if (inner instanceof z.ZodUnion) {
    return (inner.options as readonly z.ZodType[]).map((option) => describeExpected(option, 'value')).join(' or ');
  }
  return `a ${fallback}`;
}

/** A short, escaped rendering of the value the operator wrote. */
export function describeValue(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'an empty value';
  if (typeof value === 'string') return `"${escapeForDisplay(value, 60)}"`;
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  return escapeForDisplay(String(value), 60);
}

/** Edit distance, for "did you mean" on unknown keys. Inputs are short config keys. */
function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let diagonal = row[0] ?? 0;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const above = row[j] ?? 0;
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      row[j] = Math.min(above + 1, (row[j - 1] ?? 0) + 1, diagonal + cost);
      diagonal = above;
    }
  }
  return row[b.length] ?? 0;
}

/** The closest known key, when one is close enough to be a typo. */
export function suggestKey(unknownKey: string, known: readonly string[]): string | undefined {
  // Long keys (keys are bounded by YAML input size, but be cheap anyway) are not typos worth suggesting for.
  if (unknownKey.length > 64) return undefined;
  const lower = unknownKey.toLowerCase();
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const candidate of known) {
    const distance = candidate.toLowerCase() === lower ? 0 : editDistance(lower, candidate.toLowerCase());
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  const allowed = Math.max(2, Math.floor(unknownKey.length / 3));
  return bestDistance <= allowed ? best : undefined;
}

function entries(count: number): string {
  return count === 1 ? '1 entry' : `${count} entries`;
}

function describeSize(issue: Issue & { code: 'too_small' | 'too_big' }, got: unknown, schema: z.ZodType | undefined): string {
  const small = issue.code === 'too_small';
  const limit = Number(small ? (issue as { minimum: unknown }).minimum : (issue as { maximum: unknown }).maximum);
  switch (issue.origin) {
    case 'number':
      return `expected ${describeExpected(schema, 'number')}, got ${describeValue(got)}`;
    case 'array':
      return small ? `must have at least ${entries(limit)}` : `must have at most ${entries(limit)}`;
    case 'string':
      if (small && limit === 1) return 'must not be empty';
      return small ? `must be at least ${limit} characters` : `must be at most ${limit} characters`;
    default:
      return issue.message;
  }
}

function formatOne(issue: Issue, path: KeyPath, root: z.ZodType, input: unknown, out: string[]): void {
  const key = formatKeyPath(path);
  const got = getAtPath(input, path);
  const schema = schemaAtPath(root, path);
  switch (issue.code) {
    case 'invalid_type':
      if (got === undefined) out.push(`${key}: required`);
      else out.push(`${key}: expected ${describeExpected(schema, issue.expected, issue.expected === 'int')}, got ${describeValue(got)}`);
      return;
    case 'too_small':
    case 'too_big':
      out.push(`${key}: ${describeSize(issue, got, schema)}`);
      return;
    case 'invalid_value':
      out.push(
        issue.values.length === 1
          ? `${key}: must be ${JSON.stringify(issue.values[0])}`
          : `${key}: must be one of ${issue.values.map(String).join(', ')}`,
      );
      return;
    case 'unrecognized_keys': {
      const known = knownKeysAt(root, path);
      for (const unknownKey of issue.keys) {
        const suggestion = suggestKey(unknownKey, known);
        const childKey = formatKeyPath([...path, unknownKey]);
        out.push(suggestion === undefined ? `${childKey}: unknown key` : `${childKey}: unknown key (did you mean ${suggestion}?)`);
      }
      return;
    }
    case 'invalid_key': {
      const reason = issue.issues[0]?.message ?? 'not allowed';
      out.push(`${key}: invalid key, ${reason}`);
      return;
    }
    case 'invalid_format':
      out.push(`${key}: ${issue.message}, got ${describeValue(got)}`);
      return;
    case 'invalid_union': {
      // A branch whose issues all sit below the union's own path is the one the
      // value's shape matched (a list, say); its issues are the useful ones.
      const deeper = issue.errors.find((branch) => branch.length > 0 && branch.every((inner) => inner.path.length > 0));
      if (deeper !== undefined) {
        for (const inner of deeper) formatOne(inner, [...path, ...inner.path], root, input, out);
      } else {
        out.push(`${key}: expected ${describeExpected(schema, 'value')}, got ${describeValue(got)}`);
      }
      return;
    }
    default:
      out.push(`${key}: ${issue.message}`);
  }
}

/** One line per problem, each naming the key path and why it is wrong. */
export function formatIssues(issues: readonly Issue[], root: z.ZodType, input: unknown): string[] {
  const out: string[] = [];
  for (const issue of issues) formatOne(issue, issue.path, root, input, out);
  return out;
}
