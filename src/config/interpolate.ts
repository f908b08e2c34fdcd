/**
 * `${env:NAME}` in any string value takes text from the environment, so
 * secrets stay out of config files. The paths that used it are reported back
 * so `moat config print` can redact them.
 */
import { z } from 'zod';
import { formatKeyPath, isPlainObject } from './paths.js';
import type { KeyPath } from './paths.js';
import { schemaAtPath } from './issues.js';

const REFERENCE = /\$\{env:([^}]*)\}/g;
const WHOLE_REFERENCE = /^\$\{env:([^}]*)\}$/;
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const NUMBER_TEXT = /^-?(?:\d+)(?:\.\d+)?$/;

export interface InterpolationResult {
  readonly value: unknown;
  /** Key paths (formatted) whose value came wholly or partly from the environment. */
  readonly envPaths: ReadonlySet<string>;
  readonly issues: readonly string[];
}

/**
 * A value that is exactly one reference takes the type the schema expects
 * there: environment variables are text, but `port: ${env:SMTP_PORT}` means a number.
 */
function coerce(text: string, schema: z.ZodType | undefined): unknown {
  let inner = schema;
  while (inner instanceof z.ZodOptional || inner instanceof z.ZodDefault) inner = inner.unwrap() as z.ZodType;
  if (inner instanceof z.ZodNumber && NUMBER_TEXT.test(text)) return Number(text);
  if (inner instanceof z.ZodBoolean && (text === 'true' || text === 'false')) return text === 'true';
  return text;
}

/** Replaces `${env:NAME}` references throughout `value`; a missing variable is an issue naming key and variable. */
export function interpolateEnv(value: unknown, env: NodeJS.ProcessEnv, schema: z.ZodType): InterpolationResult {
  const envPaths = new Set<string>();
  const issues: string[] = [];

  const visit = (current: unknown, path: KeyPath): unknown => {
    if (typeof current === 'string') {
      if (!current.includes('${env:')) return current;
      const key = formatKeyPath(path);
      let failed = false;
      const replaced = current.replace(REFERENCE, (_match, name: string) => {
        if (!ENV_NAME.test(name)) {
          issues.push(`${key}: "\${env:${name.slice(0, 64)}}" is not a valid environment variable reference`);
          failed = true;
          return '';
        }
        const found = env[name];
        if (found === undefined) {
          issues.push(`${key}: environment variable ${name} is not set`);
          failed = true;
          return '';
        }
        return found;
      });
      if (failed) return current;
      envPaths.add(key);
      return WHOLE_REFERENCE.test(current) ? coerce(replaced, schemaAtPath(schema, path)) : replaced;
    }
    if (Array.isArray(current)) return current.map((item, index) => visit(item, [...path, index]));
    if (isPlainObject(current)) {
      const out: Record<string, unknown> = {};
      for (const [key, inner] of Object.entries(current)) {
        Object.defineProperty(out, key, { value: visit(inner, [...path, key]), enumerable: true, writable: true, configurable: true });
      }
      return out;
    }
    return current;
  };

  return { value: visit(value, []), envPaths, issues };
}
