/**
 * The implant trigger rule pack (rules/implant-triggers.yaml): attachment and
 * member names that command an implant on a mail gateway (SEASPRAY's
 * `obt075`) or deliver a known implant component. The pack is data; this
 * module validates it (a broken pack throws, it never loads half) and
 * compiles it into a matcher.
 */
import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { MoatError } from '../../../core/index.js';

/** The pack shipped with Moat, resolved from the compiled module (dist/src/analysis/engines/c2/). */
export const SHIPPED_TRIGGER_PACK = new URL('../../../../../rules/implant-triggers.yaml', import.meta.url);

// A pack is a short list written by people; these bounds catch a wrong file, not a real pack.
const MAX_PACK_BYTES = 1_048_576;
const MAX_TRIGGERS = 2000;
const MAX_PATTERN_CHARS = 256;
// Names longer than this are cut before matching: no trigger is that long, and a
// 100 kB name must not cost 2000 regex scans of 100 kB each.
const MAX_NAME_CHARS = 1024;

// Regexes run on attacker-chosen names, so a pattern that can backtrack
// exponentially is refused at load: no backreferences, no lookaround, no
// quantified group that itself contains a quantifier (`(a+)+`).
const BACKTRACKING_HAZARDS: readonly RegExp[] = [/\\[1-9]/, /\\k</, /\(\?<?[=!]/, /\((?:\?:)?(?:[^()\\]|\\.)*[+*}](?:[^()\\]|\\.)*\)\s*[+*{]/];

const triggerSchema = z.strictObject({
  id: z.string().regex(/^[a-z0-9][a-z0-9-]{0,63}$/, 'must be lower-case letters, digits and dashes'),
  pattern: z.string().min(3).max(MAX_PATTERN_CHARS),
  family: z.string().min(1).max(128),
  reference: z.string().min(1).max(1024),
  score: z.number().min(0).max(100),
});

const packSchema = z.strictObject({
  version: z.literal(1),
  triggers: z.array(triggerSchema).min(1).max(MAX_TRIGGERS),
});

export type ImplantTrigger = z.infer<typeof triggerSchema>;

/** A trigger that fired on a name. */
export interface TriggerMatch {
  readonly trigger: ImplantTrigger;
}

/** A validated, compiled pack. */
export interface ImplantTriggerPack {
  readonly triggers: readonly ImplantTrigger[];
  /** Triggers whose pattern matches `name` (whole or last path segment), each at most once. */
  match(name: string): readonly TriggerMatch[];
}

type Matcher = (forms: readonly string[]) => boolean;

/** True when a pattern is written as an anchored regular expression (`^...$`). */
function isRegexPattern(pattern: string): boolean {
  return pattern.startsWith('^') && pattern.endsWith('$') && !pattern.endsWith('\\$');
}

function compileMatcher(trigger: ImplantTrigger, where: string): Matcher {
  const { pattern } = trigger;
  if (!isRegexPattern(pattern)) {
    const needle = pattern.normalize('NFKC').toLowerCase();
    return (forms) => forms.some((form) => form.includes(needle));
  }
  if (BACKTRACKING_HAZARDS.some((hazard) => hazard.test(pattern))) {
    throw new MoatError('C2_TRIGGER_PACK_INVALID', `${where}: pattern of trigger ${trigger.id} can backtrack (backreference, lookaround or nested quantifier)`);
  }
  let regex: RegExp;
  try {
    regex = new RegExp(pattern, 'iu');
  } catch (error) {
    throw new MoatError('C2_TRIGGER_PACK_INVALID', `${where}: pattern of trigger ${trigger.id} is not a valid regular expression`, { cause: error });
  }
  return (forms) => forms.some((form) => regex.test(form));
}

/** The forms of a name that are matched: whole and last path segment, NFKC, lower-case, bounded. */
function formsOf(name: string): string[] {
  const whole = name.slice(0, MAX_NAME_CHARS).normalize('NFKC').toLowerCase();
  const cut = Math.max(whole.lastIndexOf('/'), whole.lastIndexOf('\\'));
  return cut < 0 ? [whole] : [whole, whole.slice(cut + 1)];
}

/**
 * Validates and compiles a pack from its parsed YAML. Throws MoatError
 * `C2_TRIGGER_PACK_INVALID` naming the first problem; `where` names the source.
 */
export function compileImplantTriggerPack(data: unknown, where = 'implant trigger pack'): ImplantTriggerPack {
  const parsed = packSchema.safeParse(data);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const at = issue === undefined ? '' : issue.path.map(String).join('.');
    throw new MoatError('C2_TRIGGER_PACK_INVALID', `${where}: ${at === '' ? '' : `${at}: `}${issue?.message ?? 'invalid'}`);
  }
  const triggers = parsed.data.triggers;
  const seen = new Set<string>();
  for (const trigger of triggers) {
    if (seen.has(trigger.id)) throw new MoatError('C2_TRIGGER_PACK_INVALID', `${where}: trigger id ${trigger.id} appears twice`);
    seen.add(trigger.id);
  }
  const compiled = triggers.map((trigger) => ({ trigger, matches: compileMatcher(trigger, where) }));
  return {
    triggers,
    match(name) {
      const forms = formsOf(name);
      return compiled.filter((c) => c.matches(forms)).map((c) => ({ trigger: c.trigger }));
    },
  };
}

/** Reads, parses, validates and compiles a pack file (YAML). Throws on any problem. */
export function loadImplantTriggerPack(path: URL | string = SHIPPED_TRIGGER_PACK): ImplantTriggerPack {
  const where = String(path);
  let text: string;
  try {
    const bytes = readFileSync(path);
    if (bytes.length > MAX_PACK_BYTES) throw new Error(`larger than ${MAX_PACK_BYTES} bytes`);
    text = bytes.toString('utf8');
  } catch (error) {
    throw new MoatError('C2_TRIGGER_PACK_INVALID', `${where}: cannot read the pack`, { cause: error });
  }
  let data: unknown;
  try {
    data = parseYaml(text, { maxAliasCount: 0 });
  } catch (error) {
    throw new MoatError('C2_TRIGGER_PACK_INVALID', `${where}: not valid YAML`, { cause: error });
  }
  return compileImplantTriggerPack(data, where);
}

let shipped: ImplantTriggerPack | undefined;

/** The shipped pack, loaded once per thread (each analysis worker has its own copy). */
export function shippedImplantTriggerPack(): ImplantTriggerPack {
  shipped ??= loadImplantTriggerPack(SHIPPED_TRIGGER_PACK);
  return shipped;
}
