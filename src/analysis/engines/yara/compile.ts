/**
 * Reading and compiling a YARA rule directory with YARA-X (@litko/yara-x).
 * Compiled rules live in one thread only (the napi object cannot be posted),
 * so the unit that crosses threads is the rule *source* (YaraRuleSource[]):
 * the main thread validates it once, workers compile the same text.
 */
import { readdir, readFile, stat } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { compile, validate } from '@litko/yara-x';
import type { CompilerOptions, RuleMatch } from '@litko/yara-x';
import { YaraRulesError } from './errors.js';

/** One rule file's text, as read from the rule directory. Serialisable (crosses to workers). */
export interface YaraRuleSource {
  /** File name inside the rule directory (no directory part). */
  readonly file: string;
  readonly text: string;
}

/**
 * The part of the YARA-X scanner the engine uses. The binding's d.ts names its
 * return type `YaraXImpl` without declaring it, so `compile()` is typed loosely;
 * this interface is the contract we rely on (checked by the tests).
 */
export interface YaraScanner {
  scan(data: Buffer): RuleMatch[];
  setMaxMatchesPerPattern(maxMatches: number): void;
}

/** Rules compiled for the current thread. Not serialisable: never post it to a worker. */
export interface CompiledRules {
  readonly scanner: YaraScanner;
  /** Rule declarations counted in the sources (private/global rules included). */
  readonly ruleCount: number;
  /** The sources it was compiled from, to hand to worker threads. */
  readonly sources: readonly YaraRuleSource[];
}

export interface LoadedYaraRules {
  readonly rules: CompiledRules;
  readonly files: string[];
  readonly ruleCount: number;
}

// Bounds on what an operator's rule directory may hold. Rules are trusted config,
// but a stray multi-GB file in the directory must not take the process down.
const MAX_RULE_FILES = 256;
const MAX_RULE_FILE_BYTES = 4 * 1024 * 1024;
const MAX_RULE_TOTAL_BYTES = 32 * 1024 * 1024;
// Matches kept per pattern: the engine reports identifiers, not every offset.
const MAX_MATCHES_PER_PATTERN = 16;
const RULE_FILE = /\.(yar|yara)$/iu;
const RULE_DECLARATION = /^[ \t]*(?:(?:private|global)[ \t]+)*rule[ \t]+[A-Za-z_][A-Za-z0-9_]*/gmu;
const COMPILER_LINE = /-->\s*line:(\d+)(?::\d+)?/u;

/**
 * Compiler settings. Includes are off, so a rule cannot read files outside the
 * directory; slow patterns are errors, because the binding has no scan timeout
 * and a pathological regex would stall a worker on every artifact.
 */
const COMPILER_OPTIONS: CompilerOptions = { enableIncludes: false, errorOnSlowPattern: true, errorOnSlowLoop: true };

/**
 * Reads every `*.yar` / `*.yara` directly in `dir` (not recursive: a rule set is
 * one flat directory, so what is loaded is exactly what `ls` shows), sorted by name.
 */
export async function readYaraRuleSources(dir: string): Promise<YaraRuleSource[]> {
  let names: string[];
  try {
    names = (await readdir(dir, { withFileTypes: true })).filter((e) => e.isFile() && RULE_FILE.test(e.name)).map((e) => e.name);
  } catch (err) {
    throw new YaraRulesError(`cannot read the YARA rule directory ${dir}: ${describe(err)}`, {}, { cause: err });
  }
  names.sort();
  if (names.length > MAX_RULE_FILES) throw new YaraRulesError(`${dir} holds ${names.length} rule files, more than the limit of ${MAX_RULE_FILES}`);
  const sources: YaraRuleSource[] = [];
  let total = 0;
  for (const file of names) {
    const path = join(dir, file);
    const size = (await stat(path)).size;
    if (size > MAX_RULE_FILE_BYTES) throw new YaraRulesError(`${file}: ${size} bytes, more than the limit of ${MAX_RULE_FILE_BYTES}`, { file });
    total += size;
    if (total > MAX_RULE_TOTAL_BYTES) throw new YaraRulesError(`rule files in ${dir} exceed ${MAX_RULE_TOTAL_BYTES} bytes in total`, { file });
    sources.push({ file, text: await readFile(path, 'utf8') });
  }
  return sources;
}

/**
 * Compiles rule sources into one scanner for this thread. Each file is first
 * validated on its own so an error names its file and line; then all files are
 * compiled together (a rule name defined in two files fails here, mapped back
 * to the second file). Throws YaraRulesError.
 */
export function compileYaraRules(sources: readonly YaraRuleSource[]): CompiledRules {
  for (const source of sources) {
    const first = validate(source.text, COMPILER_OPTIONS).errors[0];
    if (first !== undefined) throw compilerError(source.file, first.message, first.line);
  }
  // Files are joined with a newline; starts[] maps a line of the whole back to its file.
  const starts: number[] = [];
  let line = 1;
  for (const source of sources) {
    starts.push(line);
    line += source.text.split('\n').length;
  }
  let scanner: YaraScanner;
  try {
    // The binding types compile()'s result as an undeclared name; YaraScanner is what it provides.
    scanner = compile(sources.map((s) => s.text).join('\n'), COMPILER_OPTIONS) as YaraScanner;
  } catch (err) {
    const message = describe(err);
    const at = Number(COMPILER_LINE.exec(message)?.[1] ?? Number.NaN);
    let index = -1;
    for (let i = 0; i < starts.length; i++) if ((starts[i] ?? Infinity) <= at) index = i;
    const source = sources[index];
    if (source === undefined) throw new YaraRulesError(`YARA rules do not compile: ${message}`, {}, { cause: err });
    throw compilerError(source.file, message, at - (starts[index] ?? 1) + 1);
  }
  scanner.setMaxMatchesPerPattern(MAX_MATCHES_PER_PATTERN);
  const ruleCount = sources.reduce((n, s) => n + (s.text.match(RULE_DECLARATION)?.length ?? 0), 0);
  return { scanner, ruleCount, sources: [...sources] };
}

/** Reads and compiles a rule directory (see readYaraRuleSources and compileYaraRules). */
export async function loadYaraRules(dir: string): Promise<LoadedYaraRules> {
  const rules = compileYaraRules(await readYaraRuleSources(dir));
  return { rules, files: rules.sources.map((s) => s.file), ruleCount: rules.ruleCount };
}

function compilerError(file: string, message: string, line: number | undefined): YaraRulesError {
  // The compiler message carries "--> line:N:C" relative to what it compiled; prefer an explicit line.
  const parsed = Number(COMPILER_LINE.exec(message)?.[1] ?? Number.NaN);
  const at = line ?? (Number.isFinite(parsed) ? parsed : undefined);
  const where = at === undefined ? basename(file) : `${basename(file)}:${at}`;
  return new YaraRulesError(`YARA rule file ${where} does not compile: ${message}`, at === undefined ? { file } : { file, line: at });
}

function describe(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
