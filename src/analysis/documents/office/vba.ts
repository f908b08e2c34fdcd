/**
 * VBA projects inside compound files (`Macros/VBA`, `_VBA_PROJECT_CUR/VBA`,
 * or `VBA` at the root of an OOXML `vbaProject.bin`): module source is
 * decompressed (every byte charged to the budget first) and matched against
 * the keyword tables. A module whose source is missing while its compiled
 * p-code is there is "stomped": Office runs the p-code, scanners read the
 * (empty or decoy) source.
 */
import type { Buffer } from 'node:buffer';
import type { ExpansionBudget } from '../../dissect/budget.js';
import type { CompoundEntry } from './compound-file.js';
import type { Decompressed } from './ovba.js';
import { decompressOvba, parseVbaDir } from './ovba.js';
import type { VbaKeyword } from './tables.js';
import { VBA_AUTOEXEC_EVENT_SUFFIXES, VBA_AUTOEXEC_NAMES, VBA_SUSPICIOUS } from './tables.js';

export interface VbaModule {
  /** Module name from the `dir` stream, raw. */
  readonly name: string;
  /** Path of the module stream in the compound file. */
  readonly streamPath: string;
  /** Decompressed source (empty when missing). */
  readonly source: Buffer;
}

export interface VbaProject {
  /** Path of the `VBA` storage. */
  readonly path: string;
  readonly modules: readonly VbaModule[];
  readonly autoExec: readonly string[];
  readonly suspicious: readonly string[];
  /** Modules whose source is missing or undecodable while p-code is present. */
  readonly stomped: readonly string[];
  /** The `dir` stream did not decompress or parse cleanly. */
  readonly malformed: boolean;
}

const IDENT = 'A-Za-z0-9_';
const escapeRegExp = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
const wordRegExp = (words: readonly string[]): RegExp => new RegExp(`(?<![${IDENT}])(?:${words.map(escapeRegExp).join('|')})(?![${IDENT}])`, 'gi');
const AUTOEXEC_RE = wordRegExp(VBA_AUTOEXEC_NAMES);
const EVENT_RE = new RegExp(`(?<![${IDENT}])Sub\\s+[${IDENT}]+(?:${VBA_AUTOEXEC_EVENT_SUFFIXES.map(escapeRegExp).join('|')})(?![${IDENT}])`, 'gi');
const KEYWORDS: readonly { readonly keyword: VbaKeyword; readonly re: RegExp }[] = VBA_SUSPICIOUS.map((keyword) => ({
  keyword,
  re: keyword.match === 'word' ? wordRegExp([keyword.text]) : new RegExp(escapeRegExp(keyword.text), 'gi'),
}));
// Matches kept per list; a project quoting a keyword a thousand times says no more than one that quotes it once.
const MAX_MATCHES = 20;

/** Paths of every `VBA` storage that holds a `dir` stream (a VBA project). */
export function findVbaStorages(entries: readonly CompoundEntry[]): string[] {
  const found: string[] = [];
  for (const e of entries) {
    if (e.type !== 'stream' || e.name.toLowerCase() !== 'dir') continue;
    const parent = e.path.slice(0, Math.max(0, e.path.length - e.name.length - 1));
    const parentName = parent.slice(parent.lastIndexOf('/') + 1);
    if (parentName.toLowerCase() === 'vba') found.push(parent);
  }
  return found;
}

/** Decompresses with the budget's limits; output past them is a budget breach (throws BudgetExceededError). */
export function decompressCharged(input: Uint8Array, budget: ExpansionBudget): Decompressed {
  const limit = Math.max(0, Math.min(budget.remainingBytes(), budget.limits.maxMemberBytes));
  const result = decompressOvba(input, limit);
  const produced = result.truncated ? limit + 1 : result.data.length;
  budget.checkMember(input.length, produced);
  budget.chargeBytes(produced);
  return result;
}

/** Reads and scans one VBA project. Throws only BudgetExceededError. */
export function analyzeVbaProject(entries: readonly CompoundEntry[], vbaPath: string, budget: ExpansionBudget): VbaProject {
  const inVba = new Map<string, CompoundEntry>();
  for (const e of entries) {
    if (e.type === 'stream' && e.path.startsWith(`${vbaPath}/`) && e.path.indexOf('/', vbaPath.length + 1) < 0) inVba.set(e.name.toLowerCase(), e);
  }
  const dirStream = inVba.get('dir')?.content;
  const dir = dirStream === undefined ? undefined : decompressCharged(dirStream, budget);
  const parsed = dir === undefined || dir.malformed ? { modules: [], malformed: true } : parseVbaDir(dir.data);
  const modules: VbaModule[] = [];
  const stomped: string[] = [];
  const texts: string[] = [];
  for (const ref of parsed.modules) {
    const stream = inVba.get(ref.streamName.toLowerCase());
    const content = stream?.content;
    if (stream === undefined || content === undefined) continue;
    const pcode = content.subarray(0, Math.min(ref.textOffset, content.length));
    const compressed = content.subarray(Math.min(ref.textOffset, content.length));
    const source = decompressCharged(compressed, budget);
    modules.push({ name: ref.name, streamPath: stream.path, source: source.data });
    texts.push(source.data.toString('latin1'));
    // Literals (URLs, command lines) survive in compiled p-code even when the source was wiped.
    texts.push(pcode.toString('latin1'));
    if ((source.malformed || source.data.length === 0) && pcode.length > 0) stomped.push(ref.name);
  }
  if (stomped.length > 0) {
    // With the source gone, the project's identifier table is where procedure names (AutoOpen) remain.
    const ids = inVba.get('_vba_project')?.content;
    if (ids !== undefined) texts.push(ids.toString('latin1'));
  }
  const text = texts.join('\n');
  return {
    path: vbaPath,
    modules,
    autoExec: collectMatches(text, [AUTOEXEC_RE, EVENT_RE]),
    suspicious: collectKeywords(text),
    stomped,
    malformed: parsed.malformed,
  };
}

function collectMatches(text: string, patterns: readonly RegExp[]): string[] {
  const found = new Set<string>();
  for (const re of patterns) {
    for (const m of text.matchAll(re)) {
      found.add(m[0].replace(/^Sub\s+/i, ''));
      if (found.size >= MAX_MATCHES) return [...found];
    }
  }
  return [...found];
}

function collectKeywords(text: string): string[] {
  const found: string[] = [];
  for (const { keyword, re } of KEYWORDS) {
    const needed = keyword.min ?? 1;
    let count = 0;
    for (const _ of text.matchAll(re)) if (++count >= needed) break;
    if (count >= needed) found.push(keyword.text);
    if (found.length >= MAX_MATCHES) break;
  }
  return found;
}
